"""AUC, log loss, reliability curve and ECE on handmade cases (and against scikit-learn)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from shelfwise.evaluate.calibration import (
    expected_calibration_error,
    log_loss,
    reliability_curve,
    roc_auc,
)


def test_auc_counts_pairs_and_ties_half() -> None:
    # positives 0.9 and 0.4; negatives 0.4 and 0.1: pairs (0.9>0.4, 0.9>0.1, 0.4=0.4, 0.4>0.1) = 3.5 / 4
    assert roc_auc(np.array([1, 0, 1, 0]), np.array([0.9, 0.4, 0.4, 0.1])) == pytest.approx(0.875)
    assert roc_auc(np.array([1, 1, 0]), np.array([0.1, 0.2, 0.9])) == 0.0
    assert roc_auc(np.array([1, 1]), np.array([0.1, 0.2])) is None


def test_auc_and_log_loss_agree_with_scikit_learn() -> None:
    metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(3)
    p = rng.random(2000)
    y = (rng.random(2000) < p).astype(int)
    coarse = np.round(p, 1)  # many ties
    assert roc_auc(y, coarse) == pytest.approx(metrics.roc_auc_score(y, coarse), abs=1e-12)
    assert log_loss(y, p) == pytest.approx(metrics.log_loss(y, p), abs=1e-9)


def test_log_loss_by_hand_and_clipped() -> None:
    expected = -(math.log(0.8) + math.log(0.6)) / 2
    assert log_loss(np.array([1, 0]), np.array([0.8, 0.4])) == pytest.approx(expected)
    assert math.isfinite(log_loss(np.array([1]), np.array([0.0])))
    assert log_loss(np.array([]), np.array([])) is None


def test_ece_on_a_handmade_case() -> None:
    # bin [0.1, 0.2): predictions 0.1, 0.1 with labels 0, 1 -> gap |0.1 - 0.5| = 0.4, weight 2/4
    # bin [0.9, 1.0]: predictions 0.9, 0.9 with labels 1, 1 -> gap 0.1, weight 2/4
    labels, predicted = np.array([0, 1, 1, 1]), np.array([0.1, 0.1, 0.9, 0.9])
    assert expected_calibration_error(labels, predicted, bins=10) == pytest.approx(0.25)
    curve = reliability_curve(labels, predicted, bins=10)
    assert [(b.lower, b.upper, b.count, b.observed_rate) for b in curve] == [
        (pytest.approx(0.1), pytest.approx(0.2), 2, 0.5),
        (pytest.approx(0.9), pytest.approx(1.0), 2, 1.0),
    ]


def test_perfectly_calibrated_predictions_have_small_ece_in_both_binnings() -> None:
    rng = np.random.default_rng(0)
    p = rng.random(200_000) * 0.3
    y = (rng.random(p.size) < p).astype(int)
    assert expected_calibration_error(y, p, 10, "uniform") < 0.005
    assert expected_calibration_error(y, p, 10, "quantile") < 0.005
    assert expected_calibration_error(y, np.clip(p * 2, 0, 1), 10, "quantile") > 0.1


def test_quantile_bins_hold_about_equal_counts_and_merge_ties() -> None:
    p = np.linspace(0, 1, 1000)
    curve = reliability_curve(np.zeros(1000), p, bins=4, strategy="quantile")
    assert [b.count for b in curve] == [250, 250, 250, 250]
    assert len(reliability_curve(np.zeros(10), np.full(10, 0.3), bins=4, strategy="quantile")) == 1


def test_bad_inputs_are_errors() -> None:
    with pytest.raises(ValueError):
        roc_auc(np.array([0, 2]), np.array([0.1, 0.2]))
    with pytest.raises(ValueError):
        reliability_curve(np.array([0]), np.array([1.5]))
    with pytest.raises(ValueError):
        log_loss(np.array([0, 1]), np.array([0.5]))

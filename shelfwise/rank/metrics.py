"""The ranker's report: per-task AUC, log loss and calibration, the ceilings and baselines they
are read against, and permutation feature importance.

Tasks: "ctr" (click, over all impressions), "cvr" (conversion, over clicked impressions only:
the conversion-given-click probability where it is observable) and "ctcvr" (click and
conversion, over all impressions). With true probabilities (simulation), each task also gets the
ceiling: the AUC and log loss of the true probabilities on the same labels. The position-only
baseline predicts each (surface, position)'s training rate.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.evaluate.calibration import (
    ReliabilityBin,
    expected_calibration_error,
    log_loss,
    reliability_curve,
    roc_auc,
)
from shelfwise.rank.artifacts import Predictions
from shelfwise.rank.examples import Impressions
from shelfwise.rank.features import CATEGORICAL, FeatureBatch, FeatureSpec

TASKS = ("ctr", "cvr", "ctcvr")


class TaskMetrics(BaseModel):
    task: str
    rows: int
    positives: int
    auc: float | None
    log_loss: float | None
    ece: float | None = Field(description="expected calibration error, 10 equal-width bins")
    ece_adaptive: float | None = Field(description="the same over 10 equal-count bins")
    reliability: list[ReliabilityBin] = Field(description="10 equal-count bins")
    mean_predicted: float | None
    observed_rate: float | None
    ceiling_auc: float | None = Field(default=None, description="AUC of the true probabilities")
    ceiling_log_loss: float | None = None
    position_baseline_auc: float | None = None


def _rounded(value: float | None, digits: int = 5) -> float | None:
    return None if value is None else round(float(value), digits)


def task_metrics(
    task: str,
    labels: np.ndarray,
    predicted: np.ndarray,
    true: np.ndarray | None = None,
    baseline: np.ndarray | None = None,
) -> TaskMetrics:
    """Metrics of one task's predictions (true probabilities and a baseline are optional)."""
    n = int(labels.size)
    return TaskMetrics(
        task=task,
        rows=n,
        positives=int(labels.sum()),
        auc=_rounded(roc_auc(labels, predicted)),
        log_loss=_rounded(log_loss(labels, predicted)),
        ece=_rounded(expected_calibration_error(labels, predicted, 10, "uniform")),
        ece_adaptive=_rounded(expected_calibration_error(labels, predicted, 10, "quantile")),
        reliability=reliability_curve(labels, predicted, 10, "quantile"),
        mean_predicted=_rounded(float(predicted.mean())) if n else None,
        observed_rate=_rounded(float(labels.mean())) if n else None,
        ceiling_auc=None if true is None else _rounded(roc_auc(labels, true)),
        ceiling_log_loss=None if true is None else _rounded(log_loss(labels, true)),
        position_baseline_auc=None if baseline is None else _rounded(roc_auc(labels, baseline)),
    )


def position_rates(train: Impressions, max_position: int) -> dict[str, dict[tuple[str, int], float]]:
    """Each task's training rate per (surface, clipped position), with add-one smoothing
    toward the overall rate."""
    positions = np.minimum(train.positions, max_position)
    keys = list(zip(train.surfaces.tolist(), positions.tolist(), strict=True))
    rates: dict[str, dict[tuple[str, int], float]] = {}
    for task, labels, rows in (
        ("ctr", train.clicked, np.ones(len(train), bool)),
        ("cvr", train.converted, train.clicked),
        ("ctcvr", train.clicked & train.converted, np.ones(len(train), bool)),
    ):
        overall = float(labels[rows].mean()) if rows.any() else 0.0
        sums: dict[tuple[str, int], list[float]] = {}
        for key, y, used in zip(keys, labels.tolist(), rows.tolist(), strict=True):
            if used:
                entry = sums.setdefault(key, [0.0, 0.0])
                entry[0] += y
                entry[1] += 1
        rates[task] = {k: (s + overall) / (c + 1) for k, (s, c) in sums.items()}
    return rates


def evaluate_tasks(
    data: Impressions,
    predictions: Predictions,
    rates: dict[str, dict[tuple[str, int], float]],
    max_position: int,
) -> dict[str, TaskMetrics]:
    """The three tasks' metrics on `data` (with ceilings when it has true probabilities)."""
    true = data.has_true_probabilities
    keys = list(zip(data.surfaces.tolist(), np.minimum(data.positions, max_position).tolist(), strict=True))

    def baseline(task: str) -> np.ndarray:
        fallback = float(np.mean(list(rates[task].values()))) if rates[task] else 0.0
        return np.array([rates[task].get(k, fallback) for k in keys])

    clicked = data.clicked
    return {
        "ctr": task_metrics(
            "ctr", data.click_labels, predictions.pctr, data.true_ctr if true else None, baseline("ctr")
        ),
        "cvr": task_metrics(
            "cvr",
            data.converted[clicked].astype(np.float32),
            predictions.pcvr[clicked],
            data.true_cvr[clicked] if true else None,
            baseline("cvr")[clicked],
        ),
        "ctcvr": task_metrics(
            "ctcvr",
            data.ctcvr_labels,
            predictions.pctcvr,
            data.true_ctr * data.true_cvr if true else None,
            baseline("ctcvr"),
        ),
    }


def _permuted(
    batch: FeatureBatch, spec: FeatureSpec, columns: tuple[str, ...], order: np.ndarray
) -> FeatureBatch:
    categorical, dense = batch.categorical.copy(), batch.dense.copy()
    text_rows, positions, query_rows = batch.text_rows, batch.positions, batch.query_rows
    for column in columns:
        if column in CATEGORICAL:
            i = CATEGORICAL.index(column)
            categorical[:, i] = categorical[order, i]
        elif column == "text_embedding":
            text_rows = text_rows[order]
        elif column == "query_embedding":
            query_rows = query_rows[order]
        elif column == "position":
            positions = positions[order]
        else:
            i = spec.dense_names.index(column)
            dense[:, i] = dense[order, i]
    return FeatureBatch(categorical, dense, text_rows, positions, query_rows, batch.query_table)


def permutation_importance(
    predict: Callable[[FeatureBatch], Predictions],
    batch: FeatureBatch,
    data: Impressions,
    spec: FeatureSpec,
    seed: int,
) -> dict[str, dict[str, float]]:
    """Per feature group, the drop in CTR and CTCVR AUC when its columns are shuffled across
    the rows (one seeded permutation for all columns of a group); larger = more important."""
    rng = np.random.default_rng(seed)
    click, ctcvr = data.click_labels, data.ctcvr_labels
    base = predict(batch)
    base_ctr, base_ctcvr = roc_auc(click, base.pctr), roc_auc(ctcvr, base.pctcvr)
    out: dict[str, dict[str, float]] = {}
    for group, columns in spec.feature_groups().items():
        permuted = predict(_permuted(batch, spec, columns, rng.permutation(len(batch))))
        drops = {}
        for task, labels, before, after in (
            ("ctr", click, base_ctr, permuted.pctr),
            ("ctcvr", ctcvr, base_ctcvr, permuted.pctcvr),
        ):
            shuffled = roc_auc(labels, after)
            if before is not None and shuffled is not None:
                drops[task] = round(before - shuffled, 5)
        out[group] = drops
    return dict(sorted(out.items(), key=lambda kv: -max(kv[1].values(), default=0.0)))


class EpochRecord(BaseModel):
    epoch: int
    steps: int
    learning_rate: float
    train_loss: float
    validation_ctr_log_loss: float
    validation_ctcvr_log_loss: float
    validation_ctr_auc: float | None
    seconds: float


class RankerReport(BaseModel):
    """What training did and how the model scores on the held-out (test) requests."""

    architecture: str
    rows: dict[str, int] = Field(description="impressions in train, validation and test")
    requests: dict[str, int]
    conversions_without_click: int = Field(
        description="converted impressions not clicked: the click-and-convert label counts them as 0"
    )
    epochs: int
    best_epoch: int
    stopped_early: bool
    seconds: float
    tasks: dict[str, TaskMetrics] = Field(description="on the test requests")
    selection_score: float | None = Field(
        description="mean of the test CTR and CTCVR AUCs that are defined: what publishing compares"
    )
    feature_importance: dict[str, dict[str, float]]
    history: list[EpochRecord]


def selection_score(tasks: dict[str, TaskMetrics]) -> float | None:
    values = [auc for t in ("ctr", "ctcvr") if t in tasks and (auc := tasks[t].auc) is not None]
    return None if not values else round(float(np.mean(values)), 5)

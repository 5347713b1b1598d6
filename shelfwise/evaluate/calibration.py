"""Quality of predicted probabilities: discrimination (ROC AUC), log loss and calibration
(reliability curve, expected calibration error). Pure functions over numpy arrays.

Conventions: `labels` are 0/1 (or booleans), `probabilities` lie in [0, 1]. A metric that needs
both classes (AUC) is None when the labels hold only one; metrics over no rows are None too.

- `roc_auc` is the Mann-Whitney statistic with tied scores counted as half (the area under the
  ROC curve with ties joined by a straight line, as scikit-learn's `roc_auc_score`).
- `log_loss` clips probabilities to [eps, 1 - eps] (eps = 1e-7) and averages the natural-log loss.
- `reliability_curve` bins the predictions, either into equal-width bins over [0, 1]
  ("uniform") or into bins of (about) equal count ("quantile"; bins that would hold the same
  tied predictions are merged), and gives each non-empty bin's mean prediction and observed rate.
- `expected_calibration_error` is the row-weighted mean of |mean prediction - observed rate|
  over those bins: the usual ECE with "uniform" bins, the adaptive ECE with "quantile" bins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy.stats import rankdata

BinStrategy = Literal["uniform", "quantile"]
EPSILON = 1e-7

__all__ = [
    "ReliabilityBin",
    "expected_calibration_error",
    "log_loss",
    "reliability_curve",
    "roc_auc",
]


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One bin of a reliability curve: predictions in [lower, upper]."""

    lower: float
    upper: float
    count: int
    mean_predicted: float
    observed_rate: float


def _check(labels: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(labels).astype(np.float64).ravel()
    s = np.asarray(scores, dtype=np.float64).ravel()
    if y.shape != s.shape:
        raise ValueError(f"{y.size} labels but {s.size} scores")
    if y.size and not np.isin(y, (0.0, 1.0)).all():
        raise ValueError("labels must be 0 or 1")
    if not np.isfinite(s).all():
        raise ValueError("scores must be finite")
    return y, s


def roc_auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
    """Probability that a random positive scores above a random negative (ties count half)."""
    y, s = _check(labels, scores)
    positives = int(y.sum())
    negatives = y.size - positives
    if positives == 0 or negatives == 0:
        return None
    ranks = rankdata(s)  # mid-ranks for ties
    positive_rank_sum = float(ranks[y == 1].sum())
    return (positive_rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def log_loss(labels: np.ndarray, probabilities: np.ndarray) -> float | None:
    """Mean binary cross-entropy (natural log); None for no rows."""
    y, p = _check(labels, probabilities)
    if not y.size:
        return None
    p = np.clip(p, EPSILON, 1 - EPSILON)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def _bin_ids(p: np.ndarray, bins: int, strategy: BinStrategy) -> np.ndarray:
    if strategy == "uniform":
        return np.minimum((p * bins).astype(np.int64), bins - 1)
    if strategy == "quantile":
        edges = np.unique(np.quantile(p, np.linspace(0, 1, bins + 1)[1:-1]))
        return np.searchsorted(edges, p, side="right")
    raise ValueError(f"unknown bin strategy {strategy!r}: uniform or quantile")


def reliability_curve(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = 10, strategy: BinStrategy = "uniform"
) -> list[ReliabilityBin]:
    """The non-empty bins, lowest predictions first."""
    if bins < 1:
        raise ValueError("bins must be at least 1")
    y, p = _check(labels, probabilities)
    if not y.size:
        return []
    if ((p < 0) | (p > 1)).any():
        raise ValueError("probabilities must lie in [0, 1]")
    ids = _bin_ids(p, bins, strategy)
    out = []
    for b in np.unique(ids):
        chosen = ids == b
        in_bin = p[chosen]
        out.append(
            ReliabilityBin(
                lower=float(in_bin.min()) if strategy == "quantile" else b / bins,
                upper=float(in_bin.max()) if strategy == "quantile" else (b + 1) / bins,
                count=int(chosen.sum()),
                mean_predicted=float(in_bin.mean()),
                observed_rate=float(y[chosen].mean()),
            )
        )
    return out


def expected_calibration_error(
    labels: np.ndarray, probabilities: np.ndarray, bins: int = 10, strategy: BinStrategy = "uniform"
) -> float | None:
    """Row-weighted mean gap between mean prediction and observed rate over the bins."""
    curve = reliability_curve(labels, probabilities, bins, strategy)
    total = sum(b.count for b in curve)
    if not total:
        return None
    return sum(b.count * abs(b.mean_predicted - b.observed_rate) for b in curve) / total

"""Classification scores as pure functions of label indices (checked against scikit-learn in the
tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def confusion(truth: Sequence[int], predicted: Sequence[int], classes: int) -> np.ndarray:
    """classes x classes counts, rows the truth."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(truth, dtype=np.int64), np.asarray(predicted, dtype=np.int64)), 1)
    return matrix


def macro_f1(truth: Sequence[int], predicted: Sequence[int], classes: int) -> float:
    """Mean F1 over the classes that occur in the truth or the predictions (scikit-learn's
    `f1_score(average="macro")`: a class absent from both is left out, not scored 1 or 0)."""
    if len(truth) != len(predicted):
        raise ValueError(f"{len(truth)} labels but {len(predicted)} predictions")
    if not len(truth):
        return 0.0
    matrix = confusion(truth, predicted, classes)
    hits = np.diag(matrix).astype(np.float64)
    true_count, predicted_count = matrix.sum(axis=1), matrix.sum(axis=0)
    present = (true_count + predicted_count) > 0
    f1 = np.divide(2 * hits, true_count + predicted_count, out=np.zeros(classes), where=present)
    return float(f1[present].mean())


def accuracy(truth: Sequence[int], predicted: Sequence[int]) -> float:
    if not len(truth):
        return 0.0
    return float(np.mean(np.asarray(truth) == np.asarray(predicted)))

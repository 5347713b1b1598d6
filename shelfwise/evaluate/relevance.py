"""Scoring the relevance benchmark: (query, product) pairs, predicted grades and their RMSE
against graded judgments (the predictions are written by `shelfwise.bench.relevance`).

    shelfwise eval relevance --judgments J.tsv --scores S.tsv
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from shelfwise.evaluate.tables import FormatError, iter_tsv
from shelfwise.evaluate.trec import read_judgments

Log = Callable[[str], None]
PAIR_COLUMNS = ("query_id", "query", "product_id")
SCORE_COLUMNS = ("query_id", "product_id", "score")


class RelevancePair(BaseModel):
    query_id: str
    query: str
    product_id: str


class RelevanceEvalReport(BaseModel):
    pairs: int
    missing: int
    rmse: float
    mae: float
    mean_baseline_rmse: float
    """RMSE of predicting every pair's grade as the judged grades' mean (a floor to beat)"""


def read_pairs(path: Path, columns: Mapping[str, str] | None = None) -> list[RelevancePair]:
    pairs: list[RelevancePair] = []
    seen: dict[tuple[str, str], int] = {}
    for row in iter_tsv(path, PAIR_COLUMNS, columns):
        key = (row.fields["query_id"], row.fields["product_id"])
        if not all(key):
            raise FormatError(path, row.line, "empty query_id or product_id")
        if key in seen:
            raise FormatError(path, row.line, f"pair {key} listed twice (first at line {seen[key]})")
        seen[key] = row.line
        pairs.append(RelevancePair(query_id=key[0], query=row.fields["query"], product_id=key[1]))
    return pairs


def read_scores(path: Path) -> dict[tuple[str, str], float]:
    scores: dict[tuple[str, str], float] = {}
    for row in iter_tsv(path, SCORE_COLUMNS):
        try:
            value = float(row.fields["score"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise FormatError(path, row.line, f"score is not a number: {row.fields['score']!r}")
        scores[row.fields["query_id"], row.fields["product_id"]] = value
    return scores


def evaluate_relevance(judgments_path: Path, scores_path: Path) -> RelevanceEvalReport:
    """RMSE and MAE of predicted grades over the judged pairs; judged pairs without a
    prediction are counted as missing (and left out of the errors)."""
    judgments = read_judgments(judgments_path)
    scores = read_scores(scores_path)
    truth, predicted, missing = [], [], 0
    for qid, grades in judgments.grades.items():
        for pid, grade in grades.items():
            if (qid, pid) not in scores:
                missing += 1
                continue
            truth.append(grade)
            predicted.append(scores[qid, pid])
    if not truth:
        raise ValueError(f"no judged pair of {judgments_path} has a score in {scores_path}")
    t, p = np.asarray(truth), np.asarray(predicted)
    return RelevanceEvalReport(
        pairs=len(t),
        missing=missing,
        rmse=round(float(np.sqrt(np.mean((t - p) ** 2))), 4),
        mae=round(float(np.mean(np.abs(t - p))), 4),
        mean_baseline_rmse=round(float(np.std(t)), 4),
    )

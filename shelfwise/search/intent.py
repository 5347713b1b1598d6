"""Category intent: which catalog categories a query targets.

Two sources of evidence, summed per category path:

- the catalog: the category paths of the query's best retrieved candidates, weighted by their
  fused score (the products a query lands on say what it is about);
- labelled queries: past queries whose clicked or relevant products carry a category (from
  events or judgments), found by the cosine of their vectors with the query's.

Predictions are made at every depth of the category tree; a deeper category is reported when
it holds enough of the evidence. Search uses them to boost products of the predicted
categories and to suggest a category filter.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.config import IntentConfig
from shelfwise.records import CATEGORY_SEPARATOR
from shelfwise.search.table import MAX_CATEGORY_DEPTH, ProductTable


@dataclass(frozen=True)
class CategoryPrediction:
    path: str
    """category path prefix, e.g. 'Electronics > Audio'"""
    depth: int
    share: float
    """share of the votes for this path among the paths of its depth"""


@dataclass(frozen=True)
class LabelledQueries:
    """Past queries with the category each led to: unit vectors and category paths, aligned."""

    vectors: np.ndarray
    paths: tuple[str, ...]
    weights: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> LabelledQueries:
        return cls(np.zeros((0, dim), dtype=np.float32), (), np.zeros(0, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.paths)


def _prefixes(path: str) -> list[str]:
    parts = [p.strip() for p in path.split(">") if p.strip()][:MAX_CATEGORY_DEPTH]
    return [CATEGORY_SEPARATOR.join(parts[: d + 1]) for d in range(len(parts))]


def predict_categories(
    table: ProductTable,
    rows: np.ndarray,
    scores: np.ndarray,
    config: IntentConfig,
    query_vector: np.ndarray | None = None,
    labelled: LabelledQueries | None = None,
) -> list[CategoryPrediction]:
    """The deepest confident category at each depth, shallowest first (at most one per depth).

    `rows` are table rows of the candidates, best first, and `scores` their fused scores.
    """
    votes: dict[str, float] = {}
    top = rows[: config.candidates]
    weights = np.asarray(scores[: config.candidates], dtype=np.float64)
    if top.size:
        weights = weights - weights.min() + 1e-6 if weights.min() <= 0 else weights
        for depth in range(MAX_CATEGORY_DEPTH):
            codes = table.category[top, depth]
            for code, weight in zip(codes.tolist(), weights.tolist(), strict=True):
                if code >= 0:
                    path = table.categories.values[code]
                    votes[path] = votes.get(path, 0.0) + weight / weights.sum()
    if labelled is not None and len(labelled) and query_vector is not None:
        _add_labelled_votes(votes, labelled, query_vector, config)
    return _confident(votes, config.min_share)


def _add_labelled_votes(
    votes: dict[str, float], labelled: LabelledQueries, query_vector: np.ndarray, config: IntentConfig
) -> None:
    similarity = labelled.vectors @ query_vector
    nearest = np.argsort(-similarity)[: config.labelled_neighbours]
    chosen = [i for i in nearest.tolist() if similarity[i] >= config.labelled_min_similarity]
    if not chosen:
        return
    total = float(sum(labelled.weights[i] * similarity[i] for i in chosen))
    for i in chosen:
        share = config.labelled_weight * float(labelled.weights[i] * similarity[i]) / total
        for prefix in _prefixes(labelled.paths[i]):
            votes[prefix] = votes.get(prefix, 0.0) + share


def _confident(votes: dict[str, float], min_share: float) -> list[CategoryPrediction]:
    by_depth: dict[int, dict[str, float]] = {}
    for path, weight in votes.items():
        by_depth.setdefault(path.count(CATEGORY_SEPARATOR), {})[path] = weight
    out: list[CategoryPrediction] = []
    for depth in sorted(by_depth):
        level = by_depth[depth]
        total = sum(level.values())
        path, weight = max(level.items(), key=lambda item: (item[1], item[0]))
        share = weight / total if total else 0.0
        parent_ok = not out or path.startswith(out[-1].path + CATEGORY_SEPARATOR)
        if share < min_share or not parent_ok:
            break
        out.append(CategoryPrediction(path=path, depth=depth + 1, share=round(share, 4)))
    return out


def category_boosts(
    table: ProductTable, rows: np.ndarray, predictions: Sequence[CategoryPrediction]
) -> np.ndarray:
    """For each row, the share of the deepest predicted category it belongs to (0 if none)."""
    boosts = np.zeros(len(rows), dtype=np.float64)
    for prediction in predictions:
        code = table.categories.codes.get(prediction.path, -2)
        inside = table.category[rows, prediction.depth - 1] == code
        boosts[inside] = prediction.share
    return boosts


def labelled_queries_from_examples(
    vectors: np.ndarray, paths: Sequence[str], weights: Sequence[float] | None = None
) -> LabelledQueries:
    """Labelled queries from encoded query texts and the category path each led to."""
    if len(vectors) != len(paths):
        raise ValueError(f"{len(vectors)} vectors but {len(paths)} category paths")
    w = np.ones(len(paths), dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
    return LabelledQueries(np.asarray(vectors, dtype=np.float32), tuple(paths), w)

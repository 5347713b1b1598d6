"""Ranking metrics for one query at a time, and their mean over queries. Pure functions.

Conventions, shared by every function here:

- `ranked_ids` is the ranking, best first. A product id that appears more than once is counted
  once, at its first (best) position; later copies are dropped before the cut at `k`, so a
  ranking is always a list of distinct products.
- `grades` maps judged product ids of the query to their grade (Home Depot: 1.0-3.0).
  Unjudged products have gain 0 and are not relevant.
- Gain is linear: `grade - gain_offset` (default offset 1.0, so 1.0 = irrelevant = gain 0). A
  grade below the offset is an error, not a silently negative gain.
- A product is *relevant* when its grade is at least `threshold` (default 2.33).
- `k` must be at least 1. A ranking shorter than `k` is simply evaluated as it is (precision
  still divides by `k`, as trec_eval's P@k does). An empty ranking scores 0.
- A per-query metric is **undefined (None)** when no ranking at all could score above 0 on that
  query: NDCG when no judged product has a positive gain, recall, precision, reciprocal rank and
  hit rate when no product reaches the threshold. Such queries are left out of the mean and
  counted (`MeanScore.queries_undefined`), rather than scored 0 as ranx or pytrec_eval do.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

__all__ = [
    "DEFAULT_GAIN_OFFSET",
    "DEFAULT_RELEVANCE_THRESHOLD",
    "MeanScore",
    "dcg_at_k",
    "distinct_top_k",
    "hit_rate_at_k",
    "ideal_dcg_at_k",
    "mean_score",
    "ndcg_at_k",
    "precision_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "relevant_ids",
]

DEFAULT_GAIN_OFFSET = 1.0
DEFAULT_RELEVANCE_THRESHOLD = 2.33


@dataclass(frozen=True, slots=True)
class MeanScore:
    """Mean of a per-query metric over the queries where it is defined.

    `value` is 0.0 when no query is scored.
    """

    value: float
    queries_scored: int
    queries_undefined: int


def _check_k(k: int) -> None:
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")


def distinct_top_k(ranked_ids: Iterable[str], k: int | None) -> list[str]:
    """The first `k` distinct ids of a ranking (all of them when `k` is None), in order."""
    if k is not None:
        _check_k(k)
    seen: set[str] = set()
    top: list[str] = []
    for product_id in ranked_ids:
        if product_id in seen:
            continue
        seen.add(product_id)
        top.append(product_id)
        if k is not None and len(top) == k:
            break
    return top


def _gain(product_id: str, grade: float, gain_offset: float) -> float:
    gain = grade - gain_offset
    if gain < 0:
        raise ValueError(f"grade {grade} of product '{product_id}' is below gain_offset {gain_offset}")
    return gain


def _discount(rank: int) -> float:
    """1 / log2(rank + 1) for a 1-based rank."""
    return 1.0 / math.log2(rank + 1)


def dcg_at_k(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int,
    gain_offset: float = DEFAULT_GAIN_OFFSET,
) -> float:
    """Discounted cumulative gain of the top `k`: sum of (grade - offset) / log2(rank + 1)."""
    total = 0.0
    for rank, product_id in enumerate(distinct_top_k(ranked_ids, k), start=1):
        grade = grades.get(product_id)
        if grade is not None:
            total += _gain(product_id, grade, gain_offset) * _discount(rank)
    return total


def ideal_dcg_at_k(grades: Mapping[str, float], k: int, gain_offset: float = DEFAULT_GAIN_OFFSET) -> float:
    """DCG at `k` of the best possible ranking: every judged product of the query, best first."""
    _check_k(k)
    gains = sorted((_gain(p, g, gain_offset) for p, g in grades.items()), reverse=True)
    return sum(gain * _discount(rank) for rank, gain in enumerate(gains[:k], start=1))


def ndcg_at_k(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int,
    gain_offset: float = DEFAULT_GAIN_OFFSET,
) -> float | None:
    """DCG@k / ideal DCG@k; None when the ideal DCG is 0 (no judged product has any gain)."""
    ideal = ideal_dcg_at_k(grades, k, gain_offset)
    if ideal <= 0.0:
        return None
    return dcg_at_k(ranked_ids, grades, k, gain_offset) / ideal


def relevant_ids(
    grades: Mapping[str, float], threshold: float = DEFAULT_RELEVANCE_THRESHOLD
) -> frozenset[str]:
    """Products graded at least `threshold`."""
    return frozenset(p for p, grade in grades.items() if grade >= threshold)


def recall_at_k(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int,
    threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float | None:
    """Fraction of the relevant products found in the top `k`; None when there are none."""
    relevant = relevant_ids(grades, threshold)
    top = distinct_top_k(ranked_ids, k)
    if not relevant:
        return None
    return sum(1 for p in top if p in relevant) / len(relevant)


def precision_at_k(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int,
    threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float | None:
    """Relevant products in the top `k`, divided by `k`; None when the query has none."""
    relevant = relevant_ids(grades, threshold)
    top = distinct_top_k(ranked_ids, k)
    if not relevant:
        return None
    return sum(1 for p in top if p in relevant) / k


def reciprocal_rank(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int | None = None,
    threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float | None:
    """1 / rank of the first relevant product within the top `k` (whole ranking when None).

    0.0 when none is found; None when the query has no relevant product. Its mean is MRR.
    """
    relevant = relevant_ids(grades, threshold)
    top = distinct_top_k(ranked_ids, k)
    if not relevant:
        return None
    for rank, product_id in enumerate(top, start=1):
        if product_id in relevant:
            return 1.0 / rank
    return 0.0


def hit_rate_at_k(
    ranked_ids: Sequence[str],
    grades: Mapping[str, float],
    k: int,
    threshold: float = DEFAULT_RELEVANCE_THRESHOLD,
) -> float | None:
    """1.0 if any relevant product is in the top `k`, else 0.0; None when the query has none.

    Its mean over queries is the hit rate (success@k).
    """
    relevant = relevant_ids(grades, threshold)
    top = distinct_top_k(ranked_ids, k)
    if not relevant:
        return None
    return 1.0 if any(p in relevant for p in top) else 0.0


def mean_score(values: Iterable[float | None]) -> MeanScore:
    """Mean of the defined values; undefined ones (None) are counted, not averaged."""
    total = 0.0
    scored = 0
    undefined = 0
    for value in values:
        if value is None:
            undefined += 1
        else:
            total += value
            scored += 1
    return MeanScore(
        value=total / scored if scored else 0.0,
        queries_scored=scored,
        queries_undefined=undefined,
    )

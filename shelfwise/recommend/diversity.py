"""Diversity and reserved places in a fused candidate list: maximal marginal relevance (MMR) over
item text vectors, and places kept for items without events. Pure functions over positions in
a list that is already ordered best first.

MMR picks, one place at a time, the candidate maximising
`lam * relevance - (1 - lam) * (highest cosine to an item already picked)`. Relevance comes from
the fused rank, not the fused score (LambdaMART scores and reciprocal-rank scores live on
different scales): the candidate at rank r (0 = best) has relevance `1 / log2(r + 2)`, the DCG
discount, so the first place is worth 1, the tenth 0.29 and the hundredth 0.15. `lam = 1` keeps
the list as it is. Items without a text vector (a zero row) are similar to nothing.
"""

from __future__ import annotations

import numpy as np


def rank_relevance(n: int) -> np.ndarray:
    """Relevance of ranks 0..n-1 of a list ordered best first: 1 / log2(rank + 2)."""
    return (1.0 / np.log2(np.arange(n, dtype=np.float64) + 2.0)).astype(np.float64)


def mmr_order(vectors: np.ndarray, k: int, lam: float) -> np.ndarray:
    """Positions (into a list ordered best first, whose item vectors are the rows of `vectors`)
    of the first `k` places after maximal marginal relevance re-ranking with weight `lam`."""
    if not 0.0 <= lam <= 1.0:
        raise ValueError(f"MMR lambda must be in [0, 1], got {lam}")
    n = vectors.shape[0]
    k = min(k, n)
    if lam >= 1.0 or n == 0:
        return np.arange(k, dtype=np.int64)
    gain = lam * rank_relevance(n)
    vectors = np.asarray(vectors, dtype=np.float32)
    penalty = (1.0 - lam) * (vectors @ vectors.T).astype(np.float64)  # one product, not k
    closest = np.zeros(n, dtype=np.float64)  # (1 - lam) x highest similarity to a picked item
    picked: list[int] = []
    for _ in range(k):
        value = gain - closest
        value[picked] = -np.inf
        best = int(np.argmax(value))  # ties go to the better-ranked candidate
        picked.append(best)
        np.maximum(closest, penalty[best], out=closest)
    return np.array(picked, dtype=np.int64)


def reserve_cold_slots(is_cold: np.ndarray, k: int, slots: int) -> np.ndarray:
    """Positions of the first `k` places of a list ordered best first, where at least
    `min(slots, cold items in the list)` places hold items without events (`is_cold`): the
    best cold items below the cut replace the lowest-ranked warm items of the top k and follow
    them, so the personal ranking above keeps its order."""
    if slots < 0:
        raise ValueError(f"cold slots must be at least 0, got {slots}")
    n = len(is_cold)
    top = np.arange(min(k, n), dtype=np.int64)
    cold_below = np.flatnonzero(is_cold[len(top) :]) + len(top)
    need = min(slots - int(is_cold[top].sum()), len(cold_below), len(top))
    if need <= 0:
        return top
    warm_in_top = np.flatnonzero(~is_cold[top])
    dropped = set(warm_in_top[len(warm_in_top) - need :].tolist())
    kept = np.array([p for p in top if p not in dropped], dtype=np.int64)
    return np.concatenate([kept, cold_below[:need]])

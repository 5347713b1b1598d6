"""Splitting a catalog into shards and merging the shards' answers (pure; no Ray).

A product's shard is a stable hash of its id (BLAKE2b, the same on every machine and Python
version, unlike `hash`), so a product stays in its shard whatever else the catalog holds.
Merging keeps the best `k` by score; equal scores are decided by the product's position in the
one index (`ordinal`: the catalog's order for the lexical index, the vector index's row order),
as that index decides them."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


def shard_of(product_id: str, shards: int) -> int:
    """The shard (0 .. shards-1) that holds `product_id`."""
    if shards < 1:
        raise ValueError(f"shards must be at least 1, got {shards}")
    digest = hashlib.blake2b(product_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % shards


def partition(product_ids: Sequence[str], shards: int) -> list[list[int]]:
    """The positions of `product_ids` that each shard holds, in order."""
    out: list[list[int]] = [[] for _ in range(shards)]
    for position, product_id in enumerate(product_ids):
        out[shard_of(product_id, shards)].append(position)
    return out


@dataclass(frozen=True)
class Scored:
    """A shard's candidate: its id, its score (higher is better) and its catalog position."""

    product_id: str
    score: float
    ordinal: int


def merge_top_k(answers: Iterable[Sequence[Scored]], k: int, later_first: bool = False) -> list[Scored]:
    """The `k` best of the shards' candidates, best first; a product that more than one answer
    holds is kept once, with its best score. Among equal scores the lower ordinals are kept (as
    tantivy and faiss keep the earlier document) and come first, or last with `later_first`
    (faiss's flat index lists equal scores with the later rows first)."""
    best: dict[str, Scored] = {}
    for answer in answers:
        for candidate in answer:
            seen = best.get(candidate.product_id)
            if seen is None or candidate.score > seen.score:
                best[candidate.product_id] = candidate
    kept = sorted(best.values(), key=lambda c: (-c.score, c.ordinal))[: max(k, 0)]
    if later_first:
        kept.sort(key=lambda c: (-c.score, -c.ordinal))
    return kept

"""One shard of a vector index: its products' vectors in a `VectorIndex` of their own.

An exact (flat) shard answers a query with its own k most similar products, and the k best of
every shard's are exactly one flat index's k best: a cosine does not depend on the other
vectors. A shard large enough to be approximate (IVF or HNSW, above `exact_max_items` vectors)
searches only an approximation of its part, so the merged answer approximates one index's too,
not with the same recall as one approximate index of the whole catalog: `exact` says which."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from shelfwise.config import VectorConfig
from shelfwise.index.shards import Scored
from shelfwise.index.vector import VectorIndex


class VectorShard:
    def __init__(self, index: VectorIndex, ordinals: dict[str, int]) -> None:
        self.index = index
        self.ordinals = ordinals

    @classmethod
    def build(
        cls, product_ids: Sequence[str], vectors: np.ndarray, ordinals: Sequence[int], config: VectorConfig
    ) -> VectorShard:
        """The shard of these products' (normalised) vectors; `ordinals` their catalog positions."""
        if not len(product_ids) == len(vectors) == len(ordinals):
            raise ValueError(f"{len(product_ids)} ids, {len(vectors)} vectors, {len(ordinals)} ordinals")
        dim = int(vectors.shape[1]) if vectors.ndim == 2 and vectors.shape[1] else 1
        index = VectorIndex.build(list(product_ids), vectors, dim, config)
        return cls(index, {pid: int(o) for pid, o in zip(product_ids, ordinals, strict=True)})

    @property
    def exact(self) -> bool:
        return self.index.kind == "flat"

    def search(self, query: np.ndarray, k: int, allowed: Sequence[str] | None = None) -> list[Scored]:
        """The shard's k most similar products, best first (only `allowed` ones when given)."""
        if allowed is not None and not allowed:
            return []
        hits = self.index.search(query, k, allowed)[0]
        return [Scored(h.product_id, h.similarity, self.ordinals[h.product_id]) for h in hits]

    def similarities(self, query: np.ndarray, product_ids: Sequence[str]) -> dict[str, float]:
        """The cosine of each of these products that holds a vector here."""
        known = [pid for pid in product_ids if pid in self.index]
        if not known:
            return {}
        sims = self.index.vectors_for(known) @ np.asarray(query, dtype=np.float32)
        return dict(zip(known, sims.tolist(), strict=True))

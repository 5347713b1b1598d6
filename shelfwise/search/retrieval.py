"""Candidate recall, the one part of a search that a sharded index replaces: the lexical and
vector candidates of a query and the cosines of lexical candidates the vector side missed.

`LocalRecall` reads the live index itself; `shelfwise.search.sharded.ShardedRecall` asks shards
for the same lists. Everything after recall (fusion, filters, facets, reranking, pages) is the
one search pipeline of `SearchEngine`, so both give the same answer for the same lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from shelfwise.records import Filters
from shelfwise.search.live_index import LiveIndex


@dataclass(frozen=True)
class RecallRequest:
    """What one recall asks for: `query` (normalised) with its weighted `alternatives` for the
    lexical side (`lexical_depth` candidates; none when 0), `query_vector` for the vector side
    (`vector_depth`; none when None), and when filters apply, `filters` and (for a recall from
    the live index itself) `allowed`, their mask over the table's rows: the vector side then
    adds the best among the products passing them."""

    query: str
    alternatives: Sequence[tuple[str, float]]
    lexical_depth: int
    query_vector: np.ndarray | None
    vector_depth: int
    allowed: np.ndarray | None = None
    filters: Filters | None = None


@dataclass(frozen=True)
class Recalled:
    """Each side's candidates, best first, and the cosines of the lexical candidates missing
    from the vector side; `missing`: the shards that did not answer (a partial recall)."""

    lexical: list[tuple[str, float]]
    vector: list[tuple[str, float]]
    similarities: dict[str, float] = field(default_factory=dict)
    missing: frozenset[int] = frozenset()


class Recall(Protocol):
    def recall(self, live: LiveIndex, request: RecallRequest) -> Recalled: ...


class LocalRecall:
    """Recall from the live index's own lexical and vector indexes."""

    def recall(self, live: LiveIndex, request: RecallRequest) -> Recalled:
        lexical: list[tuple[str, float]] = []
        if request.lexical_depth > 0:
            found = live.lexical.search(request.query, request.lexical_depth, request.alternatives)
            lexical = [(h.product_id, h.score) for h in found]
        query_vector = request.query_vector
        if query_vector is None:
            return Recalled(lexical, [])
        vector = self._vector(live, query_vector, request.vector_depth, request.allowed)
        seen = {pid for pid, _ in vector}
        only_lexical = [pid for pid, _ in lexical if pid not in seen and pid in live.vector]
        similarities: dict[str, float] = {}
        if only_lexical:
            sims = live.vector.vectors_for(only_lexical) @ query_vector
            similarities = dict(zip(only_lexical, sims.tolist(), strict=True))
        return Recalled(lexical, vector, similarities)

    @staticmethod
    def _vector(
        live: LiveIndex, query_vector: np.ndarray, depth: int, allowed: np.ndarray | None
    ) -> list[tuple[str, float]]:
        out = [(h.product_id, h.similarity) for h in live.vector.search(query_vector, depth)[0]]
        if allowed is not None:
            rows = live.vector_rows()[allowed]
            if rows.size:
                extra = live.vector.search_rows(query_vector, depth, rows)[0]
                seen = {pid for pid, _ in out}
                out += [(h.product_id, h.similarity) for h in extra if h.product_id not in seen]
        return out

"""The reranking stage: a cross-encoder reads the query with each of the top fused candidates and
reorders them by predicted relevance grade (optionally blended with the fused score)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Protocol

import numpy as np

from shelfwise.config import RerankConfig
from shelfwise.search.fusion import FusedCandidate


class PairScorer(Protocol):
    """What reranking needs from a relevance model (CrossEncoderReranker is one)."""

    @property
    def version(self) -> str: ...

    def score(self, query: str, texts: Sequence[str]) -> np.ndarray: ...


class Reranker:
    """Reranks the first `top_k` candidates of a fused list; remembers recent queries' grades
    (keyed by query and product text) so paging and repeated queries cost nothing."""

    def __init__(self, model: PairScorer, config: RerankConfig | None = None) -> None:
        self.model = model
        self.config = config or RerankConfig()
        self._cache: OrderedDict[str, dict[tuple[str, str], float]] = OrderedDict()

    @property
    def version(self) -> str:
        return self.model.version

    def rerank(
        self, query: str, candidates: Sequence[FusedCandidate], texts: Mapping[str, str]
    ) -> list[FusedCandidate]:
        """The first `top_k` candidates (those with a text) by final score, best first."""
        head = [c for c in candidates[: self.config.top_k] if c.product_id in texts]
        if not head:
            return []
        grades = self._grades(query, [(c.product_id, texts[c.product_id]) for c in head])
        fused = np.array([c.score for c in head], dtype=np.float64)
        span = fused.max() - fused.min()
        normalised = (fused - fused.min()) / span if span > 0 else np.zeros_like(fused)
        final = grades + self.config.fused_weight * normalised
        order = sorted(range(len(head)), key=lambda i: (-final[i], i))
        return [
            replace(head[i], score=float(final[i]), rerank_grade=float(grades[i]), fused_score=head[i].score)
            for i in order
        ]

    def _grades(self, query: str, items: list[tuple[str, str]]) -> np.ndarray:
        known = self._cache.get(query, {})
        missing = [(pid, text) for pid, text in items if (pid, text) not in known]
        if missing:
            scores = self.model.score(query, [text for _, text in missing])
            known = {**known, **{key: float(s) for key, s in zip(missing, scores.tolist(), strict=True)}}
        if self.config.cache_size:
            self._cache[query] = known
            self._cache.move_to_end(query)
            while len(self._cache) > self.config.cache_size:
                self._cache.popitem(last=False)
        return np.array([known[item] for item in items], dtype=np.float64)

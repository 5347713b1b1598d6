"""The parts of a search answer made from ranked candidates (pure functions): sort order, the
page, the rows a facet counts over, the hits with their explanations, and the answer to a query
search cannot read."""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from shelfwise.records import (
    Explanation,
    FusionMethod,
    Hit,
    HitMatch,
    MatchQuality,
    Product,
    SearchRequest,
    SearchResult,
)
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.table import ProductTable


@dataclass(frozen=True)
class Retrieved:
    """Fused candidates and their table rows, aligned; browsing (no query) has rows only."""

    candidates: list[FusedCandidate] | None
    rows: np.ndarray
    missing: frozenset[int] = frozenset()
    """index shards that did not answer: the candidates are a partial recall"""


def sorted_by(table: ProductTable, retrieved: Retrieved, sort: str) -> Retrieved:
    """Every retrieved product in `sort` order instead of relevance."""
    order = table.sort_order(retrieved.rows, sort)
    candidates = None if retrieved.candidates is None else [retrieved.candidates[i] for i in order.tolist()]
    return Retrieved(candidates, retrieved.rows[order])


def page_of(
    table: ProductTable, retrieved: Retrieved, keep: np.ndarray, start: int, size: int
) -> list[FusedCandidate]:
    """The page's candidates among those passing the filters; browsing builds only the page's."""
    if retrieved.candidates is None:
        rows = retrieved.rows[keep][start : start + size]
        return [FusedCandidate(table.ids[r], 0.0, None, None, None, None) for r in rows.tolist()]
    passing = [c for c, kept in zip(retrieved.candidates, keep.tolist(), strict=True) if kept]
    return passing[start : start + size]


def facet_rows(
    table: ProductTable,
    retrieved: Retrieved,
    request: SearchRequest,
    name: str,
    mask: np.ndarray,
    admitted: np.ndarray,
) -> np.ndarray:
    """Rows a facet counts over: the candidates passing every filter but the facet's own
    (so a shopper sees what widening the choice gives); categories drill down instead.
    `admitted` rows passed without stating an attribute read from the query."""
    if name == "category":
        return retrieved.rows[mask[retrieved.rows]]
    passing = table.mask(request.filters, skip=name)
    passing[admitted] = True
    return retrieved.rows[passing[retrieved.rows]]


def hits(
    found: list[tuple[FusedCandidate, Product]],
    matched: list[dict[str, list[str]]],
    offset: int,
    explained: tuple[FusionMethod, list[str]] | None,
    matches: dict[str, HitMatch],
) -> list[Hit]:
    """The page's hits, ranked from `offset` + 1: `found` candidates with their products,
    `matched` the lexical terms each matched; `explained` (the fusion method and the filters
    applied), when given, adds each one's explanation."""
    out = []
    for i, ((candidate, product), terms) in enumerate(zip(found, matched, strict=True)):
        explanation = None
        if explained is not None:
            explanation = explain(candidate, terms, *explained)
        out.append(
            Hit(
                product=product.without_raw(),
                rank=offset + i + 1,
                score=candidate.score,
                explanation=explanation,
                match=matches.get(candidate.product_id),
            )
        )
    return out


def explain(
    candidate: FusedCandidate, matched: dict[str, list[str]], method: FusionMethod, applied: list[str]
) -> Explanation:
    return Explanation(
        lexical_score=candidate.lexical_score,
        lexical_rank=candidate.lexical_rank,
        matched_terms={k: v for k, v in matched.items() if v},
        vector_similarity=candidate.vector_similarity,
        vector_rank=candidate.vector_rank,
        query_coverage=candidate.coverage,
        fusion=method,
        fused_score=candidate.score if candidate.fused_score is None else candidate.fused_score,
        rerank_grade=candidate.rerank_grade,
        filters_applied=applied,
        aspect_boost=candidate.aspect_boost,
    )


def unreadable(
    request: SearchRequest, query: str, quality: MatchQuality, version: str, started: float
) -> SearchResult:
    """The answer to a query search cannot read: no guesses, and why."""
    return SearchResult(
        query=request.query, normalized_query=query, total=0, page=request.page,
        page_size=request.page_size, hits=[], facets={name: [] for name in request.facets},
        took_ms=round((time.perf_counter() - started) * 1000, 3), index_version=version,
        match=quality,
    )  # fmt: skip

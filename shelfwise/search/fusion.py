"""Fusion of ranked candidate lists: reciprocal rank fusion and weighted score fusion (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shelfwise.config import FusionConfig


@dataclass(frozen=True)
class FusedCandidate:
    product_id: str
    score: float
    lexical_score: float | None
    lexical_rank: int | None
    vector_similarity: float | None
    vector_rank: int | None
    coverage: float | None = None
    rerank_grade: float | None = None
    """the cross-encoder's predicted grade, when the candidate was reranked"""
    fused_score: float | None = None
    """the fusion score before reranking (`score` is then the reranked one)"""
    aspect_boost: float | None = None
    """added to the score: its reviews praise an aspect the query names"""


@dataclass(frozen=True)
class RetrievalStages:
    """What each retriever returned for one query, best first, before fusion."""

    lexical: list[tuple[str, float]]
    vector: list[tuple[str, float]]
    similarities: dict[str, float] = field(default_factory=dict)
    """cosine of lexical candidates that the vector retriever did not return"""
    coverage: dict[str, float] = field(default_factory=dict)
    """share of the query's terms in each candidate's title (empty when not computed)"""
    missing: frozenset[int] = frozenset()
    """the index shards that did not answer (a sharded index's partial recall)"""


def fuse(stages: RetrievalStages, config: FusionConfig, method: str | None = None) -> list[FusedCandidate]:
    """Fuse the stages with the configured method (or `method` when given)."""
    if (method or config.method) == "rrf":
        return reciprocal_rank_fusion(
            stages.lexical,
            stages.vector,
            config.rrf_k,
            config.lexical_weight,
            config.vector_weight,
            stages.similarities,
        )
    return weighted_score_fusion(
        stages.lexical,
        stages.vector,
        config.lexical_weight,
        config.vector_weight,
        stages.similarities,
        config.similarity_floor,
        stages.coverage,
        config.coverage_weight,
    )


def order_key(candidate: FusedCandidate) -> tuple[float, float, float, str]:
    """Best fused score first; ties (e.g. cosines under the floor) by cosine, BM25, then id."""
    sim = candidate.vector_similarity
    return (
        -candidate.score,
        -(sim if sim is not None else -2.0),
        -(candidate.lexical_score or 0.0),
        candidate.product_id,
    )


def _ranks(ranked: Sequence[tuple[str, float]]) -> dict[str, tuple[int, float]]:
    out: dict[str, tuple[int, float]] = {}
    for rank, (pid, score) in enumerate(ranked, start=1):
        out.setdefault(pid, (rank, score))
    return out


def reciprocal_rank_fusion(
    lexical: Sequence[tuple[str, float]],
    vector: Sequence[tuple[str, float]],
    k: int = 60,
    lexical_weight: float = 1.0,
    vector_weight: float = 1.0,
    similarities: Mapping[str, float] | None = None,
) -> list[FusedCandidate]:
    """score = sum over lists of weight / (k + rank); ties broken by product id."""
    lex, vec = _ranks(lexical), _ranks(vector)
    sims = similarities or {}
    fused = []
    for pid in lex.keys() | vec.keys():
        score = 0.0
        if pid in lex:
            score += lexical_weight / (k + lex[pid][0])
        if pid in vec:
            score += vector_weight / (k + vec[pid][0])
        fused.append(
            FusedCandidate(
                product_id=pid,
                score=score,
                lexical_score=lex[pid][1] if pid in lex else None,
                lexical_rank=lex[pid][0] if pid in lex else None,
                vector_similarity=vec[pid][1] if pid in vec else sims.get(pid),
                vector_rank=vec[pid][0] if pid in vec else None,
            )
        )
    fused.sort(key=order_key)
    return fused


def weighted_score_fusion(
    lexical: Sequence[tuple[str, float]],
    vector: Sequence[tuple[str, float]],
    lexical_weight: float = 0.5,
    vector_weight: float = 0.5,
    similarities: Mapping[str, float] | None = None,
    similarity_floor: float = 0.0,
    coverage: Mapping[str, float] | None = None,
    coverage_weight: float = 0.0,
) -> list[FusedCandidate]:
    """score = wl * bm25 / max(bm25) + wv * (cos - floor) / (max(cos) - floor) + wc * coverage.

    BM25 is scaled by the query's best score, so that the weights mean the same for every query.
    `similarities` gives the cosine of candidates that only the lexical list found (the caller
    can compute it exactly), so that every candidate is scored on both signals; a candidate with
    no BM25 match scores 0 there. Cosines below `similarity_floor` count as the floor. `coverage`
    (share of the query's terms in the title) adds an absolute match signal with weight wc.
    """
    lex, vec = _ranks(lexical), _ranks(vector)
    covered = coverage or {}
    sims = dict(similarities or {})
    for pid, (_, sim) in vec.items():
        sims[pid] = sim
    max_lex = max((s for _, s in lex.values()), default=0.0)
    max_sim = max(sims.values(), default=0.0)
    sim_span = max(max_sim - similarity_floor, 1e-9)
    fused = []
    for pid in lex.keys() | vec.keys():
        lex_part = lex[pid][1] / max_lex if pid in lex and max_lex > 0 else 0.0
        found = sims.get(pid)
        vec_part = 0.0 if found is None else max(found - similarity_floor, 0.0) / sim_span
        fused.append(
            FusedCandidate(
                product_id=pid,
                score=lexical_weight * lex_part
                + vector_weight * vec_part
                + coverage_weight * covered.get(pid, 0.0),
                lexical_score=lex[pid][1] if pid in lex else None,
                lexical_rank=lex[pid][0] if pid in lex else None,
                vector_similarity=found,
                vector_rank=vec[pid][0] if pid in vec else None,
                coverage=covered.get(pid),
            )
        )
    fused.sort(key=order_key)
    return fused

"""The search playground's trace: every stage of one query, from how it was read to the final
order a shopper would see (`Serving.search_as_shopper`: no experiment, nothing logged)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.records import Hit, QueryInterpretation, SearchRequest
from shelfwise.serving import Serving

STAGE_DEPTH = 20


class StageCandidate(BaseModel):
    model_config = ConfigDict(frozen=True)

    rank: int
    product_id: str
    title: str
    score: float


class TracedHit(BaseModel):
    """One shown hit with its place at each stage (None where a stage did not see it)."""

    model_config = ConfigDict(frozen=True)

    rank: int
    product_id: str
    title: str
    lexical_rank: int | None
    vector_rank: int | None
    fused_score: float
    fusion_rank: int = Field(description="its place among the shown hits by fused score alone")
    rerank_grade: float | None
    moved: int | None = Field(description="places the final stage moved it (+ up)")
    final_stage: str | None = Field(description="profile, model or None")
    reasons: list[str]


class SearchTrace(BaseModel):
    model_config = ConfigDict(frozen=True)

    request: SearchRequest
    interpretation: QueryInterpretation | None
    searched_text: str
    lexical: list[StageCandidate]
    vector: list[StageCandidate]
    hits: list[TracedHit]
    total: int
    took_ms: float
    index_version: str


def _traced(hits: list[Hit]) -> list[TracedHit]:
    by_fusion = sorted(hits, key=lambda h: -(h.explanation.fused_score if h.explanation else 0.0))
    fusion_rank = {h.product.product_id: i + 1 for i, h in enumerate(by_fusion)}
    traced = []
    for hit in hits:
        why = hit.explanation
        personal = why.personal if why else None
        traced.append(TracedHit(
            rank=hit.rank, product_id=hit.product.product_id, title=hit.product.title,
            lexical_rank=why.lexical_rank if why else None, vector_rank=why.vector_rank if why else None,
            fused_score=why.fused_score if why else 0.0, fusion_rank=fusion_rank[hit.product.product_id],
            rerank_grade=why.rerank_grade if why else None,
            moved=personal.moved if personal else None, final_stage=personal.stage if personal else None,
            reasons=list(personal.reasons) if personal else [],
        ))  # fmt: skip
    return traced


def _candidates(shelfwise: Serving, ranked: list[tuple[str, float]]) -> list[StageCandidate]:
    top = ranked[:STAGE_DEPTH]
    products = shelfwise.store.get_many([pid for pid, _ in top])
    return [
        StageCandidate(rank=i + 1, product_id=pid, score=round(score, 4),
                       title=products[pid].title if pid in products else "(no longer in the catalog)")
        for i, (pid, score) in enumerate(top)
    ]  # fmt: skip


def search_trace(shelfwise: Serving, request: SearchRequest) -> SearchTrace:
    """The final answer with each hit's evidence, and what each retriever found on its own."""
    result = shelfwise.search_as_shopper(request.model_copy(update={"explain": True}))
    reading = result.interpretation
    searched = reading.searched_text if reading is not None else result.normalized_query
    stages = shelfwise.engine.stages(searched, request.filters, request.mode) if searched else None
    return SearchTrace(
        request=request,
        interpretation=reading,
        searched_text=searched,
        lexical=_candidates(shelfwise, stages.lexical) if stages else [],
        vector=_candidates(shelfwise, stages.vector) if stages else [],
        hits=_traced(result.hits),
        total=result.total,
        took_ms=result.took_ms,
        index_version=result.index_version,
    )

"""Small steps of `SearchEngine.search`, kept apart from the engine's flow: the filters' mask
again after a growing recall, the query an answer names, the request's own fusion method, and
the scores below a reranked head."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from shelfwise.query.understand import QueryReading
from shelfwise.records import Filters, SearchRequest
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.live_index import LiveIndex


def remasked(live: LiveIndex, mask: np.ndarray, filters: Filters) -> np.ndarray:
    """`mask`, or the filters' mask again when the table grew during the recall (a view of the
    candidates, `sharded_engine.py`, adds their products as they are recalled)."""
    return mask if len(mask) == len(live.table.ids) else live.table.mask(filters)


def shown_query(query: str, reading: QueryReading | None) -> str:
    """The query as the answer's message names it: the spelling-corrected one when corrected."""
    if reading is not None and reading.did_you_mean:
        return reading.did_you_mean
    return query


def explicit_method(request: SearchRequest) -> str | None:
    """The request's own fusion method for `fuse` ("learned" without a model is weighted)."""
    return "weighted" if request.fusion == "learned" else request.fusion


def below_reranked(candidates: list[FusedCandidate], reranked: set[str]) -> list[FusedCandidate]:
    """Scores that follow the order: the candidates after the reranked head keep their fused
    order, scaled below the head's lowest score (grades and fused scores are on other scales)."""
    head = [c.score for c in candidates if c.product_id in reranked]
    rest = [c.score for c in candidates if c.product_id not in reranked]
    if not head or not rest or max(rest) < min(head):
        return candidates
    floor, top = min(head), max(rest)
    scale = 0.999 * floor / top if top > 0 and floor > 0 else None
    return [
        c
        if c.product_id in reranked
        else replace(
            c,
            score=c.score * scale if scale is not None else c.score - top + floor - 1.0,
            fused_score=c.score if c.fused_score is None else c.fused_score,
        )
        for c in candidates
    ]

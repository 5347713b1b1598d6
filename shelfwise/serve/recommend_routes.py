"""Recommendation routes: a shopper's home feed, an anonymous session, similar items and items
bought together. Each answer is read live from the event log, so an event posted a moment ago
already counts; each item says why it is there."""

from __future__ import annotations

import time
import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.live import Recommended
from shelfwise.records import Product
from shelfwise.serve.errors import ApiError
from shelfwise.serve.schemas import ErrorBody
from shelfwise.service import Shelfwise

recommendations = APIRouter(tags=["recommend"])

Count = Annotated[int, Query(ge=1, le=100, description="items wanted")]
_ERRORS = {
    503: {"model": ErrorBody, "description": "No recommender trained yet"},
    422: {"model": ErrorBody, "description": "Invalid parameters or body"},
}


class RecommendedItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: Product
    score: float
    reason: str = Field(description="why, in words: 'often bought with X', 'because you viewed Y', ...")
    reason_kind: str = Field(description="bought_with, after, similar_to, popular, trending, ...")
    anchor_product_id: str | None = Field(default=None, description="the product the reason names")


class RecommendResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    request_id: str = Field(description="send it back as the request_id of events this answer leads to")
    items: list[RecommendedItem]
    model_version: str
    took_ms: float


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    session_id: str | None = Field(default=None, description="the visit whose recorded events count")
    items: list[str] = Field(
        default_factory=list, max_length=200, description="recent product ids, oldest first"
    )
    k: int = Field(default=10, ge=1, le=100)


def _answer(request: Request, compute, started: float) -> RecommendResponse:  # noqa: ANN001
    shelfwise: Shelfwise = request.app.state.shelfwise
    try:
        found: list[Recommended] = compute(shelfwise)
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    items = [
        RecommendedItem(
            product=r.product, score=r.score, reason=r.reason,
            reason_kind=r.reason_kind, anchor_product_id=r.anchor_id,
        )
        for r in found
    ]  # fmt: skip
    live = shelfwise.recommender
    return RecommendResponse(
        request_id=f"rec-{uuid.uuid4().hex[:16]}",
        items=items,
        model_version="" if live is None else live.version,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@recommendations.get(
    "/recommend/user/{user_id}", summary="Home feed of a signed-in shopper", responses=_ERRORS
)
def recommend_user(
    request: Request, user_id: Annotated[str, Path(min_length=1, max_length=256)], k: Count = 10
) -> RecommendResponse:
    started = time.perf_counter()
    return _answer(request, lambda s: s.recommend(actor=f"user:{user_id}", k=k), started)


@recommendations.post(
    "/recommend/session", summary="Picks for an anonymous visit from its recent items", responses=_ERRORS
)
def recommend_session(request: Request, body: SessionRequest) -> RecommendResponse:
    started = time.perf_counter()
    actor = None if body.session_id is None else f"session:{body.session_id}"
    return _answer(request, lambda s: s.recommend(actor=actor, items=body.items, k=body.k), started)


@recommendations.get("/recommend/item/{product_id}", summary="Items similar to a product", responses=_ERRORS)
def recommend_item(
    request: Request, product_id: Annotated[str, Path(min_length=1, max_length=256)], k: Count = 10
) -> RecommendResponse:
    started = time.perf_counter()
    _known(request, product_id)
    return _answer(request, lambda s: s.similar_items(product_id, k), started)


@recommendations.get(
    "/recommend/bought-together/{product_id}", summary="Items often bought with a product", responses=_ERRORS
)
def recommend_bought_together(
    request: Request, product_id: Annotated[str, Path(min_length=1, max_length=256)], k: Count = 10
) -> RecommendResponse:
    started = time.perf_counter()
    _known(request, product_id)
    return _answer(request, lambda s: s.bought_together(product_id, k), started)


def _known(request: Request, product_id: str) -> None:
    shelfwise: Shelfwise = request.app.state.shelfwise
    if shelfwise.store.get(product_id) is None:
        raise ApiError(404, f"no product '{product_id}'")

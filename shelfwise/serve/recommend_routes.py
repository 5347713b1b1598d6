"""Recommendation routes: a shopper's home feed, an anonymous session, similar items and items
bought together. Each answer is read live from the event log, so an event posted a moment ago
already counts; each item says why it is there."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.keys import Principal
from shelfwise.records import JsonInt, Product
from shelfwise.serve.errors import ApiError
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.scoping import kept_in_scope
from shelfwise.serve.security import SearchPrincipal
from shelfwise.serving import Serving

recommendations = APIRouter(route_class=StrictJsonRoute, tags=["recommend"])

Count = Annotated[int, Query(ge=1, le=100, description="items wanted")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "No recommender trained yet"},
    422: {"model": ErrorBody, "description": "Invalid parameters or body"},
}
_ANCHORED = {**_ERRORS, 404: {"model": ErrorBody, "description": "No such product"}}


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
    variants: dict[str, str] = Field(default_factory=dict, description="experiment -> variant served")
    items: list[RecommendedItem]
    model_version: str
    took_ms: float


class SessionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    session_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="the visit whose recorded events count"
    )
    items: list[str] = Field(
        default_factory=list, max_length=200, description="recent product ids, oldest first"
    )
    k: JsonInt = Field(default=10, ge=1, le=100)


Visitor = Annotated[str | None, Query(min_length=1, max_length=256, description="the shopper's visit")]


def _answer(
    request: Request,
    surface: str,
    started: float,
    *,
    user_id: str | None = None,
    session_id: str | None = None,
    items: Sequence[str] = (),
    product_id: str | None = None,
    k: int = 10,
    principal: Principal | None = None,
) -> RecommendResponse:
    """A scoped key's answer keeps the items in its scope (from 4k asked for, at most 100)."""
    shelfwise: Serving = request.app.state.shelfwise
    request_id = str(request.state.request_id)
    scoped = principal is not None and principal.scope is not None
    try:
        found, variants = shelfwise.serve_recommendations(
            surface,
            request_id,
            user_id=user_id,
            session_id=session_id,
            items=items,
            product_id=product_id,
            k=min(100, 4 * k) if scoped else k,
        )
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    answer = [
        RecommendedItem(
            product=r.product.without_raw(), score=r.score, reason=r.reason,
            reason_kind=r.reason_kind, anchor_product_id=r.anchor_id,
        )
        for r in found
    ]  # fmt: skip
    answer = kept_in_scope(principal, answer)[:k]
    live = shelfwise.recommender
    return RecommendResponse(
        request_id=request_id,
        variants=variants,
        items=answer,
        model_version="" if live is None else live.version,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )


@recommendations.get(
    "/recommend/user/{user_id}", summary="Home feed of a signed-in shopper", responses=_ERRORS
)
def recommend_user(
    request: Request,
    user_id: Annotated[str, Path(min_length=1, max_length=256)],
    principal: SearchPrincipal,
    k: Count = 10,
    session_id: Visitor = None,
) -> RecommendResponse:
    started = time.perf_counter()
    return _answer(
        request, "recommend", started, user_id=user_id, session_id=session_id, k=k, principal=principal
    )


@recommendations.post(
    "/recommend/session", summary="Picks for an anonymous visit from its recent items", responses=_ERRORS
)
def recommend_session(
    request: Request, body: SessionRequest, principal: SearchPrincipal
) -> RecommendResponse:
    started = time.perf_counter()
    return _answer(
        request, "recommend", started, session_id=body.session_id, items=body.items, k=body.k,
        principal=principal,
    )  # fmt: skip


@recommendations.get(
    "/recommend/item/{product_id}", summary="Items similar to a product", responses=_ANCHORED
)
def recommend_item(
    request: Request,
    product_id: Annotated[str, Path(min_length=1, max_length=256)],
    principal: SearchPrincipal,
    k: Count = 10,
    user_id: Visitor = None,
    session_id: Visitor = None,
) -> RecommendResponse:
    started = time.perf_counter()
    _known(request, product_id)
    return _answer(
        request, "similar", started, user_id=user_id, session_id=session_id, product_id=product_id, k=k,
        principal=principal,
    )  # fmt: skip


@recommendations.get(
    "/recommend/bought-together/{product_id}",
    summary="Items often bought with a product",
    responses=_ANCHORED,
)
def recommend_bought_together(
    request: Request,
    product_id: Annotated[str, Path(min_length=1, max_length=256)],
    principal: SearchPrincipal,
    k: Count = 10,
    user_id: Visitor = None,
    session_id: Visitor = None,
) -> RecommendResponse:
    started = time.perf_counter()
    _known(request, product_id)
    return _answer(
        request,
        "bought_together",
        started,
        user_id=user_id,
        session_id=session_id,
        product_id=product_id,
        k=k,
        principal=principal,
    )


def _known(request: Request, product_id: str) -> None:
    shelfwise: Serving = request.app.state.shelfwise
    if shelfwise.store.get(product_id) is None:
        raise ApiError(404, f"no product '{product_id}'")


@recommendations.get(
    "/recommend/goes-with",
    summary="Complements of a product or a cart, each with its path in words",
    responses={**_ANCHORED, 503: {"model": ErrorBody, "description": "No product graph built yet"}},
)
def recommend_goes_with(
    request: Request,
    principal: SearchPrincipal,
    item: Annotated[
        list[str],
        Query(min_length=1, max_length=50, description="the product (its page), or the cart's products"),
    ],
    cart: Annotated[bool, Query(description="the items are a cart (said as 'in your cart')")] = False,
    k: Count = 4,
    user_id: Visitor = None,
    session_id: Visitor = None,
) -> RecommendResponse:
    """Products bought together with the items that are neither substitutes of them nor in
    their own categories (the product graph's complements), in stock, each with the path that
    links it ("Shoppers who bought the tent in your cart also bought ..."); empty when the graph
    knows none. Logged as a `goes_with` impression, under that surface's experiments."""
    started = time.perf_counter()
    shelfwise: Serving = request.app.state.shelfwise
    if not cart:
        _known(request, item[0])
    scoped = principal is not None and principal.scope is not None
    try:
        found, variants, version = shelfwise.serve_goes_with(
            str(request.state.request_id), item, cart=cart, user_id=user_id, session_id=session_id,
            k=min(100, 4 * k) if scoped else k,
        )  # fmt: skip
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    answer = [
        RecommendedItem(product=r.product.without_raw(), score=r.score, reason=r.reason,
                        reason_kind=r.reason_kind, anchor_product_id=r.anchor_id)
        for r in found
    ]  # fmt: skip
    return RecommendResponse(
        request_id=str(request.state.request_id), variants=variants,
        items=kept_in_scope(principal, answer)[:k], model_version=version,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )  # fmt: skip

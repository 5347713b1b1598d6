"""Product graph routes: a product's neighbourhood, the explained path between two products, and
what goes with a product or a cart (complements). Read-only, behind the search action like the
recommendations; a scoped key sees only products in its scope (others are a 404 or left out).
Before any graph is built they answer 503 (`shelfwise graph build`)."""

from __future__ import annotations

import time
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.graph import EDGE_KINDS, EdgeKind, ExplainedPath, GraphService, Neighbour, UnknownProduct
from shelfwise.keys import Principal
from shelfwise.records import Product
from shelfwise.serve.errors import ApiError
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.scoping import in_scope
from shelfwise.serve.security import SearchPrincipal
from shelfwise.serving import Serving

graph_router = APIRouter(route_class=StrictJsonRoute, prefix="/graph", tags=["graph"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorBody, "description": "No such product (in the shop, or in the graph yet)"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
    503: {"model": ErrorBody, "description": "No product graph built yet"},
}
ProductId = Annotated[str, Path(min_length=1, max_length=256)]
Language = Literal["en", "zh"]


class NeighbourhoodResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    graph_version: str
    neighbours: dict[str, list[Neighbour]] = Field(description="by edge kind, strongest first")
    took_ms: float


class PathResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    target: str
    graph_version: str
    found: bool
    paths: list[ExplainedPath] = Field(description="best first; empty when none within max_hops")
    took_ms: float


class GoesWithEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: Product
    score: float
    anchor_product_id: str = Field(description="the product (of the cart) it goes with best")
    reason: str = Field(description="the path in words")
    path: ExplainedPath


class GoesWithResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[GoesWithEntry]
    graph_version: str
    took_ms: float


def _service(request: Request) -> GraphService:
    shelfwise: Serving = request.app.state.shelfwise
    return shelfwise.product_graph


def _visible(request: Request, principal: Principal | None, product_id: str) -> None:
    """404 for a product a scoped key may not see (as GET /products/{id})."""
    if principal is None or principal.scope is None:
        return
    product = _service(request).store.get(product_id)
    if product is None or not in_scope(principal, product):
        raise ApiError(404, f"no product '{product_id}'")


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


@graph_router.get("/products/{product_id:path}", summary="A product's neighbourhood", responses=_ERRORS)
def neighbourhood(
    request: Request,
    product_id: ProductId,
    principal: SearchPrincipal,
    kinds: Annotated[list[EdgeKind] | None, Query(description=f"edge kinds: {', '.join(EDGE_KINDS)}")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="neighbours per kind")] = 20,
) -> NeighbourhoodResponse:
    started = time.perf_counter()
    _visible(request, principal, product_id)
    try:
        found = _service(request).neighbourhood(product_id, kinds, limit)
    except UnknownProduct as error:
        raise ApiError(404, str(error.args[0])) from error
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    neighbours = found.neighbours
    if principal is not None and principal.scope is not None:
        neighbours = _scoped(request, principal, neighbours)
    return NeighbourhoodResponse(
        product_id=product_id, graph_version=found.graph_version, neighbours=neighbours, took_ms=_ms(started)
    )


def _scoped(
    request: Request, principal: Principal, neighbours: dict[str, list[Neighbour]]
) -> dict[str, list[Neighbour]]:
    ids = [n.node.key for group in neighbours.values() for n in group if n.node.kind == "product"]
    products = _service(request).store.get_many(ids)
    return {
        kind: [
            n
            for n in group
            if n.node.kind != "product"
            or (n.node.key in products and in_scope(principal, products[n.node.key]))
        ]
        for kind, group in neighbours.items()
    }


@graph_router.get("/path", summary="How two products are related, in words", responses=_ERRORS)
def path(
    request: Request,
    principal: SearchPrincipal,
    source: Annotated[str, Query(alias="from", min_length=1, max_length=256)],
    target: Annotated[str, Query(alias="to", min_length=1, max_length=256)],
    max_hops: Annotated[int, Query(ge=1, le=3, description="graph edges walked at most")] = 3,
    limit: Annotated[int, Query(ge=1, le=10, description="paths wanted")] = 1,
    language: Annotated[Language | None, Query(description="default: the shop's language")] = None,
) -> PathResponse:
    started = time.perf_counter()
    _visible(request, principal, source)
    _visible(request, principal, target)
    service = _service(request)
    try:
        found = service.paths(source, target, max_hops, limit, language)
        version = service.graph().version
    except UnknownProduct as error:
        raise ApiError(404, str(error.args[0])) from error
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    return PathResponse(
        source=source,
        target=target,
        graph_version=version,
        found=bool(found),
        paths=found,
        took_ms=_ms(started),
    )


@graph_router.get("/goes-with", summary="Complements of a product or a cart", responses=_ERRORS)
def goes_with(
    request: Request,
    principal: SearchPrincipal,
    item: Annotated[
        list[str], Query(min_length=1, max_length=100, description="product ids: a product, or a cart")
    ],
    k: Annotated[int, Query(ge=1, le=100)] = 10,
    anchor: Annotated[
        Literal["bought", "viewed", "cart"] | None, Query(description="how the shopper knows the items")
    ] = None,
) -> GoesWithResponse:
    """Only products bought together with the items (never their substitutes, never the items'
    own leaf categories), in stock; items the graph does not hold yet are skipped."""
    started = time.perf_counter()
    service = _service(request)
    scoped = principal is not None and principal.scope is not None
    try:
        found = service.goes_with(item, min(100, 4 * k) if scoped else k, anchor)
        version = service.graph().version
    except LookupError as error:
        raise ApiError(503, str(error)) from error
    entries = [
        GoesWithEntry(
            product=g.product.without_raw(),
            score=g.score,
            anchor_product_id=g.anchor_id,
            reason=g.explained.text,
            path=g.explained,
        )
        for g in found
        if in_scope(principal, g.product)
    ]
    return GoesWithResponse(items=entries[:k], graph_version=version, took_ms=_ms(started))

"""Answers for scoped keys: every search runs with the scope's filters ANDed to the request's,
facets drop what lies outside the scope, and suggestions, products and recommendations outside it
are left out. Callers without a scope get the plain answers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from shelfwise.keys import Principal, admits, intersect_filters, scoped_facets
from shelfwise.query.suggest.types import Suggestion
from shelfwise.records import Filters, Product, SearchRequest, SearchResult
from shelfwise.search.normalize import normalize_query
from shelfwise.search.table import PRICE_BUCKETS, price_bucket_label
from shelfwise.serving import Serving

_PRICE_LABELS = {price_bucket_label(lo, hi): (lo, hi) for lo, hi in PRICE_BUCKETS}


class _HasProduct(Protocol):
    @property
    def product(self) -> Product: ...


T = TypeVar("T", bound=_HasProduct)


def scoped_search(
    shelfwise: Serving, request: SearchRequest, request_id: str, principal: Principal | None
) -> SearchResult:
    scope = None if principal is None else principal.filters
    if scope is None or scope.is_empty():
        return shelfwise.serve_search(request, request_id)
    filters = intersect_filters(scope, request.filters)
    if filters is None:  # the request asks for something outside the scope: nothing, not that
        return SearchResult(
            query=request.query, normalized_query=normalize_query(request.query), total=0,
            page=request.page, page_size=request.page_size, hits=[],
            facets={name: [] for name in request.facets}, request_id=request_id,
        )  # fmt: skip
    result = shelfwise.serve_search(request.model_copy(update={"filters": filters}), request_id)
    return result.model_copy(update={"facets": scoped_facets(result.facets, scope, _PRICE_LABELS)})


def in_scope(principal: Principal | None, product: Product) -> bool:
    scope = None if principal is None else principal.filters
    return scope is None or admits(scope, product)


def scoped_suggestions(
    shelfwise: Serving, found: Sequence[Suggestion], principal: Principal | None
) -> list[Suggestion]:
    """Suggestions a scoped key may see: products in its scope, categories inside its category
    and brands among its brands (when the scope constrains nothing else). Popular queries and
    title phrases come from every shopper and the whole catalog, so they are left out."""
    scope = None if principal is None else principal.filters
    if scope is None or scope.is_empty():
        return list(found)
    products = shelfwise.store.get_many([s.product_id for s in found if s.product_id])
    return [s for s in found if _suggestion_in_scope(s, scope, products)]


def _suggestion_in_scope(suggestion: Suggestion, scope: Filters, products: dict[str, Product]) -> bool:
    if suggestion.product_id is not None:
        product = products.get(suggestion.product_id)
        return product is not None and admits(scope, product)
    only_category = scope.model_copy(update={"category": None}).is_empty()
    only_brands = scope.model_copy(update={"brands": ()}).is_empty()
    if suggestion.kind == "category" and only_category and suggestion.category:
        narrowed = intersect_filters(scope, Filters(category=suggestion.category))
        return narrowed is not None and narrowed.category == " > ".join(
            p.strip() for p in suggestion.category.split(">") if p.strip()
        )
    if suggestion.kind == "brand" and only_brands and suggestion.brand:
        return suggestion.brand in scope.brands
    return False


def kept_in_scope(principal: Principal | None, items: Sequence[T]) -> list[T]:
    """Items (recommended items: anything with a `.product`) whose product is in the scope."""
    return [item for item in items if in_scope(principal, item.product)]

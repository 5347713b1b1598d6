"""Request and response bodies of the HTTP API, kept apart from the engine's records.

Records (`Product`, `SearchRequest`, `SearchResult`, `Health`, `IngestReport`) are returned as
they are; what a client sends is described here, and turned into records by the functions below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.records import Product, SearchRequest
from shelfwise.serve.errors import as_request_error, format_error

# ----- errors -------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: str = Field(description="short, human-readable message")
    detail: Any = Field(default=None, description="more detail, e.g. one message per bad field")
    request_id: str | None = Field(default=None, description="set on 500s; also in X-Request-ID")


# ----- products -----------------------------------------------------------------------------


class ProductBody(BaseModel):
    """A product as sent to PUT /products/{product_id}; the id comes from the path."""

    model_config = ConfigDict(extra="forbid")

    product_id: str | None = Field(
        default=None, description="optional; when given it must equal the id in the path"
    )
    title: str = Field(min_length=1, max_length=1000)
    description: str = ""
    brand: str = ""
    category: list[str] = Field(default_factory=list, description="path, e.g. ['Home', 'Kitchen']")
    price: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    attributes: dict[str, str] = Field(default_factory=dict)
    attribute_sources: dict[str, str] = Field(
        default_factory=dict, description="attribute name -> where its value came from (absent: feed)"
    )
    in_stock: bool = True
    stock: int | None = Field(default=None, ge=0)
    rating: float | None = Field(default=None, ge=0, le=5)
    image_url: str = ""
    raw: dict[str, str] = Field(
        default_factory=dict, description="field -> the shop's own markup of it (e.g. an HTML description)"
    )

    def to_product(self, product_id: str) -> Product:
        """The stored record, with the path's id; raises a 422-bound RequestValidationError."""
        if self.product_id is not None and self.product_id.strip() != product_id.strip():
            raise RequestValidationError(
                [
                    {
                        "type": "id_mismatch",
                        "loc": ("body", "product_id"),
                        "msg": f"'{self.product_id}' does not match the id in the path "
                        f"'{product_id}'",
                    }
                ]
            )
        fields = self.model_dump(exclude={"product_id"})
        try:
            return Product.model_validate({**fields, "product_id": product_id})
        except ValidationError as exc:
            raise as_request_error(exc, ("body",)) from exc


UpsertOutcomeName = Literal["inserted", "updated", "unchanged"]


class UpsertResponse(BaseModel):
    product_id: str
    outcome: UpsertOutcomeName


class DeleteResponse(BaseModel):
    deleted: list[str]


# ----- bulk ---------------------------------------------------------------------------------


class BulkUpsertRequest(BaseModel):
    """Products are checked one by one: bad items are reported, good ones still go in."""

    model_config = ConfigDict(extra="forbid")

    products: list[Any] = Field(
        min_length=1,
        description="objects with the fields of Product (see GET /products/{product_id})",
        json_schema_extra={"items": {"type": "object"}},
    )


class BulkItemError(BaseModel):
    index: int = Field(description="position of the item in `products`")
    product_id: str | None = None
    field: str | None = Field(default=None, description="None when the item itself is wrong")
    message: str = Field(description="e.g. 'products[3].price: Input should be ...'")


class BulkUpsertResponse(BaseModel):
    accepted: int = Field(description="items that passed validation and were written")
    rejected: int = Field(description="items refused, each listed in `errors`")
    inserted: int
    updated: int
    unchanged: int
    duplicates: int = Field(description="valid items replaced by a later item with the same id")
    errors: list[BulkItemError] = Field(description="one entry per problem in a rejected item")
    warnings: list[str] = Field(default_factory=list)


class BulkDeleteRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    product_ids: list[str] = Field(min_length=1)


class BulkDeleteResponse(BaseModel):
    deleted: list[str]
    missing: list[str]


def validate_items(items: Sequence[Any]) -> tuple[list[Product], list[BulkItemError]]:
    """Each item as a Product, or the reasons it is not one."""
    products: list[Product] = []
    errors: list[BulkItemError] = []
    for index, item in enumerate(items):
        try:
            products.append(Product.model_validate(item))
        except ValidationError as exc:
            product_id = item.get("product_id") if isinstance(item, dict) else None
            for error in exc.errors():
                loc = error["loc"]
                errors.append(
                    BulkItemError(
                        index=index,
                        product_id=product_id if isinstance(product_id, str) else None,
                        field=".".join(str(p) for p in loc) or None,
                        message=format_error(error, ("products", index)),
                    )
                )
    return products, errors


# ----- search -------------------------------------------------------------------------------


class SearchQuery(BaseModel):
    """GET /search parameters; ranges are checked by SearchRequest, errors name the parameter."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(default="", description="query text; empty lists the filtered catalog")
    category: str | None = Field(default=None, description="category path prefix, 'Home > Kitchen'")
    brand: list[str] = Field(default_factory=list, description="repeatable; any of these brands")
    min_price: float | None = None
    max_price: float | None = None
    in_stock: bool | None = None
    attr: list[str] = Field(
        default_factory=list, description="repeatable name:value, e.g. attr=color:red"
    )
    page: int | None = Field(default=None, description="1-based, at most 1000")
    page_size: int | None = Field(default=None, description="1..100")
    facets: str | None = Field(
        default=None,
        description="comma-separated: category, brand, price, in_stock or attr:<name>",
    )
    mode: str | None = Field(default=None, description="hybrid, lexical or vector")
    sort: str | None = Field(default=None, description="relevance (default), price_asc, price_desc or rating")
    fusion: str | None = Field(default=None, description="rrf or weighted")
    explain: bool | None = None
    understand: bool | None = Field(default=None, description="query understanding (default on)")
    rerank: bool | None = Field(default=None, description="cross-encoder reranking (default: if active)")
    user_id: str | None = Field(default=None, description="signed-in shopper: personalization, experiments")
    session_id: str | None = Field(default=None, description="the visit: attribution, session experiments")


class SuggestionBody(BaseModel):
    text: str
    kind: str = Field(description="query, phrase, product, brand or category")
    score: float
    product_id: str | None = None
    category: str | None = None
    brand: str | None = None
    highlight: list[tuple[int, int]] = Field(description="[start, end) spans of the text that matched")


class SuggestResponse(BaseModel):
    q: str
    suggestions: list[SuggestionBody]
    took_ms: float


# Where each SearchRequest field comes from in the query string.
_PARAM_OF = {
    "query": "q",
    "filters.category": "category",
    "filters.brands": "brand",
    "filters.price.min": "min_price",
    "filters.price.max": "max_price",
    "filters.in_stock": "in_stock",
    "filters.attributes": "attr",
}


def search_request_from_query(params: SearchQuery) -> SearchRequest:
    """Build the SearchRequest; any problem is a 422 naming the query parameter."""
    attributes = parse_attrs(params.attr)
    price = None
    if params.min_price is not None or params.max_price is not None:
        price = {"min": params.min_price, "max": params.max_price}
    raw: dict[str, Any] = {
        "query": params.q,
        "filters": {
            "category": params.category or None,
            "brands": params.brand,
            "price": price,
            "attributes": attributes,
            "in_stock": params.in_stock,
        },
    }
    if params.facets is not None:
        raw["facets"] = [name.strip() for name in params.facets.split(",") if name.strip()]
    for name in (
        "page", "page_size", "mode", "sort", "fusion", "explain", "understand", "rerank",
        "user_id", "session_id",
    ):  # fmt: skip
        value = getattr(params, name)
        if value is not None:
            raw[name] = value
    try:
        return SearchRequest.model_validate(raw)
    except ValidationError as exc:
        raise RequestValidationError([_query_error(e) for e in exc.errors()]) from exc


def _query_error(error: Any) -> dict[str, Any]:
    fields = [str(p) for p in error["loc"] if not isinstance(p, int)]
    dotted = ".".join(fields)
    param = next(
        (p for f, p in _PARAM_OF.items() if dotted == f or dotted.startswith(f + ".")),
        fields[0] if fields else "q",
    )
    return {"type": error["type"], "loc": ("query", param), "msg": error["msg"]}


def parse_attrs(values: Sequence[str]) -> dict[str, tuple[str, ...]]:
    """["color:red", "color:blue", "size:M"] -> {"color": ("red", "blue"), "size": ("M",)}."""
    out: dict[str, list[str]] = {}
    bad: list[dict[str, Any]] = []
    for index, value in enumerate(values):
        name, sep, wanted = value.partition(":")
        if not sep or not name.strip() or not wanted.strip():
            bad.append(
                {
                    "type": "attr_format",
                    "loc": ("query", "attr", index),
                    "msg": f"'{value}' is not name:value (e.g. attr=color:red)",
                }
            )
            continue
        out.setdefault(name.strip(), []).append(wanted.strip())
    if bad:
        raise RequestValidationError(bad)
    return {name: tuple(vals) for name, vals in out.items()}


__all__ = [
    "BulkDeleteRequest",
    "BulkDeleteResponse",
    "BulkItemError",
    "BulkUpsertRequest",
    "BulkUpsertResponse",
    "DeleteResponse",
    "ErrorBody",
    "ProductBody",
    "SearchQuery",
    "UpsertResponse",
    "parse_attrs",
    "search_request_from_query",
    "validate_items",
]

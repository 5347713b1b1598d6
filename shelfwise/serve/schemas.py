"""Request and response bodies of the HTTP API, kept apart from the engine's records.

Records (`Product`, `SearchRequest`, `SearchResult`, `Health`, `IngestReport`) are returned as
they are; what a client sends is described here, and turned into records by the functions below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic.json_schema import SkipJsonSchema

from shelfwise.records import FusionMethod, NonNegativeJsonInt, Product, SearchMode, SearchRequest, SearchSort
from shelfwise.serve.errors import as_request_error, format_error
from shelfwise.serve.patterns import BLANKS, SPACE
from shelfwise.serve.patterns import NOT_BLANK as NOT_BLANK_CHAR

# ----- errors -------------------------------------------------------------------------------


class ErrorBody(BaseModel):
    """The shape of every error response."""

    error: str = Field(description="short, human-readable message")
    detail: Any = Field(default=None, description="more detail, e.g. one message per bad field")
    request_id: str | None = Field(default=None, description="set on 500s; also in X-Request-ID")


# ----- products -----------------------------------------------------------------------------


# Patterns the document states; the server's own checks enforce them with readable messages.
NOT_BLANK: dict[str, Any] = {"pattern": NOT_BLANK_CHAR}
CURRENCY: dict[str, Any] = {"pattern": rf"^{BLANKS}([A-Za-z]{{3}}{BLANKS})?$"}


class ProductFields(BaseModel):
    """A product's fields as a client sends them (JSON types only: no "12" for 12, no 1 for true),
    so that what the OpenAPI document allows is what the server accepts."""

    model_config = ConfigDict(extra="forbid", strict=True)

    title: str = Field(min_length=1, max_length=1000, json_schema_extra=NOT_BLANK)
    description: str = ""
    brand: str = ""
    category: list[str] = Field(default_factory=list, description="path, e.g. ['Home', 'Kitchen']")
    price: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    currency: str = Field(default="USD", json_schema_extra=CURRENCY, description="3 letters; blank: USD")
    attributes: dict[str, str] = Field(default_factory=dict)
    attribute_sources: dict[str, str] = Field(
        default_factory=dict, description="attribute name -> where its value came from (absent: feed)"
    )
    in_stock: bool = True
    stock: NonNegativeJsonInt | None = None
    rating: float | None = Field(default=None, ge=0, le=5, allow_inf_nan=False)
    image_url: str = ""
    raw: dict[str, str] = Field(
        default_factory=dict, description="field -> the shop's own markup of it (e.g. an HTML description)"
    )


class BulkProduct(ProductFields):
    """One item of POST /products/bulk: the product with its id."""

    product_id: str = Field(min_length=1, max_length=256, json_schema_extra=NOT_BLANK)


class ProductBody(ProductFields):
    """A product as sent to PUT /products/{product_id}; the id comes from the path."""

    product_id: SkipJsonSchema[str | None] = Field(
        default=None, description="tolerated when equal to the id in the path (clients echo it)"
    )

    def to_product(self, product_id: str) -> Product:
        """The stored record, with the path's id; raises a 422-bound RequestValidationError."""
        if self.product_id is not None and self.product_id.strip() != product_id.strip():
            raise RequestValidationError(
                [
                    {
                        "type": "id_mismatch",
                        "loc": ("body", "product_id"),
                        "msg": f"'{self.product_id}' does not match the id in the path '{product_id}'",
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
        description="products, each checked on its own (a bad one is reported, the others go in)",
        json_schema_extra={"items": BulkProduct.model_json_schema()},
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
            fields = BulkProduct.model_validate(item).model_dump()
            products.append(Product.model_validate(fields))
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


ATTR: dict[str, Any] = {"pattern": rf"^[^:]*[^{SPACE}:][^:]*:[\s\S]*{NOT_BLANK_CHAR}"}
_FACET = rf"(category|brand|price|in_stock|attr:[^,]*[^,{SPACE}][^,]*)"
FACETS: dict[str, Any] = {"pattern": rf"^{BLANKS}({_FACET}?{BLANKS})(,{BLANKS}({_FACET}{BLANKS})?)*$"}


class SearchQuery(BaseModel):
    """GET /search parameters, as tight as SearchRequest's checks (errors name the parameter)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False)

    q: str = Field(default="", max_length=500, description="query text; empty lists the filtered catalog")
    category: str | None = Field(default=None, description="category path prefix, 'Home > Kitchen'")
    brand: list[str] = Field(default_factory=list, description="repeatable; any of these brands")
    min_price: float | None = Field(default=None, ge=0)
    max_price: float | None = Field(default=None, ge=0)
    in_stock: bool | None = None
    attr: list[Annotated[str, Field(json_schema_extra=ATTR)]] = Field(
        default_factory=list, description="repeatable name:value, e.g. attr=color:red"
    )
    page: int | None = Field(default=None, ge=1, le=1000, description="1-based")
    page_size: int | None = Field(default=None, ge=1, le=100)
    facets: str | None = Field(
        default=None,
        json_schema_extra=FACETS,
        description="comma-separated: category, brand, price, in_stock or attr:<name>",
    )
    mode: SearchMode | None = Field(default=None, description="hybrid (default), lexical or vector")
    sort: SearchSort | None = Field(
        default=None, description="relevance (default), price_asc, price_desc or rating"
    )
    fusion: FusionMethod | None = Field(default=None, description="override the configured fusion")
    explain: bool | None = None
    understand: bool | None = Field(default=None, description="query understanding (default on)")
    rerank: bool | None = Field(default=None, description="cross-encoder reranking (default: if active)")
    user_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="signed-in shopper (personalization)"
    )
    session_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="the visit: attribution, session experiments"
    )


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

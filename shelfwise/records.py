"""Typed records that cross module boundaries: products, search requests, hits and explanations."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict, field_validator, model_validator

CATEGORY_SEPARATOR = " > "


def _json_integer(value: object) -> object:
    """JSON's integers (3, and 3.0, which JSON Schema calls an integer too), not "3" nor true."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Input should be a valid integer")
    return value


JsonInt = Annotated[int, Strict(False), BeforeValidator(_json_integer)]
NonNegativeJsonInt = Annotated[int, Strict(False), Field(ge=0), BeforeValidator(_json_integer)]


def _not_text(value: object) -> object:
    """JSON's numbers and booleans are not strings ("12", "true" are refused), nor a bool a number."""
    if isinstance(value, str | bytes):
        raise ValueError("Input should be a JSON number or boolean, not a string")
    return value


def _json_boolean(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError("Input should be a valid boolean")
    return _not_text(value)


def _json_float(value: object) -> object:
    if isinstance(value, bool):
        raise ValueError("Input should be a valid number")
    return _not_text(value)


JsonBool = Annotated[bool, BeforeValidator(_json_boolean)]
NonNegativeJsonFloat = Annotated[float, Field(ge=0), BeforeValidator(_json_float)]
"""Int fields of a JSON request: no "3" or true, as their OpenAPI type says (even in a strict model).
Constraints go before the validator, or an optional field's schema loses them."""


class Product(BaseModel):
    """One catalog item, as stored after ingestion and validation."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str = Field(min_length=1, max_length=256)
    title: str = Field(min_length=1, max_length=1000)
    description: str = ""
    brand: str = ""
    category: tuple[str, ...] = ()
    price: float | None = Field(default=None, ge=0)
    currency: str = "USD"
    attributes: dict[str, str] = Field(default_factory=dict)
    attribute_sources: dict[str, str] = Field(
        default_factory=dict,
        description="attribute name (or 'brand') -> where its value came from: 'feed', 'rules', 'spacy'; "
        "an absent name means feed; 'description': 'generated' marks an approved generated description",
    )
    in_stock: bool = True
    stock: int | None = Field(default=None, ge=0)
    rating: float | None = Field(default=None, ge=0, le=5)
    image_url: str = ""
    raw: dict[str, str] = Field(
        default_factory=dict,
        description="field -> its feed value before ingestion removed HTML, kept only where the "
        "value held markup a shop may render (the description); not searched, left out of hits",
    )

    @field_validator("product_id", "title")
    @classmethod
    def _strip_required(cls, value: str) -> str:
        stripped = value.strip()
        if not stripped:
            raise ValueError("must not be blank")
        return stripped

    @field_validator("currency")
    @classmethod
    def _currency_code(cls, value: str) -> str:
        code = value.strip().upper() or "USD"
        if len(code) != 3 or not (code.isascii() and code.isalpha()):
            raise ValueError(f"'{value}' is not a 3-letter currency code")
        return code

    def without_raw(self) -> Product:
        """The product as lists of hits and recommendations show it: without `raw`."""
        return self.model_copy(update={"raw": {}}) if self.raw else self

    @property
    def category_path(self) -> str:
        return CATEGORY_SEPARATOR.join(self.category)

    def text(self) -> str:
        """The text that language models read for this product."""
        parts = [self.title]
        if self.brand and self.brand.lower() not in self.title.lower():
            parts.append(self.brand)
        if self.category:
            parts.append(self.category[-1])
        if self.description:
            parts.append(self.description)
        return ". ".join(parts)

    def content_hash(self) -> str:
        """Stable hash of every stored field: equal hashes mean an upsert changes nothing."""
        fields = self.model_dump(mode="json")
        if not fields["attribute_sources"]:
            del fields["attribute_sources"]  # hashes of products without extracted values stay as they were
        if not fields["raw"]:
            del fields["raw"]  # nor do those of products whose feed text held no markup
        payload = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PriceRange(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)

    min: NonNegativeJsonFloat | None = None
    max: NonNegativeJsonFloat | None = None


class Filters(BaseModel):
    """Hard constraints on search results; every set field must hold for a hit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    category: str | None = Field(default=None, description="category path prefix, e.g. 'Home > Kitchen'")
    brands: tuple[str, ...] = ()
    price: PriceRange | None = None
    attributes: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    in_stock: JsonBool | None = None

    def is_empty(self) -> bool:
        return (
            self.category is None
            and not self.brands
            and self.price is None
            and not self.attributes
            and self.in_stock is None
        )

    def describe(self) -> list[str]:
        """Human-readable list of the constraints, for explanations."""
        out: list[str] = []
        if self.category:
            out.append(f"category starts with '{self.category}'")
        if self.brands:
            out.append("brand in " + ", ".join(self.brands))
        if self.price is not None:
            lo = "" if self.price.min is None else f"{self.price.min:g}"
            hi = "" if self.price.max is None else f"{self.price.max:g}"
            out.append(f"price {lo}..{hi}")
        for name, values in sorted(self.attributes.items()):
            out.append(f"{name} in " + ", ".join(values))
        if self.in_stock is not None:
            out.append("in stock" if self.in_stock else "out of stock")
        return out


FusionMethod = Literal["rrf", "weighted", "learned"]
SearchMode = Literal["hybrid", "lexical", "vector"]
SearchSort = Literal["relevance", "price_asc", "price_desc", "rating"]
FACET_FIELDS = ("category", "brand", "price", "in_stock")
FACET_PATTERN = r"^(category|brand|price|in_stock|attr:[\s\S]+)$"  # what _known_facets accepts


class SearchRequest(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    query: str = Field(default="", max_length=500)
    filters: Filters = Field(default_factory=Filters)
    page: JsonInt = Field(default=1, ge=1, le=1000)
    page_size: JsonInt = Field(default=10, ge=1, le=100)
    facets: tuple[str, ...] = Field(
        default=("category", "brand", "price"),
        description="facet names: category, brand, price, in_stock or attr:<name>",
        json_schema_extra={"items": {"type": "string", "pattern": FACET_PATTERN}},
    )
    mode: SearchMode = "hybrid"
    sort: SearchSort = Field(
        default="relevance",
        description="relevance, or every matching product by price (price_asc, price_desc) or rating, "
        "highest first; products without one come last and ties keep their relevance order",
    )
    fusion: FusionMethod | None = Field(default=None, description="override the configured fusion")
    understand: JsonBool = Field(
        default=True,
        description="apply query understanding (spelling, parsed filters, synonyms)",
    )
    rerank: JsonBool | None = Field(
        default=None,
        description="rerank the top candidates with the cross-encoder; None: when one is active",
    )
    explain: JsonBool = True
    user_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="the signed-in shopper, if any"
    )
    session_id: str | None = Field(
        default=None, min_length=1, max_length=256, description="the shopper's visit, if known"
    )

    @field_validator("facets")
    @classmethod
    def _known_facets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in FACET_FIELDS and not (name.startswith("attr:") and len(name) > 5):
                raise ValueError(
                    f"unknown facet '{name}'; use one of {', '.join(FACET_FIELDS)} or attr:<name>"
                )
        return value


class PersonalEvidence(BaseModel):
    """How the final stage moved a hit: its relevance within the re-ordered places (0-1), and
    either the profile fit (-1..1, no trained model) or the ranking model's probabilities, the
    blended score, and the profile's reasons in words."""

    model_config = ConfigDict(frozen=True)

    stage: Literal["profile", "model"] = "profile"
    relevance: float
    fit: float | None = Field(default=None, description="profile boost: how well it fits the profile")
    p_click: float | None = Field(default=None, description="ranking model: probability of a click")
    p_conversion: float | None = Field(default=None, description="ranking model: of a purchase after a click")
    objective: str | None = Field(default=None, description="ranking model: what the blend optimises")
    final: float
    moved: int = Field(description="places gained (+) or lost (-) against the relevance order")
    reasons: list[str] = Field(default_factory=list, description="'you often buy Brand X', ...")


class Explanation(BaseModel):
    """Why a hit is where it is: each stage's evidence."""

    model_config = ConfigDict(frozen=True)

    lexical_score: float | None = None
    lexical_rank: int | None = None
    matched_terms: dict[str, list[str]] = Field(
        default_factory=dict, description="field -> query terms found in it"
    )
    vector_similarity: float | None = None
    vector_rank: int | None = None
    query_coverage: float | None = Field(
        default=None, description="share of the query's terms in the title (weighted fusion)"
    )
    fusion: FusionMethod = "rrf"
    fused_score: float = 0.0
    rerank_grade: float | None = Field(
        default=None, description="cross-encoder's predicted relevance grade (1-3), when reranked"
    )
    filters_applied: list[str] = Field(default_factory=list)
    personal: PersonalEvidence | None = Field(default=None, description="when re-ordered for the shopper")
    praise: str | None = Field(
        default=None,
        description="what the product's reviews praise most, from its review summary "
        "('shoppers praise its battery (23 reviews)'); the praise of an aspect the query names when "
        "there is one (`aspect_boost` then says how much it moved the hit)",
    )
    aspect_boost: float | None = Field(
        default=None, description="added to the score: its reviews praise an aspect the query names"
    )


HitMatch = Literal["lexical", "semantic", "nearest"]
MatchStatus = Literal["close", "nearest_only", "nothing", "unreadable"]


class ReviewStars(BaseModel):
    """A product's stars as a result card shows them."""

    model_config = ConfigDict(frozen=True)

    count: int = Field(ge=0)
    mean: float | None = Field(default=None, description="None without reviews")


class Hit(BaseModel):
    model_config = ConfigDict(frozen=True)

    product: Product
    rank: int
    score: float
    explanation: Explanation | None = None
    match: HitMatch | None = Field(
        default=None,
        description="lexical: a query term is in it; semantic: its cosine to the query reaches the "
        "encoder's floor; nearest: neither (None when browsing)",
    )
    reviews: ReviewStars | None = Field(
        default=None, description="its shoppers' reviews: mean rating and count (flagged ones left out)"
    )


class MatchQuality(BaseModel):
    """Whether anything matched the query closely, or whether search could read it at all."""

    model_config = ConfigDict(frozen=True)

    status: MatchStatus = Field(
        description="close: some hit matches; nearest_only: hits are shown but none matches (the "
        "nearest items); nothing: no hit; unreadable: the query is in a script the catalog does not "
        "use and the encoder reads one language, so nothing is guessed"
    )
    message: str | None = Field(default=None, description="what to tell the shopper, when not close")
    similarity_floor: float | None = Field(default=None, description="cosine a semantic match needs")
    best_similarity: float | None = Field(default=None, description="highest cosine among the hits")
    query_scripts: list[str] = Field(default_factory=list)
    catalog_scripts: list[str] = Field(default_factory=list, description="scripts the titles use")


class FacetValue(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    count: int


class InterpretedConstraint(BaseModel):
    """A constraint read from the query, and whether search applied it as a filter."""

    model_config = ConfigDict(frozen=True)

    field: str = Field(description="price, brand, attr:<name>, or category (named: boosted, not a filter)")
    values: list[str] = Field(default_factory=list)
    price_min: float | None = None
    price_max: float | None = None
    negated: bool = False
    confidence: float
    source: str = Field(description="the words of the query it was read from")
    applied: bool


class CategoryGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str
    share: float = Field(description="share of the evidence (top candidates, labelled queries)")


class QueryInterpretation(BaseModel):
    """How search read the query: each step of query understanding, for explanations and UIs."""

    model_config = ConfigDict(frozen=True)

    searched_text: str = Field(description="what retrieval matched")
    corrected_query: str | None = Field(
        default=None, description="the spelling-corrected query results are shown for ('did you mean')"
    )
    constraints: list[InterpretedConstraint] = Field(default_factory=list)
    filters_applied: list[str] = Field(default_factory=list, description="filters added from the query")
    relaxed: bool = Field(default=False, description="parsed filters were dropped: they left no result")
    negative_terms: list[str] = Field(default_factory=list, description="words the shopper excluded")
    synonyms: list[str] = Field(default_factory=list, description="'original -> alternative' pairs used")
    categories: list[CategoryGuess] = Field(default_factory=list, description="predicted category intent")
    translated_from: str | None = Field(
        default=None, description="the query as typed, when it was translated into the catalog's language"
    )
    translation: list[str] = Field(default_factory=list, description="'word -> translation' pairs used")
    aspects: list[str] = Field(
        default_factory=list,
        description="review aspects of the catalog's categories named in the query ('quiet', 'battery'): "
        "products whose reviews praise them are boosted",
    )


class SearchResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    query: str
    normalized_query: str
    total: int
    page: int
    page_size: int
    hits: list[Hit]
    facets: dict[str, list[FacetValue]] = Field(default_factory=dict)
    took_ms: float = 0.0
    index_version: str = ""
    interpretation: QueryInterpretation | None = None
    match: MatchQuality | None = Field(default=None, description="None when browsing (no query)")
    request_id: str | None = Field(
        default=None, description="served answers: send it back as the request_id of the events it leads to"
    )
    variants: dict[str, str] = Field(default_factory=dict, description="experiment -> variant served")
    missing_shards: list[int] = Field(
        default_factory=list,
        description="a sharded index's shards that did not answer: a partial answer (empty: complete)",
    )


# ----- shoppers' events ------------------------------------------------------------------------

EventType = Literal["view", "click", "add_to_cart", "purchase", "search", "rating"]
EVENT_TYPES: tuple[str, ...] = ("view", "click", "add_to_cart", "purchase", "search", "rating")


class Event(BaseModel):
    """One thing a shopper did. `event_id` makes sending it twice harmless (idempotent).

    A search event carries the query and the product ids it showed (impressions) and no
    `product_id`; every other type names one product. `user_id` is a signed-in shopper,
    `session_id` an anonymous visit; at least one of them is set.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_id: str = Field(min_length=1, max_length=256)
    type: EventType
    user_id: str | None = Field(default=None, min_length=1, max_length=256)
    session_id: str | None = Field(default=None, min_length=1, max_length=256)
    product_id: str | None = Field(default=None, min_length=1, max_length=256)
    timestamp: datetime = Field(description="when it happened; naive times are read as UTC")
    query: str | None = Field(default=None, max_length=500, description="search events: the query")
    shown: tuple[str, ...] = Field(
        default=(), max_length=1000, description="search events: product ids shown, in order"
    )
    rating: float | None = Field(default=None, ge=1, le=5, description="rating events: 1-5 stars")
    review: str = Field(default="", max_length=20_000)
    request_id: str | None = Field(
        default=None, max_length=256, description="the search or recommendation that led to it"
    )
    position: int | None = Field(default=None, ge=0, description="0-based rank where it was shown")
    price: float | None = Field(default=None, ge=0)

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @model_validator(mode="after")
    def _consistent(self) -> Event:
        if self.user_id is None and self.session_id is None:
            raise ValueError("needs a user_id or a session_id")
        if self.type == "search":
            if not (self.query or "").strip():
                raise ValueError("a search event needs a query")
        elif self.product_id is None:
            raise ValueError(f"a {self.type} event needs a product_id")
        if self.type == "rating" and self.rating is None:
            raise ValueError("a rating event needs a rating (1-5)")
        return self

    @property
    def actor(self) -> str:
        """Who did it, for per-shopper state: the user if known, else the session."""
        return f"user:{self.user_id}" if self.user_id is not None else f"session:{self.session_id}"

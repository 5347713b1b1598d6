"""What the review routes take and answer, as the OpenAPI document says it. The shared conversion
(`shelfwise.reviews.parse_review`, which also reads file lines) reads a review leniently;
`ReviewIn` then holds a JSON review to its documented types and ranges, as `EventIn` does for
events: a rating is a JSON number of whole stars (4, or 4.0), a time an RFC 3339 date-time with
its zone or unix seconds, and null is the same as leaving a field out."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, Strict

from shelfwise.reviews import FlagCode, Review
from shelfwise.serve.event_schema import Id, IsoTime, UnixSeconds

MAX_REVIEWS_PER_REQUEST = 1000
LANGUAGE = r"^[ \t]*([A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*|[Mm][Uu][Ll][Tt][Ii])[ \t]*$"


def _whole_stars(value: object) -> object:
    """JSON's numbers of whole stars (4, and 4.0, which JSON Schema calls an integer too)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("Input should be a valid integer")
    return value


Stars = Annotated[int, Strict(False), Field(ge=1, le=5), BeforeValidator(_whole_stars)]
OutcomeName = Literal["inserted", "updated", "unchanged", "rejected"]


class ReviewIn(BaseModel):
    """One review as JSON (see Review for what each field means; flags are the server's)."""

    model_config = ConfigDict(extra="forbid", strict=True)

    review_id: Id
    product_id: Id
    shopper_id: Id = Field(description="the signed-in shopper who wrote it")
    rating: Stars = Field(description="whole stars, 1 to 5")
    title: str | None = Field(default=None, max_length=500)
    text: str | None = Field(default=None, max_length=20_000)
    language: str | None = Field(
        default=None, pattern=LANGUAGE, description="en, zh, zh-tw...; detected when left out"
    )
    timestamp: IsoTime | UnixSeconds = Field(description="RFC 3339 date-time (with its zone) or unix seconds")


def reviews_body_schema(max_reviews: int) -> dict[str, Any]:
    """The request body of POST /reviews: one review, or {"reviews": [...]}."""
    review = ReviewIn.model_json_schema()
    batch = {
        "type": "object",
        "required": ["reviews"],
        "additionalProperties": False,
        "properties": {"reviews": {"type": "array", "minItems": 1, "maxItems": max_reviews, "items": review}},
    }
    return {"anyOf": [review, batch]}


class ReviewBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reviews: list[Any] = Field(
        min_length=1,
        max_length=MAX_REVIEWS_PER_REQUEST,
        description="review objects (fields of Review); each is checked on its own",
        json_schema_extra={"items": {"type": "object"}},
    )


class ReviewFieldError(BaseModel):
    field: str | None = Field(description="the review field; None when the item itself is wrong")
    reason: str
    message: str = Field(description="where and why, e.g. 'reviews[3].rating: ...'")


class ReviewResult(BaseModel):
    index: int = Field(description="position in `reviews` (0 for a single review)")
    review_id: str | None = None
    outcome: OutcomeName
    flags: list[FlagCode] = Field(default_factory=list, description="why it is held out of ratings")
    errors: list[ReviewFieldError] = Field(default_factory=list, description="why it was rejected")


class ReviewsResponse(BaseModel):
    inserted: int = Field(description="new reviews, now durably stored")
    updated: int = Field(description="review ids already stored: the review is replaced")
    unchanged: int = Field(description="review ids already stored exactly so")
    rejected: int = Field(description="invalid reviews, each with its errors in `results`")
    flagged: int = Field(description="stored reviews held out of ratings as duplicates or spam")
    results: list[ReviewResult] = Field(description="one per review sent, in order")


class ReviewOut(BaseModel):
    """A review as a storefront shows it (no shopper id)."""

    review_id: str
    product_id: str
    rating: int
    title: str
    text: str
    language: str
    timestamp: datetime

    @classmethod
    def of(cls, review: Review) -> ReviewOut:
        return cls.model_validate(review.model_dump(include=set(cls.model_fields)))


class SummaryStatementOut(BaseModel):
    """One statement of a product's review summary and how many reviews say it."""

    kind: str = Field(description="praise, complaint or mixed")
    aspect: str
    text: str = Field(description="'praised for its battery (23 reviews)', '电池好评多（23条评价）'")
    reviews: int
    positive: int
    negative: int


class ReviewSummaryOut(BaseModel):
    """What a product's reviews say (the published review summaries, `shelfwise aspects summarize`)."""

    version: str | None = Field(description="the review summaries' version it comes from")
    language: str
    text: str = Field(description="the statements in one line")
    statements: list[SummaryStatementOut]


class ProductReviews(BaseModel):
    product_id: str
    count: int = Field(description="reviews counted (flagged ones are not)")
    mean: float | None = Field(description="mean rating of the counted reviews; null without any")
    stars: list[int] = Field(description="how many of them gave 1, 2, 3, 4 and 5 stars")
    page: int
    page_size: int
    reviews: list[ReviewOut] = Field(description="newest first")
    summary: ReviewSummaryOut | None = Field(
        default=None, description="the product's review summary, when one is published with statements"
    )


class FlaggedReview(ReviewOut):
    shopper_id: str
    flags: list[dict[str, str]] = Field(description="each flag's `code` and `detail`")

    @classmethod
    def of(cls, review: Review) -> FlaggedReview:
        return cls.model_validate(review.model_dump())


class FlaggedReviews(BaseModel):
    page: int
    page_size: int
    reviews: list[FlaggedReview] = Field(description="newest first")

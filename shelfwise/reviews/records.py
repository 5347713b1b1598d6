"""The review record: one shopper's rating and words about one product, and the flags the
duplicate and spam rules gave it. Frozen pydantic, like the records of `shelfwise.records`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shelfwise.reviews.language import review_language

FlagCode = Literal["duplicate_text", "shopper_flood", "repeat_product", "short_text"]
FLAG_CODES: tuple[FlagCode, ...] = ("duplicate_text", "shopper_flood", "repeat_product", "short_text")
_LANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})*|multi")


class ReviewFlag(BaseModel):
    """Why a review is held out of aggregates: a reason code and the evidence in words."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    code: FlagCode
    detail: str = Field(default="", max_length=500)


class Review(BaseModel):
    """A shopper's review of a product. `review_id` makes sending it again an update, never a
    second review. `language` is detected from the title and text when not given. `flags` are
    set by the rules (`shelfwise.reviews.flags`), never by whoever sends the review."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    review_id: str = Field(min_length=1, max_length=256)
    product_id: str = Field(min_length=1, max_length=256)
    shopper_id: str = Field(min_length=1, max_length=256)
    rating: int = Field(ge=1, le=5, description="stars, 1 to 5")
    title: str = Field(default="", max_length=500)
    text: str = Field(default="", max_length=20_000)
    language: str = Field(
        default="",
        max_length=24,
        validate_default=True,
        description="BCP 47 code (en, zh, zh-tw...); detected from the words when left out: "
        "zh, en, multi (another script) or und (no letters)",
    )
    timestamp: datetime = Field(description="when it was written; naive times are read as UTC")
    flags: tuple[ReviewFlag, ...] = ()

    @field_validator("language")
    @classmethod
    def _language(cls, value: str, info: ValidationInfo) -> str:
        code = value.strip().lower().replace("_", "-")
        if not code:
            return review_language(f"{info.data.get('title', '')} {info.data.get('text', '')}")
        if not _LANGUAGE.fullmatch(code):
            raise ValueError(f"'{value[:30]}' is not a language code (en, zh, zh-tw, ...)")
        return code

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


class RatingSummary(BaseModel):
    """A product's reviews by count: `stars[0]` one-star ... `stars[4]` five-star; `mean` is None
    without reviews. Flagged reviews are left out unless the query asked for them; `flagged`
    counts them either way."""

    model_config = ConfigDict(frozen=True)

    product_id: str
    count: int = 0
    mean: float | None = None
    stars: tuple[int, int, int, int, int] = (0, 0, 0, 0, 0)
    flagged: int = 0

    @classmethod
    def from_stars(cls, product_id: str, stars: dict[int, int], flagged: int) -> RatingSummary:
        counts = tuple(int(stars.get(star, 0)) for star in range(1, 6))
        total = sum(counts)
        mean = None if total == 0 else round(sum((i + 1) * n for i, n in enumerate(counts)) / total, 6)
        return cls(product_id=product_id, count=total, mean=mean, stars=counts, flagged=flagged)  # type: ignore[arg-type]

"""Public records of the autocomplete engine: its config and the suggestions it returns."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SuggestionKind = Literal["query", "phrase", "product", "brand", "category"]
KINDS: tuple[SuggestionKind, ...] = ("query", "phrase", "product", "brand", "category")
KIND_CODE: dict[SuggestionKind, int] = {kind: code for code, kind in enumerate(KINDS)}
QUERY, PHRASE, PRODUCT, BRAND, CATEGORY = range(5)


class SuggestConfig(BaseModel):
    """How suggestions are collected and ranked.

    A suggestion's static score is `<kind>_bonus + count_weight * log1p(searches)
    + df_weight * log1p(products containing it)` (+ a rating/stock prior for products); a typed
    prefix adds `lead_bonus` when it matches from the suggestion's first word, `exact_bonus` when it
    is the whole suggestion, and subtracts `typo_penalty` per edit and `scattered_penalty` when the
    typed words are in the suggestion but not in sequence.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_phrase_products: int = Field(default=3, ge=1, description="titles a phrase must occur in")
    max_phrase_words: int = Field(default=4, ge=1, le=6)
    max_phrases: int = Field(default=50_000, ge=0)
    phrase_subsume_ratio: float = Field(
        default=0.8, gt=0, le=1, description="drop a phrase when one longer phrase covers this share of it"
    )
    min_brand_category_products: int = Field(default=2, ge=1)
    include_products: bool = True
    max_query_chars: int = Field(default=100, ge=1)
    key_bytes: int = Field(default=40, ge=8, le=256, description="indexed bytes of each suggestion key")

    query_bonus: float = 1.0
    brand_bonus: float = 1.0
    category_bonus: float = 1.0
    phrase_bonus: float = 0.0
    product_bonus: float = -1.0
    count_weight: float = Field(default=1.0, ge=0)
    df_weight: float = Field(default=0.6, ge=0)
    rating_weight: float = Field(default=0.3, ge=0)
    in_stock_bonus: float = Field(default=0.2, ge=0)

    lead_bonus: float = Field(default=1.0, ge=0)
    exact_bonus: float = Field(default=0.5, ge=0)
    typo_penalty: float = Field(default=2.5, ge=0)
    scattered_penalty: float = Field(
        default=1.0, ge=0, description="typed words found in a suggestion, but not next to each other"
    )
    one_typo_min_chars: int = Field(default=4, ge=2)
    two_typos_min_chars: int = Field(default=8, ge=3)
    max_total_edits: int = Field(default=3, ge=0)
    max_word_options: int = Field(default=4, ge=1)
    max_prefix_options: int = Field(default=8, ge=1)
    max_combinations: int = Field(default=24, ge=1)
    max_limit: int = Field(default=50, ge=1)
    candidates_per_result: int = Field(default=3, ge=1, description="keys taken per search per result")

    def bonus_by_kind(self) -> tuple[float, ...]:
        """Kind bonuses indexed by kind code."""
        return (
            self.query_bonus,
            self.phrase_bonus,
            self.product_bonus,
            self.brand_bonus,
            self.category_bonus,
        )

    def max_edits(self, typed_chars: int) -> int:
        """Edits allowed for a typed word of this many characters."""
        if typed_chars >= self.two_typos_min_chars:
            return 2
        return 1 if typed_chars >= self.one_typo_min_chars else 0


class Suggestion(BaseModel):
    """One completion of a typed prefix.

    `highlight` holds [start, end) character spans of `text` that matched what was typed.
    `product_id` is set for kind "product"; `category` and `brand` scope category and brand
    suggestions (and products) when the catalog has them.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str
    kind: SuggestionKind
    score: float
    product_id: str | None = None
    category: str | None = None
    brand: str | None = None
    highlight: tuple[tuple[int, int], ...] = ()


class SuggestStats(BaseModel):
    """Size of an autocomplete index."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    suggestions: int
    live: int
    by_kind: dict[str, int]
    keys: int
    words: int
    build_seconds: float | None = None

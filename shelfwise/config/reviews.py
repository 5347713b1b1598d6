"""Settings of shoppers' reviews: the rules that flag duplicates and spam (re-exported by
`shelfwise.config`). A flagged review is kept and listed for the admin; it is left out of a
product's review list and of its count and mean rating unless asked for."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ReviewRules(BaseModel):
    """Each rule flags a review with a reason code; 0 turns a rule off."""

    duplicate_min_chars: int = Field(
        default=25,
        ge=0,
        description="duplicate_text: a text (lower case, punctuation and spaces folded) of at "
        "least this many characters that an earlier review already has (another product, "
        "another shopper, or a resubmission) is flagged; shorter ones ('great gift') are common "
        "and never flagged; 0 = off",
    )
    flood_window_hours: float = Field(
        default=24.0, ge=0, description="shopper_flood: the window in which a shopper's reviews are counted"
    )
    flood_max_reviews: int = Field(
        default=5,
        ge=0,
        description="shopper_flood: a shopper's reviews beyond this many within the window are "
        "flagged (the earliest ones stand); 0 = off",
    )
    max_per_product: int = Field(
        default=1,
        ge=0,
        description="repeat_product: a shopper's reviews of one product beyond this many are flagged "
        "(the earliest stand); 0 = off",
    )
    min_text_chars: int = Field(
        default=0,
        ge=0,
        description="short_text: a review whose title and text together have fewer characters is "
        "flagged; 0 = off (a rating without words is a normal review)",
    )

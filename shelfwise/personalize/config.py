"""How shopper profiles are learned: event weights, time decay, price bands, evidence thresholds."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator

PRODUCT_EVENT_TYPES = ("view", "click", "add_to_cart", "purchase")
DAY_SECONDS = 86_400.0


class ProfileConfig(BaseModel):
    """Everything a profile depends on. Weights are in 'event units': a view is 1."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    half_life_days: float = Field(
        default=30.0, gt=0, description="an event's weight halves every this many days"
    )
    event_weights: dict[str, float] = Field(
        default_factory=lambda: {"view": 1.0, "click": 1.0, "add_to_cart": 3.0, "purchase": 5.0},
        description="weight of each product event type; a type left out is ignored",
    )
    rating_weights: tuple[float, float, float, float, float] = Field(
        default=(0.0, 0.0, 1.0, 3.0, 5.0),
        description="weight of a rating of 1..5 stars (fractional stars interpolate); 0 ignores it",
    )
    price_bands: int = Field(default=5, ge=2, le=20, description="price quantile bands per category")
    min_band_products: int = Field(
        default=5, ge=1, description="a category with fewer priced products takes its parent's band edges"
    )
    attributes: tuple[str, ...] = Field(
        default=("color", "material"),
        description="product attributes whose values a profile tracks (a value counts whole and, when it "
        "has several words, by its last word too: 'Navy Blue' is also 'blue')",
    )
    max_events: int = Field(default=500, ge=1, description="only each shopper's latest events count")
    smoothing: float = Field(
        default=5.0,
        gt=0,
        description="pseudo-weight of the catalog base rate in the smoothed shares and lifts",
    )
    reason_min_share: float = Field(default=0.3, ge=0, le=1, description="a reason needs this share")
    reason_min_weight: float = Field(default=5.0, ge=0, description="... this much decayed weight behind it")
    reason_min_lift: float = Field(default=1.5, ge=0, description="... and this smoothed lift over the base")
    reason_min_similarity: float = Field(
        default=0.5, ge=-1, le=1, description="'similar to products you liked' needs this cosine"
    )

    @field_validator("event_weights")
    @classmethod
    def _known_types(cls, value: dict[str, float]) -> dict[str, float]:
        for name, weight in value.items():
            if name not in PRODUCT_EVENT_TYPES:
                raise ValueError(f"'{name}' is not one of {', '.join(PRODUCT_EVENT_TYPES)}")
            if weight < 0:
                raise ValueError(f"the weight of '{name}' must not be negative")
        return value

    @field_validator("rating_weights")
    @classmethod
    def _non_negative(cls, value: tuple[float, ...]) -> tuple[float, ...]:
        if any(w < 0 for w in value):
            raise ValueError("rating weights must not be negative")
        return value

    @property
    def half_life_seconds(self) -> float:
        return self.half_life_days * DAY_SECONDS

    def rating_weight(self, stars: float) -> float:
        """The weight of a rating, linear between whole stars."""
        low = min(max(int(stars), 1), 5)
        high = min(low + 1, 5)
        fraction = min(max(stars - low, 0.0), 1.0)
        return self.rating_weights[low - 1] * (1 - fraction) + self.rating_weights[high - 1] * fraction

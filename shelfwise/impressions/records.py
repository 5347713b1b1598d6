"""What was shown and what came of it: the records that tie responses to shoppers' events.

An `Impression` is one search or recommendation response as served: its request id, who saw it,
the query, the experiment variants it ran under and the items in the order shown. Attribution
(`attribution.py`) joins the shoppers' later clicks, carts and purchases back to each shown item,
giving one `LabeledImpression` per (response, item): the training example of the CTR/CVR ranker.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

SURFACES: tuple[str, ...] = ("search", "recommend", "similar", "bought_together", "goes_with")


class ShownItem(BaseModel):
    """One product in a response, at its 0-based position, with the score it was ranked by."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str = Field(min_length=1, max_length=256)
    position: int = Field(ge=0)
    score: float | None = None


class Impression(BaseModel):
    """One response: what a shopper was shown, where and under which experiment variants."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    request_id: str = Field(min_length=1, max_length=256)
    surface: str = Field(min_length=1, max_length=64, description="search, recommend, similar, ...")
    timestamp: datetime = Field(description="when it was served; naive times are read as UTC")
    user_id: str | None = Field(default=None, max_length=256)
    session_id: str | None = Field(default=None, max_length=256)
    query: str | None = Field(default=None, max_length=500)
    items: tuple[ShownItem, ...] = ()
    variants: dict[str, str] = Field(default_factory=dict, description="experiment -> variant served")
    context: dict[str, JsonValue] = Field(
        default_factory=dict, description="request details: page, mode, anchor product, ..."
    )

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)

    @property
    def actor(self) -> str | None:
        """'user:<id>' when signed in, else 'session:<id>' (as `Event.actor`), None if anonymous."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return None if self.session_id is None else f"session:{self.session_id}"


@dataclass(frozen=True, slots=True)
class LabeledImpression:
    """One shown item and what the shopper did with it: a CTR/CVR training example.

    `clicked`: a click (or product view) attributed to this response and item; `converted`: a
    purchase of the item attributed to it (after a click or not: ESMM learns pCTCVR over all
    impressions). `true_ctr` / `true_cvr` are known only in simulation: the shopper model's
    probability of a click, and of a purchase given a click, when the item was shown.
    """

    request_id: str
    surface: str
    timestamp: datetime
    product_id: str
    position: int
    user_id: str | None = None
    session_id: str | None = None
    query: str | None = None
    score: float | None = None
    variants: dict[str, str] = field(default_factory=dict)
    clicked: bool = False
    carted: bool = False
    converted: bool = False
    revenue: float = 0.0
    true_ctr: float | None = None
    true_cvr: float | None = None

    @property
    def actor(self) -> str | None:
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return None if self.session_id is None else f"session:{self.session_id}"

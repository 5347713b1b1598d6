"""The demo shoppers a visitor can act as: signed-in shoppers with the most events, from their
profiles (what personalization learned from the event log), never made up."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.serving import Serving

USER_PREFIX = "user:"


class ShopperCard(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str
    events: int = Field(description="events behind the shopper's profile")
    departments: list[str] = Field(description="departments they shop most, most first")
    brands: list[str] = Field(description="brands they buy or view most, most first")


class ShoppersResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    shoppers: list[ShopperCard]


def demo_shoppers(shelfwise: Serving, limit: int, scanned: int = 200) -> list[ShopperCard]:
    """Of the first `scanned` signed-in shoppers (by id), the `limit` with the most events;
    ties keep id order."""
    users = sorted(a for a in shelfwise.profiles.actors if a.startswith(USER_PREFIX))[:scanned]
    cards: list[ShopperCard] = []
    for actor in users:
        profile = shelfwise.profile(actor)
        if profile is None or profile.is_empty:
            continue
        summary = profile.summary(top=2)
        cards.append(
            ShopperCard(
                user_id=actor.removeprefix(USER_PREFIX),
                events=int(summary["events"]),
                departments=[str(a["key"]) for a in summary["departments"]],
                brands=[str(a["key"]) for a in summary["brands"]],
            )
        )
    cards.sort(key=lambda card: -card.events)  # stable: ties stay in id order
    return sorted(cards[:limit], key=lambda card: card.user_id)

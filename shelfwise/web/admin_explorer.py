"""The admin console's recommendation explorer: for a shopper, their latest events and home feed;
for a product, its similar and bought-together items; each item with the channel that named it
(its reason) and a count per channel; and each recall channel's own candidates before fusion
and rules. Read live, as /recommend serves them, without logging."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from markupsafe import Markup

from shelfwise.recommend.live import Recommended
from shelfwise.records import Event, Product
from shelfwise.serving import Serving
from shelfwise.web.plots import bar_chart

HISTORY_SHOWN = 15


@dataclass(frozen=True)
class RecommendationList:
    title: str
    items: list[Recommended]
    chart: Markup


@dataclass(frozen=True)
class ChannelCandidates:
    channel: str
    items: list[tuple[Product | None, str, float]]  # product (None if gone), id, channel score


@dataclass(frozen=True)
class Exploration:
    subject: str = ""
    history: list[tuple[Event, Product | None]] = field(default_factory=list)
    product: Product | None = None
    lists: list[RecommendationList] = field(default_factory=list)
    channels: list[ChannelCandidates] = field(default_factory=list)
    problem: str = ""


def _per_channel(shelfwise: Serving, k: int, **subject: str) -> list[ChannelCandidates]:
    found = shelfwise.channel_candidates(depth=k, **subject)
    products = shelfwise.store.get_many([pid for items in found.values() for pid, _ in items])
    return [
        ChannelCandidates(name, [(products.get(pid), pid, score) for pid, score in items])
        for name, items in found.items()
    ]


def _listed(title: str, items: list[Recommended]) -> RecommendationList:
    by_channel = Counter(item.reason_kind for item in items)
    bars = [(kind, float(count)) for kind, count in by_channel.most_common()]
    return RecommendationList(title, items, bar_chart(f"{title}: items per channel", bars, digits=0))


def explore_user(shelfwise: Serving, user_id: str, k: int) -> Exploration:
    actor = f"user:{user_id}"
    events = shelfwise.events.recent(actor, limit=HISTORY_SHOWN)
    products = shelfwise.store.get_many([e.product_id for e in events if e.product_id])
    history = [(e, products.get(e.product_id) if e.product_id else None) for e in reversed(events)]
    try:
        feed = shelfwise.recommend(actor, k=k)
    except LookupError as error:
        return Exploration(subject=user_id, history=history, problem=str(error))
    lists, channels = [_listed("Home feed", feed)], _per_channel(shelfwise, k, actor=actor)
    return Exploration(subject=user_id, history=history, lists=lists, channels=channels)


def explore_product(shelfwise: Serving, product_id: str, k: int) -> Exploration:
    product = shelfwise.get_product(product_id)
    if product is None:
        return Exploration(subject=product_id, problem=f"no product '{product_id}'")
    try:
        lists = [
            _listed("Similar items", shelfwise.similar_items(product_id, k)),
            _listed("Bought together", shelfwise.bought_together(product_id, k)),
        ]
    except LookupError as error:
        return Exploration(subject=product_id, product=product, problem=str(error))
    channels = _per_channel(shelfwise, k, product_id=product_id)
    return Exploration(subject=product_id, product=product, lists=lists, channels=channels)

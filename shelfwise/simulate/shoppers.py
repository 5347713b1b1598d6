"""The demo shop's shopper simulator: realistic sessions from latent preferences, with the truth.

Each simulated shopper has hidden preferences (favourite categories, brands, colours, materials,
a price band, an activity level) and visits the shop over a window of days: searches whose
results the simulator ranks itself, clicks with position bias, product views and related
browsing, carts, checkouts, ratings, returns to items seen before, and complement purchases
(a laptop, then a keyboard). The same products and config give the same events, byte for byte:

    history = simulate_shoppers(generate_demo_catalog(), ShopperSimulation(n_shoppers=2000, seed=7))
    write_events_jsonl(history.events, "events.jsonl")
    history.shoppers[0].favourite_categories  # what a recommender should find
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.records import Event, Product
from shelfwise.simulate.catalog import DEMO_COMPLEMENTS, ShopCatalog
from shelfwise.simulate.prefs import Taste, make_personas, make_taste
from shelfwise.simulate.session import DAY, RawEvent, ShopperRun

_EPOCH: Final = datetime(2025, 1, 1, tzinfo=UTC)
# relative chance that a visit starts in each hour of the day (UTC): quiet nights, busy evenings
_HOURLY: Final = np.array(
    [
        1.0,
        0.6,
        0.4,
        0.3,
        0.3,
        0.4,
        0.8,
        1.5,
        2.0,
        2.3,
        2.5,
        2.6,
        3.0,
        2.8,
        2.6,
        2.6,
        2.8,
        3.2,
        3.8,
        4.5,
        4.8,
        4.2,
        3.0,
        1.8,
    ]
)


class ShopperSimulation(BaseModel):
    """How many shoppers, over how long, from which seed; the behaviour itself is built in."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    n_shoppers: int = Field(default=2000, ge=1, le=1_000_000)
    days: int = Field(default=60, ge=1, le=3650, description="length of the simulated window")
    seed: int = Field(default=7, ge=0)
    share_signed_in: float = Field(
        default=0.6, ge=0, le=1, description="share of shoppers with an account; the rest visit anonymously"
    )
    n_personas: int = Field(default=12, ge=1, description="shopper types that share related categories")
    page_size: int = Field(default=10, ge=1, le=100, description="search results shown per search")
    visits_per_month: float = Field(
        default=4.0, gt=0, le=1000, description="average visits of a signed-in shopper; anonymous: half"
    )
    rating_rate: float = Field(default=0.2, ge=0, le=1, description="chance a signed-in buyer rates later")
    end: datetime | None = Field(
        default=None, description="the window ends here; default: a fixed date derived from the seed"
    )
    complements: tuple[tuple[str, str], ...] = Field(
        default=DEMO_COMPLEMENTS, description="(bought category path, the category often bought next)"
    )

    def window(self) -> tuple[datetime, datetime]:
        """Start and end of the simulated window; never the wall clock."""
        if self.end is None:
            end = _EPOCH + timedelta(days=self.seed % 365)
        else:
            end = self.end.replace(tzinfo=UTC) if self.end.tzinfo is None else self.end.astimezone(UTC)
        return end - timedelta(days=self.days), end


@dataclass(frozen=True)
class ShopperTruth:
    """One shopper's hidden preferences, for tests and demos to check learned models against.

    `price_band` is a pair of quantiles of a category's prices (0 = cheapest); `price_ranges`
    gives it in money for each favourite category.
    """

    shopper_id: str
    user_id: str | None
    session_ids: tuple[str, ...]
    persona: int
    favourite_categories: tuple[str, ...]  # strongest first
    category_weights: tuple[float, ...]  # sums to 1, aligned with favourite_categories
    favourite_brands: tuple[str, ...]
    favourite_colours: tuple[str, ...]  # colour families: "blue" covers Navy Blue
    favourite_materials: tuple[str, ...]  # lowercased
    price_band: tuple[float, float]
    price_ranges: tuple[tuple[float, float] | None, ...]  # aligned with favourite_categories
    expected_sessions: float
    explore_rate: float

    @property
    def actors(self) -> tuple[str, ...]:
        """The `Event.actor` values of this shopper's events."""
        if self.user_id is not None:
            return (f"user:{self.user_id}",)
        return tuple(f"session:{s}" for s in self.session_ids)


@dataclass(frozen=True)
class SimulatedHistory:
    events: tuple[Event, ...]  # in time order (ties by event id)
    shoppers: tuple[ShopperTruth, ...]
    start: datetime
    end: datetime
    complements: tuple[tuple[str, str], ...]  # the configured pairs present in the catalog

    def shopper_by_actor(self) -> dict[str, ShopperTruth]:
        return {actor: shopper for shopper in self.shoppers for actor in shopper.actors}


def simulate_shoppers(
    products: Sequence[Product], config: ShopperSimulation | None = None
) -> SimulatedHistory:
    """Simulate `config.n_shoppers` shoppers over `products`; deterministic for the same inputs.

    Every shopper draws from a random stream of their own (spawned from the seed), so shopper 7
    behaves the same whatever the number of shoppers after them.
    """
    config = config or ShopperSimulation()
    start, end = config.window()
    streams = np.random.SeedSequence(config.seed).spawn(config.n_shoppers + 1)
    shared = np.random.default_rng(streams[0])
    catalog = ShopCatalog.build(tuple(products), shared)
    complements = catalog.complements(config.complements)
    personas = make_personas(catalog, complements, config.n_personas, shared)
    visits = config.visits_per_month * config.days / 30.0
    events: list[Event] = []
    shoppers: list[ShopperTruth] = []
    for index, stream in enumerate(streams[1:]):
        rng = np.random.default_rng(stream)
        persona = int(rng.integers(len(personas)))
        signed_in = bool(rng.random() < config.share_signed_in)
        taste = make_taste(
            catalog, persona, personas[persona], signed_in, visits * (1.0 if signed_in else 0.5), rng
        )
        ids = (f"sess-{config.seed}-{index:05d}", f"ev-{config.seed}-{index:05d}")
        run = ShopperRun(
            catalog, complements, personas[persona], taste, ids, rng, config.page_size, config.rating_rate
        )
        run.run(_session_starts(taste, config.days, rng), config.days * DAY)
        user_id = f"user-{index:05d}" if signed_in else None
        events.extend(_event(raw, catalog, user_id, start) for raw in run.events)
        shoppers.append(_truth(catalog, taste, f"shopper-{index:05d}", user_id, tuple(run.sessions)))
    events.sort(key=lambda e: (e.timestamp, e.event_id))
    present = set(catalog.categories)
    pairs = tuple((a, b) for a, b in config.complements if a in present and b in present and a != b)
    return SimulatedHistory(tuple(events), tuple(shoppers), start, end, pairs)


def write_events_jsonl(events: Iterable[Event], path: str | Path) -> int:
    """Write one `Event` JSON object a line (what `shelfwise events import` reads); returns the count.

    The file is replaced atomically: readers see the old file or the whole new one.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    count = 0
    try:
        with temporary.open("w", encoding="utf-8", newline="\n") as out:
            for event in events:
                out.write(event.model_dump_json() + "\n")
                count += 1
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return count


def _session_starts(taste: Taste, days: int, rng: np.random.Generator) -> np.ndarray:
    """Visit start times in seconds: a random day, an hour of the daily rhythm, a random second."""
    n = max(1, int(rng.poisson(taste.activity)))
    day = rng.integers(0, days, n)
    hour = rng.choice(24, size=n, p=_HOURLY / _HOURLY.sum())
    return np.sort(day * DAY + hour * 3600 + rng.integers(0, 3600, n))


def _event(raw: RawEvent, catalog: ShopCatalog, user_id: str | None, start: datetime) -> Event:
    product_id = price = None
    if raw.product >= 0:
        product_id = catalog.ids[raw.product]
        known = float(catalog.price[raw.product])
        price = None if raw.type == "rating" or np.isnan(known) else known
    return Event(
        event_id=raw.event_id,
        type=raw.type,  # type: ignore[arg-type]
        user_id=user_id,
        session_id=raw.session,
        product_id=product_id,
        timestamp=start + timedelta(seconds=raw.t),
        query=raw.query,
        shown=tuple(catalog.ids[p] for p in raw.shown),
        rating=raw.rating,
        request_id=raw.request,
        position=raw.position,
        price=price,
    )


def _truth(
    catalog: ShopCatalog, taste: Taste, shopper_id: str, user_id: str | None, sessions: tuple[str, ...]
) -> ShopperTruth:
    lo, hi = taste.price_band
    ranges = []
    for category in taste.favourites:
        low, high = catalog.price_at(int(category), lo), catalog.price_at(int(category), hi)
        ranges.append(None if low is None or high is None else (round(low, 2), round(high, 2)))
    return ShopperTruth(
        shopper_id=shopper_id,
        user_id=user_id,
        session_ids=sessions,
        persona=taste.persona,
        favourite_categories=tuple(catalog.categories[int(c)] for c in taste.favourites),
        category_weights=tuple(float(w) for w in taste.weights),
        favourite_brands=tuple(catalog.brands[i] for i in taste.liked_brands),
        favourite_colours=tuple(catalog.colours[i] for i in taste.liked_colours),
        favourite_materials=tuple(catalog.materials[i] for i in taste.liked_materials),
        price_band=(round(lo, 4), round(hi, 4)),
        price_ranges=tuple(ranges),
        expected_sessions=taste.activity,
        explore_rate=taste.explore,
    )

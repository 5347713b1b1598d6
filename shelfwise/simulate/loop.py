"""The closed-loop shopper simulator: shoppers see what a ranker under test shows them.

The open-loop simulator (`simulate_shoppers`) ranks search results itself. Here every search and
every home feed (a share of visits start on the home page) is served by a `ServingRanker` (one of
the reference rankers, or `ShelfwiseRanker` over a real shop), exposed to the running
`Experiments` first, and logged as an `Impression`. Shoppers have the hidden tastes of the open
loop (the same seed and products give the same shoppers, `user-00042` included) and react by a
known model (`loop_run`), so the truth of every shown item is exact: its click
probability at the position it was shown, its purchase probability given a click, and what the
shopper did with it.

    products = generate_demo_catalog()
    config = ClosedLoopSimulation(n_shoppers=2000, seed=7)
    result = simulate_closed_loop(products, config, TextMatchRanker(shop_catalog(products, config)))
    labeled_impressions(result)[0].true_ctr

Import it from here (`shelfwise.simulate.loop`, which also re-exports the rankers and the
request): `shelfwise.catalog` leaves it out because it brings in the experiments package (scipy).

Visits are run in time order across shoppers (a heap of visit starts), so a ranker that learns
online from the events it is fed sees them roughly as a shop would. Unlike the open loop, the log
is not cut at the window's end: a visit that starts before it runs to its checkout, so that no
purchase a probability promises is lost to the cut.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pydantic import Field

from shelfwise.experiments import Experiments
from shelfwise.impressions.records import Impression, LabeledImpression
from shelfwise.records import Event, Product
from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.loop_rankers import (
    RankerBySetting,
    ShelfwiseRanker,
    ShuffledRanker,
    TextMatchRanker,
)
from shelfwise.simulate.loop_run import DAY, LoopRun, Outcome, RunSettings
from shelfwise.simulate.loop_serving import LoopRequest, LoopServer, RankerOutputError, ServingRanker
from shelfwise.simulate.prefs import Persona, Taste, make_personas, make_taste
from shelfwise.simulate.shoppers import ShopperSimulation, ShopperTruth, _event, _session_starts, _truth

__all__ = [
    "ClosedLoopResult",
    "ClosedLoopSimulation",
    "LoopRequest",
    "RankerBySetting",
    "RankerOutputError",
    "ServingRanker",
    "ShelfwiseRanker",
    "ShownTruth",
    "ShuffledRanker",
    "TextMatchRanker",
    "labeled_impressions",
    "shop_catalog",
    "shopper_tastes",
    "simulate_closed_loop",
]


class ClosedLoopSimulation(ShopperSimulation):
    """The open loop's settings (shoppers, days, seed, page size, ...) and the home feed's."""

    home_feed_share: float = Field(
        default=0.3,
        ge=0,
        le=1,
        description="share of visits (other than revisits) that start on the home feed",
    )
    feed_size: int = Field(default=10, ge=1, le=100, description="recommendations shown on the home feed")


@dataclass(frozen=True, slots=True)
class ShownTruth:
    """One shown item: the shopper model's exact probabilities when it was served, and what happened.

    `true_ctr` = P(click) at `position`; `true_cvr` = P(purchase attributed to this response and
    item | click); `utility` is the request utility both were computed from.
    """

    request_id: str
    product_id: str
    position: int
    utility: float
    true_ctr: float
    true_cvr: float
    clicked: bool
    carted: bool
    converted: bool
    revenue: float


@dataclass(frozen=True)
class ClosedLoopResult:
    events: tuple[Event, ...]  # valid, in time order (ties by event id), unique ids
    impressions: tuple[Impression, ...]  # in time order (ties by request id)
    truth: Mapping[tuple[str, str], ShownTruth]  # (request_id, product_id) -> truth
    shoppers: tuple[ShopperTruth, ...]
    start: datetime
    end: datetime


def shop_catalog(products: Sequence[Product], config: ClosedLoopSimulation | None = None) -> ShopCatalog:
    """The simulator's arrays for `products`, with the popularity the simulation of `config` uses
    (a shop knows its bestsellers; a reference ranker reads them, never a shopper's taste)."""
    config = config or ClosedLoopSimulation()
    shared = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(1)[0])
    return ShopCatalog.build(tuple(products), shared)


def simulate_closed_loop(
    products: Sequence[Product],
    config: ClosedLoopSimulation | None,
    ranker: ServingRanker,
    experiments: Experiments | None = None,
) -> ClosedLoopResult:
    """Simulate `config.n_shoppers` shoppers served by `ranker`; deterministic for the same inputs
    (and a deterministic ranker). With `experiments`, every request is exposed first and runs
    under its variants' settings (`LoopRequest.settings`); the exposures go to its log."""
    config = config or ClosedLoopSimulation()
    start, end = config.window()
    streams = np.random.SeedSequence(config.seed).spawn(config.n_shoppers + 1)
    shared = np.random.default_rng(streams[0])
    catalog = ShopCatalog.build(tuple(products), shared)  # as `shop_catalog`, then the personas
    complements = catalog.complements(config.complements)
    personas = make_personas(catalog, complements, config.n_personas, shared)
    server = LoopServer(catalog.ids, ranker, experiments)
    outcomes: dict[tuple[str, str], Outcome] = {}
    visits = config.visits_per_month * config.days / 30.0
    runs: list[LoopRun] = []
    queue: list[tuple[int, int, int]] = []  # (visit start, shopper, visit number)
    starts: list[np.ndarray] = []
    for index, stream in enumerate(streams[1:]):
        rng = np.random.default_rng(stream)
        taste = _draw_taste(catalog, personas, config, visits, rng)
        persona, signed_in = taste.persona, taste.signed_in
        settings = RunSettings(
            user_id=f"user-{index:05d}" if signed_in else None,
            start=start,
            page_size=config.page_size,
            feed_size=config.feed_size,
            home_feed_share=config.home_feed_share,
            rating_rate=config.rating_rate,
        )
        tag = f"{config.seed}-{index:05d}"
        ids = (f"loop-sess-{tag}", f"loop-ev-{tag}", f"loop-req-{tag}")
        runs.append(
            LoopRun(catalog, complements, personas[persona], taste, ids, rng, settings, server, outcomes)
        )
        starts.append(_session_starts(taste, config.days, rng))
        queue.append((int(starts[-1][0]), index, 0))
    _run_visits(runs, starts, queue, config.days * DAY)
    events = [_event(raw, catalog, run.settings.user_id, start) for run in runs for raw in run.events]
    events.sort(key=lambda e: (e.timestamp, e.event_id))
    shoppers = tuple(
        _truth(catalog, run.taste, f"shopper-{i:05d}", run.settings.user_id, tuple(run.sessions))
        for i, run in enumerate(runs)
    )
    impressions = sorted(server.impressions, key=lambda i: (i.timestamp, i.request_id))
    truth = {key: _frozen(key, outcome) for key, outcome in outcomes.items()}
    return ClosedLoopResult(tuple(events), tuple(impressions), truth, shoppers, start, end)


def _draw_taste(
    catalog: ShopCatalog,
    personas: Sequence[Persona],
    config: ClosedLoopSimulation,
    visits: float,
    rng: np.random.Generator,
) -> Taste:
    """A shopper's hidden taste: the first draws of the shopper's own stream."""
    persona = int(rng.integers(len(personas)))
    signed_in = bool(rng.random() < config.share_signed_in)
    mean_sessions = visits * (1.0 if signed_in else 0.5)
    return make_taste(catalog, persona, personas[persona], signed_in, mean_sessions, rng)


def shopper_tastes(
    products: Sequence[Product], config: ClosedLoopSimulation | None = None
) -> tuple[ShopCatalog, tuple[Taste, ...]]:
    """The simulator's arrays and every shopper's hidden taste (shopper i of `simulate_closed_loop`
    with the same products and config, whose request ids carry `-{i:05d}-`): for measuring what
    a model could know, never for serving."""
    config = config or ClosedLoopSimulation()
    streams = np.random.SeedSequence(config.seed).spawn(config.n_shoppers + 1)
    shared = np.random.default_rng(streams[0])
    catalog = ShopCatalog.build(tuple(products), shared)
    personas = make_personas(catalog, catalog.complements(config.complements), config.n_personas, shared)
    visits = config.visits_per_month * config.days / 30.0
    tastes = tuple(
        _draw_taste(catalog, personas, config, visits, np.random.default_rng(stream))
        for stream in streams[1:]
    )
    return catalog, tastes


def _run_visits(
    runs: list[LoopRun], starts: list[np.ndarray], queue: list[tuple[int, int, int]], end: int
) -> None:
    """Every shopper's visits, earliest first across shoppers; a visit never begins before the
    shopper's last one ended (plus ten minutes), and none begins in the window's last two hours."""
    heapq.heapify(queue)
    while queue:
        t, index, number = heapq.heappop(queue)
        if t > end - 2 * 3600:
            continue  # this shopper's later visits would start later still
        last_end = runs[index].session(t, end)
        if number + 1 < starts[index].size:
            heapq.heappush(queue, (max(int(starts[index][number + 1]), last_end + 600), index, number + 1))


def _frozen(key: tuple[str, str], outcome: Outcome) -> ShownTruth:
    return ShownTruth(
        request_id=key[0],
        product_id=key[1],
        position=outcome.position,
        utility=outcome.utility,
        true_ctr=outcome.true_ctr,
        true_cvr=outcome.true_cvr,
        clicked=outcome.clicked,
        carted=outcome.carted,
        converted=outcome.converted,
        revenue=outcome.revenue,
    )


def labeled_impressions(result: ClosedLoopResult) -> list[LabeledImpression]:
    """One `LabeledImpression` per shown item, labelled from the simulator's own knowledge (not by
    attribution from the events): the reference that attribution can be checked against."""
    out = []
    for impression in result.impressions:
        for item in impression.items:
            truth = result.truth[(impression.request_id, item.product_id)]
            out.append(
                LabeledImpression(
                    request_id=impression.request_id,
                    surface=impression.surface,
                    timestamp=impression.timestamp,
                    product_id=item.product_id,
                    position=item.position,
                    user_id=impression.user_id,
                    session_id=impression.session_id,
                    query=impression.query,
                    score=item.score,
                    variants=dict(impression.variants),
                    clicked=truth.clicked,
                    carted=truth.carted,
                    converted=truth.converted,
                    revenue=truth.revenue,
                    true_ctr=truth.true_ctr,
                    true_cvr=truth.true_cvr,
                )
            )
    return out

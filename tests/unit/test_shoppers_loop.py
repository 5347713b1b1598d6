"""The closed-loop shopper simulator: deterministic, valid and attributed events, exact truth
(checked against the draws), a better ranker converts more, experiments and the real shop."""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
import subprocess
import sys
from collections import Counter, defaultdict
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from shelfwise.demo import generate_demo_catalog
from shelfwise.experiments import (
    Experiment,
    ExperimentRegistry,
    Experiments,
    MemoryExposureLog,
    Variant,
    assign,
)
from shelfwise.records import Event, Product
from shelfwise.simulate import simulate_shoppers
from shelfwise.simulate.loop import (
    ClosedLoopResult,
    ClosedLoopSimulation,
    LoopRequest,
    RankerBySetting,
    RankerOutputError,
    ServingRanker,
    ShelfwiseRanker,
    ShuffledRanker,
    TextMatchRanker,
    labeled_impressions,
    shop_catalog,
    simulate_closed_loop,
)

BIG = ClosedLoopSimulation(n_shoppers=2000, days=60, seed=7)


@cache
def small_products() -> tuple[Product, ...]:
    return tuple(generate_demo_catalog(600, seed=3))


@cache
def demo_products() -> tuple[Product, ...]:
    return tuple(generate_demo_catalog())


@cache
def good(catalog: str, seed: int) -> TextMatchRanker:
    """The reference ranker over the `small` or the `demo` catalog, with the popularity of `seed`."""
    products = small_products() if catalog == "small" else demo_products()
    return TextMatchRanker(shop_catalog(products, ClosedLoopSimulation(seed=seed)))


def small_run(seed: int, n_shoppers: int = 150, ranker: ServingRanker | None = None) -> ClosedLoopResult:
    config = ClosedLoopSimulation(n_shoppers=n_shoppers, days=60, seed=seed)
    return simulate_closed_loop(small_products(), config, ranker or good("small", seed))


@cache
def big_run(worse: bool = False) -> ClosedLoopResult:
    """2,000 shoppers over the 6,000-product demo catalog for 60 days (about 4 s each)."""
    ranker: ServingRanker = good("demo", BIG.seed)
    return simulate_closed_loop(demo_products(), BIG, ShuffledRanker(ranker) if worse else ranker)


def digest(result: ClosedLoopResult) -> str:
    text = "".join(e.model_dump_json() + "\n" for e in result.events)
    text += "".join(i.model_dump_json() + "\n" for i in result.impressions)
    text += repr(sorted(result.truth.items()))
    return hashlib.sha256(text.encode()).hexdigest()


def test_shopper_tastes_are_the_run_shoppers_and_give_their_utilities() -> None:
    """`shopper_tastes` reads out the run's hidden tastes: each shown item's recorded utility is the
    taste's utility of it plus a relevance term that only takes the simulator's few values."""
    from shelfwise.simulate.loop import shopper_tastes
    from shelfwise.simulate.prefs import utility

    result = small_run(11, n_shoppers=40)
    catalog, tastes = shopper_tastes(small_products(), ClosedLoopSimulation(n_shoppers=40, days=60, seed=11))
    assert len(tastes) == 40
    for truth, taste in zip(result.shoppers, tastes, strict=True):
        assert truth.favourite_categories == tuple(catalog.categories[int(c)] for c in taste.favourites)
        assert (truth.user_id is not None) == taste.signed_in
    row = {pid: i for i, pid in enumerate(catalog.ids)}
    relevance = set()
    for (request_id, product_id), shown in result.truth.items():
        taste = tastes[int(request_id.split("-")[3])]
        own = float(utility(taste, catalog, np.array([row[product_id]]))[0])
        relevance.add(round(shown.utility - own, 6))
    assert len(relevance) < 40  # sums of a handful of fixed costs, not noise


# ----- determinism, validity, attribution -------------------------------------------------------


def test_same_inputs_same_run_another_seed_another_run() -> None:
    first, again, other = small_run(11), small_run(11), small_run(12)
    assert len(first.events) > 500 and len(first.impressions) > 200
    assert digest(first) == digest(again)
    assert first.shoppers == again.shoppers
    assert digest(first) != digest(other)


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "import hashlib\n"
        "from shelfwise.demo import generate_demo_catalog\n"
        "from shelfwise.simulate.loop import *\n"
        "p = generate_demo_catalog(600, seed=3)\n"
        "c = ClosedLoopSimulation(n_shoppers=60, seed=5)\n"
        "r = simulate_closed_loop(p, c, ShuffledRanker(TextMatchRanker(shop_catalog(p, c))))\n"
        "text = ''.join(e.model_dump_json() for e in r.events) + repr(sorted(r.truth.items()))\n"
        "print(hashlib.sha256(text.encode()).hexdigest())\n"
    )
    digests = set()
    for hash_seed in ("1", "2"):
        env = dict(os.environ, PYTHONHASHSEED=hash_seed)
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        digests.add(done.stdout.strip())
    assert len(digests) == 1


def test_the_shoppers_are_the_open_loops() -> None:
    """Same seed and products: the same hidden tastes (only the visits they make differ)."""
    config = ClosedLoopSimulation(n_shoppers=40, seed=11)
    closed = small_run(11, n_shoppers=40)
    opened = simulate_shoppers(small_products(), config)
    fields = ("shopper_id", "user_id", "favourite_categories", "category_weights", "favourite_brands")
    for a, b in zip(closed.shoppers, opened.shoppers, strict=True):
        assert [getattr(a, f) for f in fields] == [getattr(b, f) for f in fields]


def test_events_are_valid_ordered_unique_and_attributed_to_what_was_shown() -> None:
    result = small_run(11, n_shoppers=300)
    events = result.events
    assert all(Event.model_validate(e.model_dump()) == e for e in events)
    assert list(events) == sorted(events, key=lambda e: (e.timestamp, e.event_id))
    assert len({e.event_id for e in events}) == len(events)
    shown = {(i.request_id, item.product_id): item.position for i in result.impressions for item in i.items}
    requests = {i.request_id: i for i in result.impressions}
    assert len(requests) == len(result.impressions)
    assert list(result.impressions) == sorted(result.impressions, key=lambda i: (i.timestamp, i.request_id))
    assert set(shown) == set(result.truth)
    price = {p.product_id: p.price for p in small_products()}
    kinds: Counter[str] = Counter()
    for event in events:
        if event.request_id is None:
            assert event.position is None
            continue
        impression = requests[event.request_id]
        assert event.actor == impression.actor and event.session_id == impression.session_id
        if event.type == "search":
            assert impression.surface == "search" and event.query == impression.query
            assert event.shown == tuple(item.product_id for item in impression.items)
            assert event.timestamp == impression.timestamp
            continue
        kinds[event.type] += 1
        assert event.product_id is not None
        assert shown[(event.request_id, event.product_id)] == event.position
        assert event.timestamp > impression.timestamp
        if event.type == "purchase":
            assert event.price == price[event.product_id]
    assert kinds["click"] == kinds["view"] > kinds["add_to_cart"] > kinds["purchase"] > 10
    surfaces = Counter(i.surface for i in result.impressions)
    assert (
        surfaces["recommend"] > 0.2 * len(result.impressions) and surfaces["search"] > surfaces["recommend"]
    )


def test_labels_of_the_truth_are_the_events() -> None:
    result = small_run(11, n_shoppers=300)
    by_key: dict[tuple[str, str], dict[str, float]] = defaultdict(dict)
    for event in result.events:
        if event.request_id is not None and event.type != "search":
            by_key[(event.request_id, event.product_id)][event.type] = event.price or 0.0  # type: ignore[index]
    labeled = labeled_impressions(result)
    assert len(labeled) == len(result.truth)
    for item in labeled:
        seen = by_key.get((item.request_id, item.product_id), {})
        assert item.clicked == ("click" in seen) == ("view" in seen)
        assert item.carted == ("add_to_cart" in seen)
        assert item.converted == ("purchase" in seen)
        assert item.revenue == seen.get("purchase", 0.0)
        assert 0 < item.true_ctr < 1 and 0 <= item.true_cvr < 1  # type: ignore[operator]
    assert sum(i.converted for i in labeled) > 10


# ----- the truth is exact: what was drawn follows it ----------------------------------------------


def _z(observed: np.ndarray, p: np.ndarray) -> float:
    """Standardised difference of a count of independent Bernoulli draws from its expectation."""
    return float((observed.sum() - p.sum()) / math.sqrt(float((p * (1 - p)).sum())))


def test_click_rate_per_position_follows_true_ctr() -> None:
    """A chi-square over the 10 positions (about 9,700 responses); the same test rejects the
    truth with its position bias taken out, so it can tell."""
    labeled = labeled_impressions(big_run())
    by_position: dict[int, list[tuple[bool, float]]] = defaultdict(list)
    for item in labeled:
        by_position[item.position].append((item.clicked, item.true_ctr))  # type: ignore[arg-type]
    assert sorted(by_position) == list(range(10))
    clicks = {k: np.array([c for c, _ in v], dtype=float) for k, v in by_position.items()}
    truth = {k: np.array([p for _, p in v]) for k, v in by_position.items()}
    z = np.array([_z(clicks[k], truth[k]) for k in range(10)])
    assert np.abs(z).max() < 4.0, z
    assert float((z**2).sum()) < sps.chi2.ppf(0.999, 10)
    rates = [clicks[k].mean() for k in range(10)]
    assert rates[0] > 2.5 * rates[9] and rates[0] > rates[4] > rates[9]
    flat = np.concatenate([truth[k] for k in range(10)]).mean()  # no position bias: one mean rate
    z_flat = np.array([_z(clicks[k], np.full(clicks[k].size, flat)) for k in range(10)])
    assert float((z_flat**2).sum()) > 10 * sps.chi2.ppf(0.999, 10)


def test_conversion_after_a_click_follows_true_cvr() -> None:
    """Conversions of clicked items match the sum of their true_cvr, also within thirds of it;
    the cart probability alone (checkout left out) is rejected."""
    clicked = [i for i in labeled_impressions(big_run()) if i.clicked]
    converted = np.array([i.converted for i in clicked], dtype=float)
    cvr = np.array([i.true_cvr for i in clicked], dtype=float)
    assert converted.sum() > 200
    assert abs(_z(converted, cvr)) < 4.0
    order = np.argsort(cvr, kind="stable")
    for third in np.array_split(order, 3):
        assert abs(_z(converted[third], cvr[third])) < 4.0
    low, high = (converted[t].mean() for t in (order[: order.size // 3], order[-order.size // 3 :]))
    assert high > 3 * low
    cart_only = np.minimum(cvr / (0.45 * 0.88), 1.0)  # at least this much more than the truth
    assert _z(converted, cart_only) < -8.0


def test_the_good_ranker_converts_more_than_the_shuffled_one_on_the_same_shoppers() -> None:
    better, worse = big_run(), big_run(worse=True)
    assert [dataclasses.replace(s, session_ids=()) for s in better.shoppers] == [
        dataclasses.replace(s, session_ids=()) for s in worse.shoppers
    ]  # the same people: only the visits they make differ

    def expected(result: ClosedLoopResult) -> float:
        return sum(t.true_ctr * t.true_cvr for t in result.truth.values()) / len(result.impressions)

    def purchases(result: ClosedLoopResult) -> int:
        return sum(1 for e in result.events if e.type == "purchase")

    def attributed(result: ClosedLoopResult) -> int:
        return sum(1 for e in result.events if e.type == "purchase" and e.request_id is not None)

    assert expected(better) > 1.5 * expected(worse)
    assert attributed(better) > 1.5 * attributed(worse)
    assert purchases(better) > 1.1 * purchases(worse)
    ctr = [np.mean([t.clicked for t in r.truth.values()]) for r in (better, worse)]
    assert ctr[0] > 1.2 * ctr[1]


# ----- experiments --------------------------------------------------------------------------------


@dataclasses.dataclass
class Recording:
    """Serves with `ranker` and keeps every request."""

    ranker: ServingRanker
    requests: list[LoopRequest] = dataclasses.field(default_factory=list)

    def __call__(self, request: LoopRequest) -> Sequence[str]:
        self.requests.append(request)
        return self.ranker(request)


def _experiment(name: str, unit: str, surfaces: tuple[str, ...] = ()) -> Experiment:
    return Experiment(
        name=name,
        unit=unit,  # type: ignore[arg-type]
        salt=f"salt-{name}",
        surfaces=surfaces,
        variants=(
            Variant(name="control", share=0.5, settings={"ranker": "good"}),
            Variant(name="shuffled", share=0.5, settings={"ranker": "shuffled"}),
        ),
    )


def test_requests_are_exposed_and_run_under_their_variants() -> None:
    by_session, search_users = _experiment("rank", "session"), _experiment("users", "user", ("search",))
    log = MemoryExposureLog()
    experiments = Experiments(ExperimentRegistry([by_session, search_users]), log)
    base = good("small", 11)
    ranker = Recording(RankerBySetting({"good": base, "shuffled": ShuffledRanker(base)}, default="good"))
    result = simulate_closed_loop(
        small_products(), ClosedLoopSimulation(n_shoppers=150, seed=11), ranker, experiments
    )
    impressions = {i.request_id: i for i in result.impressions}
    exposures = {e.request_id: e for e in log.exposures("rank")}
    assert set(exposures) == set(impressions) and log.count("rank") == len(impressions)
    for request in ranker.requests:
        impression, exposure = impressions[request.request_id], exposures[request.request_id]
        variant = assign(by_session, request.session_id).variant
        assert impression.variants["rank"] == exposure.variant == variant
        assert exposure.unit_id == request.session_id and exposure.surface == request.surface
        assert exposure.timestamp == impression.timestamp == request.timestamp
        assert request.settings == by_session.variant(variant).settings  # the first experiment wins
        in_users = request.surface == "search" and request.user_id is not None
        assert ("users" in impression.variants) == in_users
    assert {e.request_id for e in log.exposures("users")} == {
        r.request_id for r in ranker.requests if r.surface == "search" and r.user_id is not None
    }
    shuffled = [r for r in ranker.requests if r.settings["ranker"] == "shuffled"]
    assert 0.3 < len(shuffled) / len(ranker.requests) < 0.7
    served = [tuple(item.product_id for item in impressions[r.request_id].items) for r in shuffled[:20]]
    assert served == [tuple(ShuffledRanker(base)(r)) for r in shuffled[:20]]
    report = experiments.report("rank", result.events)
    assert report.units == len({r.session_id for r in ranker.requests}) and not report.sample_ratio.mismatch


def test_recent_products_are_the_shoppers_own() -> None:
    ranker = Recording(good("small", 11))
    result = small_run(11, n_shoppers=100, ranker=ranker)
    viewed: dict[str, set[str]] = defaultdict(set)  # actor -> products viewed before
    by_request = {r.request_id: r for r in ranker.requests}
    for event in result.events:
        if event.type == "search" and event.request_id in by_request:
            assert set(by_request[event.request_id].recent) <= viewed[event.actor]
        if event.type == "view":
            viewed[event.actor].add(event.product_id)  # type: ignore[arg-type]
    assert any(r.recent for r in ranker.requests if r.surface == "recommend")
    anonymous = [r for r in ranker.requests if r.user_id is None]
    assert anonymous and all(len(r.recent) <= 20 for r in ranker.requests)


# ----- a ranker's bad answers ---------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Answer:
    answer: object

    def __call__(self, request: LoopRequest) -> Sequence[str]:
        return self.answer  # type: ignore[return-value]


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        (["no-such-product"], "unknown product id 'no-such-product' at position 0"),
        (["SW-000001"] * 2, "'SW-000001' shown twice"),
        ([f"SW-{i:06d}" for i in range(1, 12)], "11 products returned for a page of 10"),
        ("SW-000001", "must return a sequence of product ids, got str"),
        (None, "got NoneType"),
    ],
)
def test_bad_ranker_output_is_an_error_naming_it(answer: object, message: str) -> None:
    assert "SW-000011" in {p.product_id for p in small_products()}
    with pytest.raises(RankerOutputError, match=message) as caught:
        small_run(3, n_shoppers=5, ranker=Answer(answer))
    assert "request loop-req-3-" in str(caught.value)


def test_an_empty_page_is_allowed_and_unknown_ranker_settings_are_errors() -> None:
    result = small_run(3, n_shoppers=20, ranker=Answer([]))
    assert result.impressions and not result.truth
    assert all(e.request_id is None or e.type == "search" for e in result.events)
    with pytest.raises(ValueError, match="default ranker 'b' is not one of"):
        RankerBySetting({"a": Answer([])}, default="b")
    by_name = RankerBySetting({"a": Answer([])}, default="a")
    request = LoopRequest("search", "r1", result.start, "s1", 10, settings={"ranker": "zz"})
    with pytest.raises(ValueError, match="request r1: setting ranker='zz' names no ranker"):
        by_name(request)


# ----- the reference rankers ----------------------------------------------------------------------


def test_text_match_ranker_reads_the_query_and_the_history() -> None:
    ranker = good("demo", 7)
    catalog = ranker.catalog
    index = {p: i for i, p in enumerate(catalog.ids)}
    brand = next(i for i, b in enumerate(catalog.brands) if len(b.split()) == 1)
    reading = ranker.read(f"{catalog.brands[brand].lower()} navy blue shirts under 50")
    assert (reading.brand, reading.colour, reading.max_price, reading.words) == (
        brand,
        "navy blue",
        50.0,
        ["shirts"],
    )
    top = ranker.search("laptops", 10)
    assert len(top) == 10 and all(
        catalog.categories[catalog.category[index[p]]].endswith("> Laptops") for p in top
    )
    viewed = [p for p in catalog.ids if catalog.categories[catalog.category[index[p]]].endswith("Dog Toys")][
        :3
    ]
    feed = ranker.feed(viewed, 10)
    assert not set(feed) & set(viewed)
    assert all(catalog.categories[catalog.category[index[p]]].endswith("Dog Toys") for p in feed[:5])
    request = LoopRequest("search", "r-1", BIG.window()[0], "s", 10, query="laptops")
    shuffled = ShuffledRanker(ranker, depth=30)
    assert shuffled(request) == shuffled(request) != list(top)
    assert set(shuffled(request)) <= set(ranker.search("laptops", 30))


# ----- a real shop in the loop --------------------------------------------------------------------


def test_a_real_shop_serves_the_loop(tmp_path: Path) -> None:
    from shelfwise.config import EncoderConfig, Settings
    from shelfwise.recommend import ChannelsConfig, RecommenderTrainingConfig
    from shelfwise.records import SearchRequest
    from shelfwise.service import Shelfwise

    products = tuple(generate_demo_catalog(200, seed=3))
    config = ClosedLoopSimulation(n_shoppers=30, days=14, seed=5)
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    try:
        shop.upsert_products(products)
        shop.open_index()
        fallback = TextMatchRanker(shop_catalog(products, config))
        ranker = Recording(ShelfwiseRanker(shop, fallback=fallback))
        first = simulate_closed_loop(products, config, ranker)
        shown = {i.request_id: [item.product_id for item in i.items] for i in first.impressions}
        searches = [r for r in ranker.requests if r.surface == "search"]
        feeds = [r for r in ranker.requests if r.surface == "recommend"]
        assert searches and feeds and any(shown[r.request_id] for r in searches)
        for request in searches[:10]:
            direct = shop.search(SearchRequest(query=request.query or "", page_size=10, facets=()))
            assert shown[request.request_id] == [hit.product.product_id for hit in direct.hits]
        assert all(shown[r.request_id] == list(fallback(r)) for r in feeds)  # no recommender yet
        with pytest.raises(LookupError, match="no recommender trained"):
            simulate_closed_loop(products, config, ShelfwiseRanker(shop))
        shop.record_events(list(first.events))
        shop.train_recommender(
            RecommenderTrainingConfig(channels=ChannelsConfig(enabled=("cooccurrence", "popularity")))
        )
        ranker = Recording(ShelfwiseRanker(shop))
        second = simulate_closed_loop(products, config, ranker)
        served = {i.request_id: [item.product_id for item in i.items] for i in second.impressions}
        for request in [r for r in ranker.requests if r.surface == "recommend"][:10]:
            feed = shop.recommend(request.actor, items=request.recent, k=10)
            assert served[request.request_id] == [item.product_id for item in feed]
        assert any(served[r.request_id] for r in ranker.requests if r.surface == "recommend")
    finally:
        shop.close()

"""The shopper simulator: deterministic, valid events, realistic funnels and a recoverable truth."""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from scipy import sparse

from shelfwise.demo import generate_demo_catalog
from shelfwise.records import Event, Product
from shelfwise.simulate import ShopperSimulation, SimulatedHistory, simulate_shoppers, write_events_jsonl


@cache
def demo_products() -> tuple[Product, ...]:
    return tuple(generate_demo_catalog())


@cache
def history() -> SimulatedHistory:
    """The reference run: 2,000 shoppers over the 6,000-product demo catalog, seed 7."""
    return simulate_shoppers(demo_products(), ShopperSimulation(n_shoppers=2000, seed=7))


@cache
def categories() -> dict[str, str]:
    return {p.product_id: p.category_path for p in demo_products()}


def jsonl_digest(events: tuple[Event, ...]) -> str:
    return hashlib.sha256("".join(e.model_dump_json() + "\n" for e in events).encode()).hexdigest()


def small_run(seed: int) -> SimulatedHistory:
    return simulate_shoppers(generate_demo_catalog(600, seed=3), ShopperSimulation(n_shoppers=150, seed=seed))


def purchases_by_shopper(h: SimulatedHistory) -> dict[str, list[Event]]:
    by_actor = h.shopper_by_actor()
    out: dict[str, list[Event]] = defaultdict(list)
    for event in h.events:
        if event.type == "purchase":
            out[by_actor[event.actor].shopper_id].append(event)
    return out


# ----- determinism and validity -----------------------------------------------------------------


def test_same_seed_same_bytes_other_seed_other_events(tmp_path: Path) -> None:
    first, again, other = small_run(11), small_run(11), small_run(12)
    assert write_events_jsonl(first.events, tmp_path / "a.jsonl") == len(first.events) > 500
    write_events_jsonl(again.events, tmp_path / "b.jsonl")
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert first.shoppers == again.shoppers
    assert jsonl_digest(first.events) != jsonl_digest(other.events)


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "import hashlib\n"
        "from shelfwise.demo import generate_demo_catalog\n"
        "from shelfwise.simulate import ShopperSimulation, simulate_shoppers\n"
        "products = generate_demo_catalog(600, seed=3)\n"
        "h = simulate_shoppers(products, ShopperSimulation(n_shoppers=150, seed=11))\n"
        "print(hashlib.sha256(''.join(e.model_dump_json() + '\\n' for e in h.events).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == jsonl_digest(small_run(11).events)


def test_window_comes_from_the_seed_not_the_clock() -> None:
    start, end = ShopperSimulation(seed=7, days=60).window()
    assert end == datetime(2025, 1, 8, tzinfo=UTC) and end - start == timedelta(days=60)
    assert ShopperSimulation(seed=8).window()[1] == end + timedelta(days=1)
    naive = ShopperSimulation(end=datetime(2024, 6, 1), days=10).window()
    assert naive == (datetime(2024, 5, 22, tzinfo=UTC), datetime(2024, 6, 1, tzinfo=UTC))


def test_every_event_is_valid_in_time_and_names_real_products() -> None:
    h, known = history(), set(categories())
    assert len(h.events) > 20_000
    assert len({e.event_id for e in h.events}) == len(h.events)
    stamps = [e.timestamp for e in h.events]
    assert stamps == sorted(stamps)
    assert h.start <= stamps[0] and stamps[-1] < h.end
    for event in h.events:
        assert Event.model_validate_json(event.model_dump_json()) == event
        if event.type == "search":
            assert event.query and event.product_id is None and 1 <= len(event.shown) <= 10
            assert set(event.shown) <= known and len(set(event.shown)) == len(event.shown)
        else:
            assert event.product_id in known
            assert (event.price is not None) == (event.type != "rating")
        assert (event.rating is not None) == (event.type == "rating")


def test_sessions_belong_to_one_shopper_and_move_forward_in_time() -> None:
    sessions: dict[str, list[Event]] = defaultdict(list)
    for event in history().events:
        assert event.session_id is not None
        sessions[event.session_id].append(event)
    assert len(sessions) > 8000
    for events in sessions.values():
        assert len({e.actor for e in events}) == 1
        times = [e.timestamp for e in events]
        assert all(a < b for a, b in zip(times, times[1:], strict=False))
        assert events[-1].timestamp - events[0].timestamp < timedelta(hours=6)


def test_request_ids_and_positions_point_at_the_search_that_showed_the_product() -> None:
    searches = {e.event_id: e for e in history().events if e.type == "search"}
    followed: Counter[str] = Counter()
    for event in history().events:
        if event.type == "click":
            assert event.request_id in searches and event.position is not None
        if event.request_id is None:
            continue
        search = searches[event.request_id]
        assert search.session_id == event.session_id and search.timestamp < event.timestamp
        assert event.product_id in search.shown
        if event.position is not None:
            assert search.shown[event.position] == event.product_id
        followed[event.type] += 1
    assert followed["view"] >= followed["click"] > 0
    assert followed["add_to_cart"] > 0 and followed["purchase"] > 0


# ----- realism -----------------------------------------------------------------------------------


def test_funnel_rates_are_plausible() -> None:
    counts = Counter(e.type for e in history().events)
    assert counts["view"] > counts["add_to_cart"] > counts["purchase"] > counts["rating"] > 0
    assert 0.05 <= counts["add_to_cart"] / counts["view"] <= 0.15
    assert 0.30 <= counts["purchase"] / counts["add_to_cart"] <= 0.60
    assert 0.4 <= counts["click"] / counts["search"] <= 1.5


def test_every_purchase_was_carted_first_in_the_same_session() -> None:
    carted: set[tuple[str | None, str | None]] = set()
    for event in history().events:
        if event.type == "add_to_cart":
            carted.add((event.session_id, event.product_id))
        elif event.type == "purchase":
            assert (event.session_id, event.product_id) in carted


def test_search_clicks_show_position_bias() -> None:
    events = history().events
    searches = sum(e.type == "search" for e in events)
    clicks = Counter(e.position for e in events if e.type == "click")
    ctr = [clicks[p] / searches for p in range(10)]
    assert ctr[0] > ctr[1] > ctr[2] > ctr[4] > ctr[9] > 0
    assert ctr[0] > 4 * ctr[9]


def test_purchases_concentrate_on_each_shoppers_favourite_categories() -> None:
    h, category = history(), categories()
    truth = {s.shopper_id: s for s in h.shoppers}
    in_favourites = total = 0
    majority = concentrated = 0
    for shopper_id, events in purchases_by_shopper(h).items():
        favourites = set(truth[shopper_id].favourite_categories)
        hits = sum(category[str(e.product_id)] in favourites for e in events)
        in_favourites, total = in_favourites + hits, total + len(events)
        if len(events) >= 3:
            majority, concentrated = majority + 1, concentrated + (hits > len(events) / 2)
    chance = np.mean([len(s.favourite_categories) for s in h.shoppers]) / len(set(category.values()))
    assert total > 800
    assert in_favourites / total > 0.75 > 10 * chance
    assert concentrated / majority > 0.9


def test_purchases_lean_to_favourite_brands_and_the_price_band() -> None:
    h, products = history(), {p.product_id: p for p in demo_products()}
    truth = {s.shopper_id: s for s in h.shoppers}
    members: dict[str, list[Product]] = defaultdict(list)
    for product in demo_products():
        members[product.category_path].append(product)
    brand_hits = brand_chance = band_hits = band_chance = n = 0.0
    for shopper_id, events in purchases_by_shopper(h).items():
        shopper = truth[shopper_id]
        lo, hi = shopper.price_band
        for event in events:
            product = products[str(event.product_id)]
            peers = sorted(p.price or 0.0 for p in members[product.category_path])
            quantile = peers.index(product.price or 0.0) / (len(peers) - 1)
            band_hits += lo - 0.05 <= quantile <= hi + 0.05
            band_chance += min(1.0, hi - lo + 0.1)
            brand_hits += product.brand in shopper.favourite_brands
            peer_brands = [p.brand for p in members[product.category_path]]
            brand_chance += sum(b in shopper.favourite_brands for b in peer_brands) / len(peer_brands)
            n += 1
    assert brand_hits / n > 1.8 * brand_chance / n
    assert band_hits / n > 1.2 * band_chance / n


def test_a_few_products_are_bestsellers() -> None:
    sold = Counter(e.product_id for e in history().events if e.type == "purchase")
    top = sorted(sold.values(), reverse=True)
    assert sum(top[: len(demo_products()) // 100]) / sum(top) > 0.15  # top 1% of the catalog


def test_signed_in_and_anonymous_shoppers() -> None:
    h = history()
    share = np.mean([s.user_id is not None for s in h.shoppers])
    assert abs(share - 0.6) < 0.05
    by_actor = h.shopper_by_actor()
    sessions_of: dict[str, set[str]] = defaultdict(set)
    for event in h.events:
        shopper = by_actor[event.actor]
        assert event.user_id == shopper.user_id and event.session_id in shopper.session_ids
        sessions_of[shopper.shopper_id].add(str(event.session_id))
        if event.type == "rating":
            assert event.user_id is not None
    anonymous = [s for s in h.shoppers if s.user_id is None]
    assert anonymous and all(len(s.actors) == len(s.session_ids) for s in anonymous)
    assert max(len(sessions_of[s.shopper_id]) for s in anonymous) > 1  # several visits, unlinked ids
    per_signed_in = np.mean([len(sessions_of[s.shopper_id]) for s in h.shoppers if s.user_id])
    assert per_signed_in > np.mean([len(sessions_of[s.shopper_id]) for s in anonymous])


def test_complements_are_bought_next_more_often_than_chance() -> None:
    h, category = history(), categories()
    pairs: dict[str, set[str]] = defaultdict(set)
    for first, second in h.complements:
        pairs[first].add(second)
    assert len(h.complements) >= 20
    followed = after = 0
    for events in purchases_by_shopper(h).values():
        for before, nxt in zip(events, events[1:], strict=False):
            first = category[str(before.product_id)]
            if first in pairs and before.session_id != nxt.session_id:
                after += 1
                followed += category[str(nxt.product_id)] in pairs[first]
    bought = Counter(category[str(e.product_id)] for e in h.events if e.type == "purchase")
    chance = float(np.mean([bought[b] for _, b in h.complements])) / sum(bought.values())
    assert after >= 30
    assert followed / after > max(0.2, 5 * chance)


def test_shoppers_come_back_to_products_seen_before() -> None:
    first_session: dict[tuple[str, str | None], str | None] = {}
    returns = views = 0
    for event in history().events:
        if event.type == "view":
            views += 1
            key = (event.actor, event.product_id)
            returns += key in first_session and first_session[key] != event.session_id
            first_session.setdefault(key, event.session_id)
    assert 0.05 < returns / views < 0.4


def test_ratings_are_mostly_good_and_follow_the_shoppers_taste() -> None:
    ratings = [e for e in history().events if e.type == "rating"]
    assert len(ratings) > 100 and all(e.user_id is not None for e in ratings)
    assert 3.9 < np.mean([e.rating for e in ratings]) < 4.6
    # everyone signed in and rating every purchase: enough ratings to see what drives them
    products = generate_demo_catalog(1500, seed=3)
    by_id = {p.product_id: p for p in products}
    h = simulate_shoppers(
        products, ShopperSimulation(n_shoppers=600, seed=2, share_signed_in=1.0, rating_rate=1.0)
    )
    by_actor = h.shopper_by_actor()
    ratings = [e for e in h.events if e.type == "rating"]
    stars = Counter(e.rating for e in ratings)
    assert len(ratings) > 250 and stars[5.0] > stars[4.0] > stars[3.0] > stars[2.0] > 0 and stars[1.0] > 0
    liked = [by_id[str(e.product_id)].brand in by_actor[e.actor].favourite_brands for e in ratings]
    given = np.array([e.rating for e in ratings])
    assert given[liked].mean() > given[~np.array(liked)].mean() + 0.2
    catalog_rating = np.array([by_id[str(e.product_id)].rating or 4.2 for e in ratings])
    assert np.corrcoef(catalog_rating, given)[0, 1] > 0.2


def test_queries_read_like_shoppers_queries() -> None:
    products = demo_products()
    vocabulary = {
        w
        for p in products
        for w in re.findall(r"[a-z0-9']+", f"{p.title} {p.brand} {p.category_path}".lower())
    }
    vocabulary |= {
        w for p in products for v in p.attributes.values() for w in re.findall(r"[a-z0-9']+", v.lower())
    }
    vocabulary |= {"and", "under", "cheap", "premium"}
    queries = [str(e.query) for e in history().events if e.type == "search"]
    assert all(q == q.lower() and 1 <= len(q.split()) <= 10 for q in queries)
    misspelled = np.mean([any(w not in vocabulary for w in re.findall(r"[a-z0-9']+", q)) for q in queries])
    assert 0.01 < misspelled < 0.12
    assert 0.03 < np.mean([" under " in f" {q} " for q in queries]) < 0.2
    assert len(set(queries)) > len(queries) / 4
    top = Counter(queries).most_common(1)[0][1]
    assert top < len(queries) / 20


def hit(wanted: set[int], scores: np.ndarray, k: int = 20) -> bool:
    return bool(wanted & set(np.argsort(-scores, kind="stable")[:k].tolist()))


def test_a_recommender_trained_on_the_events_recovers_the_truth() -> None:
    """Item-to-item co-occurrence over the first 45 days: its picks land in each shopper's latent
    favourite categories, and it predicts the last 15 days' purchases far better than popularity,
    both among everything not bought yet and among products the shopper never saw."""
    h, products = history(), demo_products()
    column = {p.product_id: i for i, p in enumerate(products)}
    category = [p.category_path for p in products]
    row = {s.shopper_id: i for i, s in enumerate(h.shoppers)}
    by_actor, split = h.shopper_by_actor(), h.end - timedelta(days=15)
    weight = {"view": 1.0, "add_to_cart": 3.0, "purchase": 5.0}
    cells: dict[tuple[int, int], float] = defaultdict(float)
    bought: dict[int, list[int]] = defaultdict(list)
    later: dict[int, set[int]] = defaultdict(set)
    for event in h.events:
        if event.product_id is None:
            continue
        user, item = row[by_actor[event.actor].shopper_id], column[event.product_id]
        if event.timestamp < split:
            cells[user, item] += weight.get(event.type, 0.0)
            if event.type == "purchase":
                bought[user].append(item)
        elif event.type == "purchase":
            later[user].add(item)
    keys = [k for k, v in cells.items() if v > 0]
    matrix = sparse.csr_matrix(
        (np.log1p([cells[k] for k in keys]), ([k[0] for k in keys], [k[1] for k in keys])),
        shape=(len(row), len(products)),
    )
    normalized = matrix @ sparse.diags(1 / (np.sqrt(np.asarray(matrix.power(2).sum(axis=0)).ravel()) + 1e-9))
    similar = (normalized.T @ normalized).tocsr()
    similar.setdiag(0)
    users = [u for u in range(len(row)) if matrix[u].nnz]
    scores = (matrix[users] @ similar).toarray()
    popularity = np.asarray((matrix > 0).sum(axis=0)).ravel().astype(float)
    in_favourites = picks = tested = hits = popular_hits = new_hits = new_popular_hits = 0
    for i, user in enumerate(users):
        seen = matrix[user].indices
        unseen = scores[i].copy()
        unseen[seen] = -1.0
        top = np.argsort(-unseen, kind="stable")[:20]
        favourites = set(h.shoppers[user].favourite_categories)
        in_favourites, picks = in_favourites + sum(category[j] in favourites for j in top), picks + len(top)
        if user not in later:
            continue
        unbought, baseline = scores[i].copy(), popularity.copy()
        unbought[bought[user]] = baseline[bought[user]] = -1.0
        tested += 1
        hits += hit(later[user], unbought)
        popular_hits += hit(later[user], baseline)
        baseline[seen] = -1.0
        new_hits += hit(later[user], unseen)
        new_popular_hits += hit(later[user], baseline)
    assert in_favourites / picks > 0.5  # chance: about 0.04
    assert tested > 150 and hits / tested > max(0.25, 2.5 * popular_hits / tested)
    assert new_hits / tested > max(0.05, 2 * new_popular_hits / tested)


def test_truth_is_complete_and_consistent() -> None:
    h = history()
    assert len(h.shoppers) == 2000 and len({s.shopper_id for s in h.shoppers}) == 2000
    known_categories = set(categories().values())
    brands = {p.brand for p in demo_products()}
    for shopper in h.shoppers:
        assert 2 <= len(shopper.favourite_categories) <= 5
        assert set(shopper.favourite_categories) <= known_categories
        assert abs(sum(shopper.category_weights) - 1) < 1e-9
        assert list(shopper.category_weights) == sorted(shopper.category_weights, reverse=True)
        assert set(shopper.favourite_brands) <= brands and shopper.favourite_brands
        lo, hi = shopper.price_band
        assert 0 <= lo < hi <= 1
        assert len(shopper.price_ranges) == len(shopper.favourite_categories)
        assert all(r is not None and r[0] <= r[1] for r in shopper.price_ranges)
        assert shopper.session_ids and shopper.expected_sessions > 0
    assert len({s.persona for s in h.shoppers}) == 12


# ----- other catalogs and the file --------------------------------------------------------------


def test_plain_catalogs_without_attributes_or_prices_work() -> None:
    products = [
        Product(
            product_id=f"P{i}",
            title=f"Thing number {i}",
            category=("Stuff", "Things" if i % 2 else "Gadgets"),
            price=None if i % 5 == 0 else 10.0 + i,
            rating=None if i % 3 == 0 else 4.0,
        )
        for i in range(40)
    ] + [Product(product_id="bare", title="A bare product")]
    h = simulate_shoppers(products, ShopperSimulation(n_shoppers=50, seed=1, complements=()))
    assert h.events and h.complements == ()
    ids = {p.product_id for p in products}
    assert all(e.product_id in ids or e.type == "search" for e in h.events)
    assert all(e.price is None for e in h.events if e.product_id in {"P0", "P5", "P10"})
    with pytest.raises(ValueError, match="at least one product"):
        simulate_shoppers([], ShopperSimulation(n_shoppers=1))


def test_write_events_jsonl_round_trips_and_replaces_whole(tmp_path: Path) -> None:
    events = small_run(5).events[:300]
    path = tmp_path / "deep" / "events.jsonl"
    path.parent.mkdir()
    path.write_text("old content\n")
    assert write_events_jsonl(events, path) == 300
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [Event.model_validate_json(line) for line in lines] == list(events)
    assert os.listdir(path.parent) == ["events.jsonl"]
    assert write_events_jsonl(iter(()), tmp_path / "empty.jsonl") == 0
    assert (tmp_path / "empty.jsonl").read_text() == ""

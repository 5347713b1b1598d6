"""Shopper profiles on a tiny handmade catalog: decay, category levels, price bands per category,
features and reasons with answers worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from pydantic import ValidationError

from shelfwise.personalize import (
    FEATURE_NAMES,
    ProfileCatalog,
    ProfileConfig,
    Profiles,
    VectorTable,
    build_profiles,
    category_levels,
)
from shelfwise.records import Event, Product

T0 = datetime(2025, 3, 1, tzinfo=UTC)
CONFIG = ProfileConfig(half_life_days=10.0, smoothing=5.0, reason_min_weight=8.0)
COFFEE = ("Home", "Kitchen", "Coffee Makers")
P_BREWCO = 2 / 9  # Brewco's base rate: 2 of the 9 branded products


def product(pid: str, category: tuple[str, ...], brand: str, price: float | None) -> Product:
    return Product(product_id=pid, title=f"product {pid}", category=category, brand=brand, price=price)


def catalog_products() -> list[Product]:
    """Coffee makers 20..100 (five: their own bands), two lamps (too few: Home's bands), five
    books 5..25 (their own bands), a kettle, and an unpriced, uncategorised gadget."""
    brands = ["Brewco", "Brewco", "Steamly", "Steamly", "Other"]
    out = [product(f"K{i + 1}", COFFEE, brands[i], 20.0 * (i + 1)) for i in range(5)]
    out += [product("L1", ("Home", "Living", "Lamps"), "Lumo", 200.0)]
    out += [product("L2", ("Home", "Living", "Lamps"), "Lumo", 300.0)]
    out += [product(f"B{i + 1}", ("Books", "Fiction"), "", 5.0 * (i + 1)) for i in range(5)]
    out += [product("KT1", ("Home", "Kitchen", "Kettles"), "Steamly", 30.0)]
    out += [product("X1", (), "Misc", None)]
    return out


def vectors() -> VectorTable:
    ids = ["K1", "K2", "L1", "L2"]
    return VectorTable(ids, np.array([[2.0, 0, 0], [1, 0, 0], [0, 3, 0], [0, 1, 1]], dtype=np.float32))


def event(n: int, kind: str, pid: str, day: float, user: str = "u1", **extra: object) -> Event:
    return Event(
        event_id=f"e{n}", type=kind, user_id=user, product_id=pid,  # type: ignore[arg-type]
        timestamp=T0 + timedelta(days=day), **extra,  # type: ignore[arg-type]
    )  # fmt: skip


def two_event_profiles() -> Profiles:
    """u1 bought K1 on day 0 and viewed L1 on day 10; as of day 10 (half-life 10 days) K1 weighs
    5 * 0.5 = 2.5 and L1 weighs 1: 3.5 in all."""
    search = Event(event_id="e3", type="search", user_id="u1", query="kettle", shown=("KT1",), timestamp=T0)
    events = [event(1, "purchase", "K1", 0), event(2, "view", "L1", 10), search]
    return build_profiles(events, catalog_products(), vectors(), CONFIG)


def test_config_is_frozen_and_checked() -> None:
    with pytest.raises(ValidationError):
        ProfileConfig(event_weights={"search": 1.0})
    with pytest.raises(ValidationError):
        ProfileConfig(event_weights={"view": -1.0})
    with pytest.raises(ValidationError):
        setattr(CONFIG, "smoothing", 1.0)  # noqa: B010 - assigning to a frozen model must fail
    assert ProfileConfig().rating_weight(4) == 3.0
    assert ProfileConfig().rating_weight(4.5) == 4.0
    assert ProfileConfig().rating_weight(1) == 0.0


def test_category_levels() -> None:
    assert category_levels(COFFEE) == ["Home", "Home > Kitchen", "Home > Kitchen > Coffee Makers"]
    assert category_levels(()) == []


def test_price_bands_are_quantiles_within_each_category() -> None:
    catalog = ProfileCatalog.from_products(catalog_products(), CONFIG)
    band = {pid: int(catalog.product_band[catalog.index[pid]]) for pid in catalog.product_ids}
    assert catalog.band_edges["Home > Kitchen > Coffee Makers"] == pytest.approx((36, 52, 68, 84))
    assert [band[f"K{i}"] for i in range(1, 6)] == [0, 1, 2, 3, 4]
    assert [band[f"B{i}"] for i in range(1, 6)] == [0, 1, 2, 3, 4]
    # the same 20.00 is the cheapest coffee maker and the dearest book but one
    assert (band["K1"], band["B4"]) == (0, 3)
    # lamps and the lone kettle are too few for their own edges: Home's (34, 56, 84, 160) place them
    assert catalog.band_edges["Home"] == pytest.approx((34, 56, 84, 160))
    assert (band["L1"], band["L2"], band["KT1"]) == (4, 4, 0)
    assert band["X1"] == -1


def test_decay_and_category_levels_by_hand() -> None:
    profiles = two_event_profiles()
    profile = profiles.profile("user:u1")
    assert profile.n_events == 2  # the search names no single product: left out
    assert profile.last_event == T0 + timedelta(days=10)
    assert profile.weight == pytest.approx(3.5)
    categories = {a.key: a for a in profile.categories}
    assert categories["Home"].share == pytest.approx(1.0)
    assert categories["Home"].weight == pytest.approx(3.5)
    assert categories["Home > Kitchen"].share == pytest.approx(2.5 / 3.5)
    assert categories["Home > Kitchen > Coffee Makers"].share == pytest.approx(2.5 / 3.5)
    assert categories["Home > Living > Lamps"].share == pytest.approx(1 / 3.5)
    brands = {a.key: a for a in profile.brands}
    assert brands["Brewco"].share == pytest.approx(2.5 / 3.5)
    # smoothed lift: (2.5 + 5 p0) / (3.5 + 5) / p0 with p0 = 2 of the 9 branded products
    assert brands["Brewco"].lift == pytest.approx((2.5 + 5 * P_BREWCO) / 8.5 / P_BREWCO)
    assert sum(a.share for a in profile.price_bands) == pytest.approx(1.0)
    shares = [a.share for a in profile.price_bands]
    assert shares == pytest.approx([2.5 / 3.5, 0, 0, 0, 1 / 3.5])  # K1 the cheapest, L1 the dearest
    later = profiles.profile("user:u1", at=T0 + timedelta(days=20))
    assert later.weight == pytest.approx(1.75)
    assert {a.key: a.share for a in later.brands} == pytest.approx({a.key: a.share for a in profile.brands})


def test_ratings_weigh_by_stars() -> None:
    events = [event(1, "rating", "K1", 0, rating=4.0), event(2, "rating", "L1", 0, rating=1.0)]
    profile = build_profiles(events, catalog_products(), config=CONFIG).profile("user:u1")
    assert profile.n_events == 1  # a one-star rating weighs nothing
    assert profile.weight == pytest.approx(3.0)


def test_embedding_is_the_decayed_weighted_mean_of_unit_vectors() -> None:
    profile = two_event_profiles().profile("user:u1")
    assert profile.embedding is not None
    np.testing.assert_allclose(profile.embedding, np.array([2.5, 1.0, 0]) / math.sqrt(7.25), rtol=1e-6)
    no_vectors = build_profiles([event(1, "view", "K1", 0)], catalog_products(), config=CONFIG)
    assert no_vectors.profile("user:u1").embedding is None


def test_features_by_hand() -> None:
    profiles = two_event_profiles()
    rows = profiles.features("user:u1", ["K2", "L2", "B1", "K1", "nope"])
    assert rows.shape == (5, len(FEATURE_NAMES))
    x = {name: rows[:, i] for i, name in enumerate(FEATURE_NAMES)}
    np.testing.assert_allclose(x["category_affinity"], [2.5 / 3.5, 1 / 3.5, 0, 2.5 / 3.5, 0])
    np.testing.assert_allclose(x["category_depth"], [1, 1, 0, 1, 0])
    books = 5 / 13  # Books holds 5 of the 13 categorised products
    assert x["category_lift"][2] == pytest.approx(math.log(5 * books / 8.5 / books))
    np.testing.assert_allclose(x["brand_affinity"], [2.5 / 3.5, 1 / 3.5, 0, 2.5 / 3.5, 0])
    assert x["brand_lift"][0] == pytest.approx(math.log((2.5 + 5 * P_BREWCO) / 8.5 / P_BREWCO))
    # bands compare across kinds of product: the cheapest book is as cheap as K1 was for a coffee maker
    np.testing.assert_allclose(x["price_band_affinity"], [0, 1 / 3.5, 2.5 / 3.5, 2.5 / 3.5, 0])
    cosine_k2 = 2.5 / math.sqrt(7.25)
    cosine_l2 = 1 / math.sqrt(7.25) / math.sqrt(2)
    np.testing.assert_allclose(x["embedding_cosine"], [cosine_k2, cosine_l2, 0, cosine_k2, 0], rtol=1e-6)
    np.testing.assert_allclose(x["log_events"], math.log(3))
    np.testing.assert_allclose(x["log_weight"], math.log(4.5))
    np.testing.assert_allclose(x["profile_empty"], 0)
    assert np.all(rows[4, :7] == 0)  # an unknown product matches nothing


def test_features_accept_products_and_place_new_ones_by_their_fields() -> None:
    profiles = two_event_profiles()
    products = {p.product_id: p for p in catalog_products()}
    by_id = profiles.features("user:u1", ["K2", "L2"])
    np.testing.assert_allclose(profiles.features("user:u1", [products["K2"], products["L2"]]), by_id)
    newcomer = product("K9", COFFEE, "Brewco", 19.0)  # not in the catalog: no vector, cheapest band
    row = profiles.features("user:u1", [newcomer])[0]
    x = dict(zip(FEATURE_NAMES, row, strict=True))
    assert x["category_affinity"] == pytest.approx(2.5 / 3.5)
    assert x["brand_affinity"] == pytest.approx(2.5 / 3.5)
    assert x["price_band_affinity"] == pytest.approx(2.5 / 3.5)
    assert x["embedding_cosine"] == 0


def test_unknown_actor_gets_zeros_and_the_empty_flag() -> None:
    profiles = two_event_profiles()
    rows = profiles.features("user:nobody", ["K1", "L1"])
    expected = np.zeros((2, len(FEATURE_NAMES)))
    expected[:, FEATURE_NAMES.index("profile_empty")] = 1
    np.testing.assert_array_equal(rows, expected)
    assert profiles.profile("user:nobody").is_empty
    assert profiles.reasons("user:nobody", "K1") == []
    assert "user:nobody" not in profiles and "user:u1" in profiles


def strong_shopper(config: ProfileConfig = CONFIG) -> Profiles:
    """Bought K1 twice and K2 once today (weights 10 and 5) and viewed L1 (1): 16 in all."""
    events = [
        event(1, "purchase", "K1", 30), event(2, "purchase", "K1", 30), event(3, "purchase", "K2", 30),
        event(4, "view", "L1", 30), event(5, "view", "K1", 0, user="u2"),
    ]  # fmt: skip
    return build_profiles(events, catalog_products(), vectors(), config)


def test_reasons_when_the_evidence_is_strong() -> None:
    profiles = strong_shopper()
    reasons = profiles.reasons("user:u1", "K1")
    kinds = [r.kind for r in reasons]
    assert set(kinds) == {"brand", "category", "price_band", "similar_taste"}
    assert [r.strength for r in reasons] == sorted((r.strength for r in reasons), reverse=True)
    text = {r.kind: r.text for r in reasons}
    assert text["brand"] == "you often buy Brewco"
    assert text["category"] == "you often shop Home > Kitchen > Coffee Makers"
    assert text["price_band"] == "in your usual price range for Coffee Makers"
    assert text["similar_taste"] == "similar to products you liked"
    brand = next(r for r in reasons if r.kind == "brand")
    assert brand.strength == pytest.approx((15 + 5 * P_BREWCO) / 21)
    # K2's band (1) holds 5 of 16: share 0.3125 passes, weight 5 does not reach 8
    assert "price_band" not in {r.kind for r in profiles.reasons("user:u1", "K2")}
    # a kettle: no weight on Kettles, so the reason is the level above
    kettle = {r.kind: r.text for r in profiles.reasons("user:u1", "KT1")}
    assert kettle["category"] == "you often shop Home > Kitchen"
    assert "brand" not in kettle  # Steamly: never shopped


def test_reasons_respect_the_thresholds() -> None:
    assert strong_shopper().reasons("user:u2", "K1") == []  # one view is no habit
    no_lamps = {r.kind for r in strong_shopper().reasons("user:u1", "L2")}
    assert "brand" not in no_lamps and "category" not in no_lamps  # 1 of 16
    strict = strong_shopper(CONFIG.model_copy(update={"reason_min_share": 0.95}))
    # only Home holds 16/16, and its smoothed lift (16 + 5 * 8/13) / 21 / (8/13) = 1.48 is under 1.5
    assert {r.kind for r in strict.reasons("user:u1", "K1")} == {"similar_taste"}
    heavy = strong_shopper(CONFIG.model_copy(update={"reason_min_weight": 100.0}))
    assert heavy.reasons("user:u1", "K1") == []


def test_summary_is_json_friendly() -> None:
    import json

    summary = strong_shopper().profile("user:u1").summary(top=2)
    json.dumps(summary)
    assert [c["key"] for c in summary["categories"]] == [
        f"Home > Kitchen > {COFFEE[2]}",
        "Home > Living > Lamps",
    ]
    home_lift = (16 + 5 * 8 / 13) / 21 / (8 / 13)
    assert summary["departments"][0] == {
        "key": "Home",
        "share": 1.0,
        "weight": 16.0,
        "lift": round(home_lift, 3),
    }
    assert summary["brands"][0]["key"] == "Brewco"
    assert summary["brands"][0]["share"] == pytest.approx(15 / 16, abs=1e-4)
    assert summary["price_bands"][0]["band"] == 0 and summary["price_bands"][0]["key"] == "lowest"
    assert summary["events"] == 4 and summary["has_embedding"] is True


def test_price_level_is_the_mean_quantile_and_the_gap_its_square_distance() -> None:
    """u1 bought K1 (weight 5) and viewed K5 (1) on the same day: the cheapest and the dearest of
    the five coffee makers, mid-rank quantiles 0.5 / 5 = 0.1 and 4.5 / 5 = 0.9."""
    from shelfwise.personalize.features import FEATURE_INDEX

    events = [event(1, "purchase", "K1", 0), event(2, "view", "K5", 0)]
    profiles = build_profiles(events, catalog_products(), vectors(), CONFIG)
    q = dict(zip(profiles.catalog.product_ids, profiles.catalog.product_quantile, strict=False))
    assert q["K1"] == pytest.approx(0.1) and q["K5"] == pytest.approx(0.9) and np.isnan(q["X1"])
    level = (5 * 0.1 + 1 * 0.9) / 6
    spread = math.sqrt((5 * 0.1**2 + 1 * 0.9**2) / 6 - level**2)
    out = profiles.features("user:u1", ["K1", "K5", "X1"])
    np.testing.assert_allclose(out[:, FEATURE_INDEX["price_level"]], level - 0.5)
    np.testing.assert_allclose(out[:, FEATURE_INDEX["price_spread"]], spread)
    np.testing.assert_allclose(
        out[:, FEATURE_INDEX["price_gap"]], [(0.1 - level) ** 2, (0.9 - level) ** 2, 0.0]
    )

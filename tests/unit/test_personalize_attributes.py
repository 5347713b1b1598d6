"""Tracked attribute values (colour, material) in profiles: values and their last words, base
rates within the attribute, features, reasons and the summary, worked out by hand."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from shelfwise.personalize import FEATURE_NAMES, ProfileCatalog, ProfileConfig, Profiles, build_profiles
from shelfwise.personalize.catalog import attribute_values
from shelfwise.records import Event, Product

T0 = datetime(2025, 3, 1, tzinfo=UTC)
CONFIG = ProfileConfig(half_life_days=10.0, smoothing=5.0, reason_min_weight=8.0)
SHIRTS = ("Clothing", "Shirts")


def shirt(pid: str, color: str = "", material: str = "") -> Product:
    attributes = {k: v for k, v in (("color", color), ("material", material)) if v}
    return Product(product_id=pid, title=f"shirt {pid}", category=SHIRTS, price=20.0, attributes=attributes)


def products() -> list[Product]:
    """Eight shirts: 6 with a colour (2 navy blue, 1 sky blue, 1 blue, 2 red), 2 with a material."""
    return [
        shirt("S1", "Navy Blue", "Cotton"), shirt("S2", "Navy  blue"), shirt("S3", "Sky Blue"),
        shirt("S4", "Blue", "Egyptian Cotton"), shirt("S5", "Red"), shirt("S6", "Red"),
        shirt("S7"), shirt("S8"),
    ]  # fmt: skip


def purchases(*pids: str) -> Profiles:
    events = [
        Event(
            event_id=f"e{i}", type="purchase", user_id="u1", product_id=pid, timestamp=T0 + timedelta(hours=i)
        )
        for i, pid in enumerate(pids)
    ]
    return build_profiles(events, products(), config=CONFIG, now=T0 + timedelta(hours=len(pids) - 1))


def test_values_are_lowercased_with_their_last_word() -> None:
    assert attribute_values(products()[1], ("color", "material")) == ["color=navy blue", "color=blue"]
    assert attribute_values(products()[3], ("color", "material")) == [
        "color=blue", "material=egyptian cotton", "material=cotton",
    ]  # fmt: skip
    assert attribute_values(products()[6], ("color",)) == []


def test_base_rates_are_shares_of_the_products_with_the_attribute() -> None:
    catalog = ProfileCatalog.from_products(products(), CONFIG)
    base = dict(zip(catalog.values, catalog.value_base, strict=True))
    assert base["color=blue"] == pytest.approx(4 / 6)  # navy, navy, sky, plain blue
    assert base["color=navy blue"] == pytest.approx(2 / 6)
    assert base["color=red"] == pytest.approx(2 / 6)
    assert base["material=cotton"] == pytest.approx(2 / 2)


def test_features_take_the_best_value_per_attribute_and_sum_them() -> None:
    # two purchases within an hour: weights ~5 each (decay over an hour is tiny at a 10-day half-life)
    profiles = purchases("S1", "S3")
    decay = 2 ** (-1 / (24 * 10))
    w1, w3 = 5 * decay, 5.0  # S1 an hour before the reference
    colour_total, material_total = w1 + w3, w1
    x = dict(zip(FEATURE_NAMES, profiles.features("user:u1", ["S4"])[0], strict=True))

    # S4: colour 'blue' (weight w1 + w3 of the colour total), material 'egyptian cotton' (0) or
    # 'cotton' (w1 of w1): the better of the two
    def lift(w: float, total: float, base: float) -> float:
        return math.log((w + 5 * base) / (total + 5) / base)

    assert x["attribute_affinity"] == pytest.approx(1.0 + 1.0)
    material = max(lift(0, material_total, 1 / 2), lift(w1, material_total, 1))
    expected_lift = lift(w1 + w3, colour_total, 4 / 6) + material
    assert x["attribute_lift"] == pytest.approx(expected_lift)
    red = dict(zip(FEATURE_NAMES, profiles.features("user:u1", ["S5"])[0], strict=True))
    assert red["attribute_affinity"] == 0
    assert red["attribute_lift"] == pytest.approx(lift(0, colour_total, 2 / 6)) and red["attribute_lift"] < 0
    plain = dict(zip(FEATURE_NAMES, profiles.features("user:u1", ["S7"])[0], strict=True))
    assert plain["attribute_affinity"] == 0 and plain["attribute_lift"] == 0  # no colour, no material


def test_a_new_product_is_placed_by_its_own_attributes() -> None:
    profiles = purchases("S1", "S3")
    newcomer = shirt("S9", "Royal Blue")  # 'royal blue' is unknown, 'blue' is known
    by_id = profiles.features("user:u1", ["S4"])[0]
    row = profiles.features("user:u1", [newcomer])[0]
    column = FEATURE_NAMES.index("attribute_affinity")
    assert row[column] == pytest.approx(1.0) and by_id[column] == pytest.approx(2.0)


def test_reason_and_summary_name_the_value() -> None:
    """Blue is too common here (4 of 6 coloured shirts) for 'you often choose blue' to pass the
    1.5 lift a reason needs; red (2 of 6) passes."""
    # 15 of weight on red shirts: smoothed share (15 + 5 * 2/6) / 20 is 2.5 times red's base rate
    profiles = purchases("S5", "S6", "S5")
    reasons = [r for r in profiles.reasons("user:u1", "S6") if r.kind == "attribute"]
    assert [r.text for r in reasons] == ["you often choose red"]
    assert reasons[0].key == "color=red"
    assert [r for r in purchases("S1", "S3", "S2").reasons("user:u1", "S4") if r.kind == "attribute"] == []
    summary = profiles.profile("user:u1").summary()
    assert summary["attributes"][0]["key"] == "color=red"
    assert summary["attributes"][0]["share"] == pytest.approx(1.0)


def test_saved_profiles_keep_the_attributes(tmp_path) -> None:  # noqa: ANN001
    profiles = purchases("S1", "S3")
    profiles.save(tmp_path / "profiles")
    loaded = Profiles.load(tmp_path / "profiles")
    assert loaded.catalog.values == profiles.catalog.values
    ids = ["S4", "S5"]
    np.testing.assert_allclose(loaded.features("user:u1", ids), profiles.features("user:u1", ids))


def test_update_equals_rebuild_with_attributes() -> None:
    profiles = purchases("S1")
    profiles.update([Event(event_id="e9", type="purchase", user_id="u1", product_id="S3",
                           timestamp=T0 + timedelta(hours=1))])  # fmt: skip
    rebuilt = purchases("S1", "S3")
    np.testing.assert_allclose(profiles.features("user:u1", ["S4", "S5", "S7"]),
                               rebuilt.features("user:u1", ["S4", "S5", "S7"]))  # fmt: skip

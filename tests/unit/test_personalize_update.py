"""Profiles kept current: folding events in equals rebuilding, point-in-time and live profiles
equal batch ones, and a saved folder loads back to the same profiles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shelfwise.events import MemoryEventStore
from shelfwise.personalize import (
    FEATURE_NAMES,
    ProfileConfig,
    Profiles,
    VectorTable,
    build_profiles,
    profile_from_events,
)
from shelfwise.records import Event, Product

T0 = datetime(2025, 3, 1, tzinfo=UTC)
KINDS = ("view", "view", "click", "add_to_cart", "purchase", "rating", "search")
CONFIG = ProfileConfig(half_life_days=7.0, max_events=25)


def catalog() -> list[Product]:
    paths = [("Home", "Kitchen", "Kettles"), ("Home", "Kitchen", "Knives"), ("Home", "Bath"), ("Toys",), ()]
    brands = ["Acme", "Birch", "Cobalt", "", "Dune"]
    return [
        Product(
            product_id=f"P{i}",
            title=f"item {i}",
            category=paths[i % 5],
            brand=brands[(i // 2) % 5],
            price=None if i % 7 == 0 else 5.0 + 3.0 * i,
        )  # fmt: skip
        for i in range(40)
    ]


def vectors() -> VectorTable:
    rng = np.random.default_rng(3)
    ids = [f"P{i}" for i in range(40) if i % 9]  # some products have no vector
    return VectorTable(ids, rng.normal(size=(len(ids), 8)).astype(np.float32))


def random_events(n: int, seed: int, actors: int = 8, first: int = 0) -> list[Event]:
    """`n` events in time order over 60 days (plus events of products outside the catalog)."""
    rng = np.random.default_rng(seed)
    times = np.sort(rng.uniform(0, 60, n))
    out = []
    for j, day in enumerate(times):
        kind = str(rng.choice(KINDS))
        who = int(rng.integers(actors))
        ids = {"user_id": f"u{who}"} if who % 3 else {"session_id": f"s{who}"}
        pid = f"P{int(rng.integers(42))}"  # P40, P41: unknown products
        fields: dict[str, object] = {"event_id": f"e{first + j}", "type": kind, **ids}
        fields["timestamp"] = T0 + timedelta(days=float(day))
        fields.update({"query": "kettle", "shown": (pid,)} if kind == "search" else {"product_id": pid})
        if kind == "rating":
            fields["rating"] = float(rng.integers(1, 6))
        out.append(Event.model_validate(fields))
    return out


def assert_same(a: Profiles, b: Profiles) -> None:
    """Every actor's features, profile and summary agree (to float rounding)."""
    ids = [f"P{i}" for i in range(42)]
    assert sorted(a.actors) == sorted(b.actors)
    assert a.as_of == pytest.approx(b.as_of)
    for actor in a.actors:
        np.testing.assert_allclose(a.features(actor, ids), b.features(actor, ids), rtol=1e-6, atol=1e-7)
        pa, pb = a.profile(actor), b.profile(actor)
        assert pa.n_events == pb.n_events and pa.last_event == pb.last_event
        assert [x.key for x in pa.categories] == [x.key for x in pb.categories]
        assert [x.weight for x in pa.brands] == pytest.approx([x.weight for x in pb.brands])
        assert pa.summary() == pb.summary()


def test_folding_events_in_equals_rebuilding() -> None:
    events = random_events(600, seed=1)
    rebuilt = build_profiles(events, catalog(), vectors(), CONFIG)
    assert max(rebuilt.profile(a).n_events for a in rebuilt.actors) == CONFIG.max_events  # windows cut
    profiles = build_profiles(events[:200], catalog(), vectors(), CONFIG)
    changed = profiles.update(events[200:201])
    assert changed == (events[200].actor,) or changed == ()
    for start in range(201, 600, 57):
        profiles.update(events[start : start + 57])
    assert_same(profiles, rebuilt)


def test_late_events_and_new_actors_fold_in_too() -> None:
    early, late = random_events(300, seed=2), random_events(80, seed=5, actors=12, first=1000)
    rebuilt = build_profiles([*early, *late], catalog(), vectors(), CONFIG)
    profiles = build_profiles(early, catalog(), vectors(), CONFIG)
    profiles.update(late)  # spread over the same 60 days: many are older than the shoppers' latest
    assert_same(profiles, rebuilt)
    assert len(profiles) == len(rebuilt.actors)


def test_merging_updated_profiles_into_the_table_changes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shelfwise.personalize.profiles.CONSOLIDATE_AT", 0)
    events = random_events(300, seed=11)
    profiles = build_profiles(events[:20], catalog(), vectors(), CONFIG)
    for start in range(20, 300, 40):
        profiles.update(events[start : start + 40])
    assert not profiles._fresh  # merged
    assert_same(profiles, build_profiles(events, catalog(), vectors(), CONFIG))


def test_events_at_the_same_moment_keep_their_arrival_order() -> None:
    moment = T0 + timedelta(days=1)
    events = [
        Event(
            event_id=f"t{i}",
            type="purchase" if i % 2 else "view",
            user_id="u",
            product_id=f"P{i}",
            timestamp=moment,
        )
        for i in range(1, 8)
    ]
    config = CONFIG.model_copy(update={"max_events": 3})
    rebuilt = build_profiles(events, catalog(), vectors(), config)
    assert [a.key for a in rebuilt.profile("user:u").categories] != []
    for cut in (1, 3, 5):
        profiles = build_profiles(events[:cut], catalog(), vectors(), config)
        profiles.update(events[cut:])
        assert_same(profiles, rebuilt)
    window = rebuilt.window("user:u")
    assert window is not None and window.product.tolist() == [
        rebuilt.catalog.index[f"P{i}"] for i in (5, 6, 7)
    ]


def test_update_moves_the_reference_time() -> None:
    events = random_events(100, seed=4)
    profiles = build_profiles(events, catalog(), config=CONFIG)
    assert profiles.as_of_time == events[-1].timestamp
    later = events[-1].timestamp + timedelta(days=7)
    profiles.update([], now=later)
    assert profiles.as_of_time == later
    actor = events[-1].actor
    # one half-life on: every weight halves, no share moves
    before = build_profiles(events, catalog(), config=CONFIG).profile(actor)
    after = profiles.profile(actor)
    assert after.weight == pytest.approx(before.weight / 2)
    assert [a.share for a in after.brands] == pytest.approx([a.share for a in before.brands])


def test_point_in_time_features_use_only_earlier_events() -> None:
    events = random_events(300, seed=6)
    config = CONFIG.model_copy(update={"max_events": 1000})
    profiles = build_profiles(events, catalog(), vectors(), config)
    ids = [f"P{i}" for i in range(42)]
    for cut in (events[40].timestamp, events[150].timestamp, T0 + timedelta(days=61)):
        then = build_profiles([e for e in events if e.timestamp < cut], catalog(), vectors(), config, now=cut)
        for actor in profiles.actors:
            np.testing.assert_allclose(
                profiles.features(actor, ids, at=cut), then.features(actor, ids), rtol=1e-6, atol=1e-7
            )
    first = events[0]
    empty = profiles.features(first.actor, ids, at=first.timestamp)
    assert np.all(empty[:, FEATURE_NAMES.index("profile_empty")] == 1)


def test_a_live_profile_from_the_event_store_matches_the_batch_one() -> None:
    events = random_events(300, seed=7)
    store = MemoryEventStore()
    store.append(events)
    profiles = build_profiles(events, catalog(), vectors(), CONFIG)
    ids = [f"P{i}" for i in range(42)]
    for actor in profiles.actors:
        recent = store.recent(actor, 10 * CONFIG.max_events)
        live = profile_from_events(actor, recent, profiles.catalog, CONFIG, now=profiles.as_of_time)
        np.testing.assert_allclose(
            profiles.features(live, ids), profiles.features(actor, ids), rtol=1e-6, atol=1e-7
        )
        assert live.summary() == profiles.profile(actor).summary()
        for pid in ("P1", "P2", "P6"):
            live_reasons, batch_reasons = profiles.reasons(live, pid), profiles.reasons(actor, pid)
            assert [(r.kind, r.text, r.key) for r in live_reasons] == [
                (r.kind, r.text, r.key) for r in batch_reasons
            ]
            assert [r.strength for r in live_reasons] == pytest.approx([r.strength for r in batch_reasons])
    assert profiles.live("user:nobody", []).is_empty


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    events = random_events(400, seed=8)
    profiles = build_profiles(events[:300], catalog(), vectors(), CONFIG)
    profiles.update(events[300:])  # some profiles live in the update overlay
    folder = tmp_path / "profiles"
    profiles.save(folder)
    loaded = Profiles.load(folder)
    assert_same(loaded, profiles)
    assert loaded.config == CONFIG
    assert loaded.catalog.band_edges == profiles.catalog.band_edges
    names = sorted(p.name for p in folder.iterdir())
    assert "manifest.json" in names and all(n.endswith((".json", ".npy")) for n in names)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["counts"]["actors"] == len(profiles.actors)
    assert manifest["counts"]["vector_dim"] == 8
    # saving again replaces the folder; the loaded copy folds in events like the original
    more = random_events(50, seed=9, first=5000)
    loaded.update(more)
    profiles.update(more)
    loaded.save(folder)
    assert_same(Profiles.load(folder), profiles)


def test_load_refuses_a_damaged_folder(tmp_path: Path) -> None:
    profiles = build_profiles(random_events(50, seed=10), catalog(), config=CONFIG)
    profiles.save(tmp_path / "p")
    np.save(tmp_path / "p" / "window_weight.npy", np.zeros(3))
    with pytest.raises(ValueError, match="does not match its manifest"):
        Profiles.load(tmp_path / "p")


def test_an_empty_log_gives_empty_profiles(tmp_path: Path) -> None:
    profiles = build_profiles([], catalog(), vectors(), CONFIG)
    assert len(profiles) == 0 and profiles.as_of is None
    assert profiles.features("user:u1", ["P1"])[0, FEATURE_NAMES.index("profile_empty")] == 1
    profiles.save(tmp_path / "p")
    assert len(Profiles.load(tmp_path / "p")) == 0

"""Personal search: the same query ranks differently for shoppers with different histories, says
why, follows new events at once, and can be switched off per request by an experiment."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient

from shelfwise.records import Event
from shelfwise.service import Shelfwise
from tests.e2e.conftest import ClientFactory

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _history(user: str, products: list[str], start: int = 0) -> list[Event]:
    events = []
    for i, product in enumerate(products * 3):
        kind = "purchase" if i % 3 == 2 else "view"
        events.append(Event(event_id=f"{user}-{start + i}", type=kind, user_id=user, product_id=product,
                            timestamp=T0 + timedelta(hours=start + i)))  # fmt: skip
    return events


def _order(client: TestClient, **params: str) -> list[str]:
    body = client.get("/search", params={"q": "headphones", "page_size": 6, **params}).json()
    return [hit["product"]["product_id"] for hit in body["hits"]]


def test_histories_change_the_order_and_the_explanations_say_why(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    shelfwise.record_events(
        _history("sony-fan", ["hp-001", "hp-005"]) + _history("cheap", ["hp-004", "dr-006"])
    )
    client = make_client(shelfwise)
    anonymous = _order(client)
    sony, cheap = _order(client, user_id="sony-fan"), _order(client, user_id="cheap")
    assert sony != cheap != anonymous
    assert sony[0] == "hp-001" and anonymous[0] != "hp-001"
    assert cheap.index("hp-004") < sony.index("hp-004")
    body = client.get("/search", params={"q": "headphones", "user_id": "sony-fan"}).json()
    first = body["hits"][0]["explanation"]["personal"]
    assert first["stage"] == "profile" and -1 <= first["fit"] <= 1
    reasons = [r for hit in body["hits"] for r in hit["explanation"]["personal"]["reasons"]]
    assert any("Sony" in reason for reason in reasons), reasons
    assert (
        client.get("/search", params={"q": "headphones"}).json()["hits"][0]["explanation"]["personal"] is None
    )


def test_a_new_event_changes_the_next_search_and_the_profile_route(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    client = make_client(shelfwise)
    assert client.get("/profiles/user/newcomer").status_code == 404
    before = _order(client, user_id="newcomer")
    target = [p for p in before if p.startswith("hp-")][-1]  # the lowest headphones shown
    for event in _history("newcomer", [target]):
        assert client.post("/events", json=json.loads(event.model_dump_json())).status_code == 200
    after = _order(client, user_id="newcomer")
    assert after.index(target) < before.index(target)
    profile = client.get("/profiles/user/newcomer").json()["profile"]
    assert profile["events"] == 3
    assert profile["brands"][0]["key"] == shelfwise.get_product(target).brand  # type: ignore[union-attr]


def test_an_experiment_can_switch_personalization_off(
    tmp_path: Path,
    catalog,
    hashing_settings,
    make_client: ClientFactory,  # noqa: ANN001
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    experiment = {
        "name": "personal",
        "unit": "user",
        "salt": "p",
        "surfaces": ["search"],
        "variants": [
            {"name": "off", "share": 0.5, "settings": {"personalize": False}},
            {"name": "on", "share": 0.5},
        ],
    }
    (data / "experiments.json").write_text(json.dumps({"experiments": [experiment]}))
    shop = Shelfwise(hashing_settings(data))
    shop.upsert_products(catalog)
    shop.rebuild_index()
    users = [f"u{i}" for i in range(12)]
    shop.record_events([e for u in users for e in _history(u, ["hp-004"])])
    client = make_client(shop)
    for user in users:
        body = client.get("/search", params={"q": "headphones", "user_id": user}).json()
        personal = body["hits"][0]["explanation"]["personal"]
        assert (personal is None) == (body["variants"]["personal"] == "off")
    shop.close()


def test_profiles_follow_events_that_another_process_stored(
    tmp_path: Path,
    hashing_settings,
    catalog,  # noqa: ANN001
) -> None:
    """Two server workers share one event log: each folds in the other's events."""
    first, second = Shelfwise(hashing_settings(tmp_path)), Shelfwise(hashing_settings(tmp_path))
    try:
        first.upsert_products(catalog)
        product = catalog[0].product_id
        first.record_events(_history("u1", [product]))
        assert second.profile("user:u1") is not None  # built from the log
        assert second.profile("user:u2") is None
        first.record_events(_history("u2", [product]))  # stored by the other process only
        profile = second.profile("user:u2")
        assert profile is not None and profile.n_events == 3
        assert second.profile("user:u1").n_events == 3  # type: ignore[union-attr]  # each event once
    finally:
        first.close()
        second.close()

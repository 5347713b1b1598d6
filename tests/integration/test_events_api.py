"""POST /events over a real Shelfwise (SQLite, hashing encoder): single, batch, partial errors,
resends, no API key, limits, and durability before the response."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.events import SQLiteEventStore
from shelfwise.records import Event
from shelfwise.serve import create_app
from shelfwise.serve.events_routes import MAX_EVENTS_PER_REQUEST
from shelfwise.service import Shelfwise

API_KEY = "events-test-key"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read SHELFWISE_* variables; the machine running the tests must not leak in."""
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def shelfwise(tmp_path: Path) -> Iterator[Shelfwise]:
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    yield shop
    shop.close()


@pytest.fixture
def client(shelfwise: Shelfwise) -> Iterator[TestClient]:
    config = ServeConfig(api_key=API_KEY, max_body_bytes=64 * 1024)
    with TestClient(create_app(shelfwise, config)) as test_client:
        yield test_client


def _click(eid: str, **kw: object) -> dict[str, object]:
    return {
        "event_id": eid,
        "type": "click",
        "session_id": "s-1",
        "product_id": "p1",
        "timestamp": "2024-05-01T12:30:00Z",
        **kw,
    }


def _stored(shelfwise: Shelfwise) -> list[str]:
    """Read through a second connection: what is committed, not what one connection holds."""
    other = SQLiteEventStore(shelfwise.settings.data_dir / "events.db")
    try:
        return [s.event.event_id for s in other.iter_events()]
    finally:
        other.close()


def test_single_event_needs_no_api_key_and_is_durable_on_return(
    client: TestClient, shelfwise: Shelfwise
) -> None:
    response = client.post("/events", json=_click("c1", request_id="search-1", position=3, price=9.5))
    assert response.status_code == 200
    assert response.json() == {
        "accepted": 1,
        "duplicate": 0,
        "rejected": 0,
        "results": [{"index": 0, "event_id": "c1", "outcome": "accepted", "errors": []}],
    }
    assert _stored(shelfwise) == ["c1"]
    [event] = shelfwise.events.recent("session:s-1")
    assert (event.request_id, event.position, event.price) == ("search-1", 3, 9.5)


def test_batch_with_partial_errors_stores_the_valid_events(client: TestClient, shelfwise: Shelfwise) -> None:
    batch = [
        _click("b1"),
        _click("b2", timestamp="later"),
        {
            "event_id": "b3",
            "type": "search",
            "user_id": "u1",
            "query": "kettle",
            "shown": ["p1", "p2"],
            "timestamp": 1714566600,
        },
        "not an object",
        _click("b4", product_id=None, colour="red"),
        _click("b1"),
    ]
    response = client.post("/events", json={"events": batch})
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicate"], body["rejected"]) == (2, 1, 3)
    assert [(r["index"], r["event_id"], r["outcome"]) for r in body["results"]] == [
        (0, "b1", "accepted"),
        (1, "b2", "rejected"),
        (2, "b3", "accepted"),
        (3, None, "rejected"),
        (4, "b4", "rejected"),
        (5, "b1", "duplicate"),
    ]
    [timestamp] = body["results"][1]["errors"]
    assert timestamp["field"] == "timestamp"
    assert timestamp["message"].startswith("events[1].timestamp: 'later' is not a time")
    assert body["results"][3]["errors"][0]["reason"] == "expected an event object, got str"
    assert {(e["field"], e["reason"]) for e in body["results"][4]["errors"]} == {
        ("colour", "is not an event field")
    }
    assert _stored(shelfwise) == ["b1", "b3"]


def test_resending_is_harmless(client: TestClient, shelfwise: Shelfwise) -> None:
    batch = {"events": [_click("r1"), _click("r2")]}
    assert client.post("/events", json=batch).json()["accepted"] == 2
    again = client.post("/events", json=batch)
    assert again.status_code == 200
    assert (again.json()["accepted"], again.json()["duplicate"]) == (0, 2)
    assert client.post("/events", json=_click("r1")).json()["results"][0]["outcome"] == "duplicate"
    assert shelfwise.events.count() == 2


def test_all_invalid_is_422_with_each_events_errors(client: TestClient, shelfwise: Shelfwise) -> None:
    response = client.post("/events", json={"events": [_click("x1", type="clack"), _click("")]})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "no valid events: 2 rejected"
    assert [(r["index"], r["outcome"], [e["field"] for e in r["errors"]]) for r in body["detail"]] == [
        (0, "rejected", ["type"]),
        (1, "rejected", ["event_id"]),
    ]
    single = client.post("/events", json=_click("x2", product_id=None))
    assert single.status_code == 422
    [error] = single.json()["detail"][0]["errors"]
    assert error["message"] == "product_id: a click event needs a product_id"
    assert shelfwise.events.count() == 0


def test_batch_limits_and_malformed_bodies(client: TestClient) -> None:
    too_many = client.post("/events", json={"events": [{}] * (MAX_EVENTS_PER_REQUEST + 1)})
    assert too_many.status_code == 422
    assert f"at most {MAX_EVENTS_PER_REQUEST} items" in too_many.json()["error"]
    assert client.post("/events", json={"events": []}).status_code == 422
    extra = client.post("/events", json={"events": [_click("m1")], "source": "web"})
    assert extra.status_code == 422 and "body.source" in extra.json()["error"]
    assert client.post("/events", json=[_click("m2")]).status_code == 422
    assert (
        client.post("/events", content=b"{not json", headers={"content-type": "application/json"}).status_code
        == 422
    )


def test_body_size_limit_still_applies(client: TestClient, shelfwise: Shelfwise) -> None:
    big = {"events": [_click(f"big{i}", review="x" * 2000) for i in range(40)]}  # > 64 KiB
    response = client.post("/events", json=big)
    assert response.status_code == 413
    assert shelfwise.events.count() == 0


def test_listeners_hear_new_events_from_http(client: TestClient, shelfwise: Shelfwise) -> None:
    heard: list[list[str]] = []

    def listener(events: Sequence[Event]) -> None:
        heard.append([e.event_id for e in events])

    shelfwise.on_events(listener)
    client.post("/events", json={"events": [_click("l1"), _click("l2")]})
    client.post("/events", json={"events": [_click("l2"), _click("l3"), _click("bad", type="?")]})
    client.post("/events", json=_click("l1"))
    assert heard == [["l1", "l2"], ["l3"]]


def test_events_are_in_the_openapi_document(client: TestClient) -> None:
    operation = client.get("/openapi.json").json()["paths"]["/events"]["post"]
    assert operation["tags"] == ["events"]
    # a key is optional by default and needed with serve.public_events off
    assert {name for scheme in operation["security"] for name in scheme} == {"APIKeyHeader", "HTTPBearer"}

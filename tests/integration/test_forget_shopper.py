"""Forgetting a shopper over a real Shelfwise: DELETE /shoppers/{id} and `shelfwise shoppers
forget` beside a running server remove the shopper from every store and from the server's memory
(the data folder's files no longer hold the id, the counts are right, and the next answer is a
new shopper's); retention purges only old rows; pseudonymized ids never reach the files."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shelfwise.cli import app as cli_app
from shelfwise.config import EncoderConfig, PrivacyConfig, ServeConfig, Settings
from shelfwise.recommend import ChannelsConfig, RecommenderTrainingConfig
from shelfwise.records import Event, Product
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

KEY = "admin-key-7c1"
GONE = "shopper-zq81x"  # appears nowhere else
GONE_VISIT = "visit-gk27w"
NEVER = "shopper-never-seen"
START = datetime(2026, 10, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _training_events() -> list[Event]:
    events = []
    for shopper in range(60):
        aisle, first = "ab"[shopper % 2], shopper % 8
        for step in range(4):
            events.append(Event(
                event_id=f"t{shopper}-{step}", type="purchase" if step == 3 else "view",
                user_id=f"trainee-{shopper:02d}-kx", product_id=f"{aisle}{first + step}",
                timestamp=START + timedelta(minutes=shopper * 10 + step),
            ))  # fmt: skip
    return events


def _experiment(data: Path) -> None:
    experiment = {
        "name": "feed-test",
        "unit": "user",
        "salt": "s1",
        "surfaces": ["search", "recommend"],
        "variants": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}],
    }
    (data / "experiments.json").write_text(json.dumps({"experiments": [experiment]}))


def _shop(
    data: Path, privacy: PrivacyConfig | None = None, train: bool = True, flush_seconds: float = 0.2
) -> Shelfwise:
    data.mkdir(parents=True, exist_ok=True)
    _experiment(data)
    serve = ServeConfig(impression_flush_seconds=flush_seconds)
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing"),
                              privacy=privacy or PrivacyConfig(), serve=serve))  # fmt: skip
    shop.upsert_products([
        Product(product_id=f"{aisle}{i}", title=f"{name} model {i}", category=("Home", name))
        for aisle, name in (("a", "Kettles"), ("b", "Hoses")) for i in range(12)
    ])  # fmt: skip
    shop.open_index()
    shop.record_events(_training_events())
    if train:
        config = RecommenderTrainingConfig(channels=ChannelsConfig(enabled=("cooccurrence", "popularity")))
        shop.train_recommender(config)
    return shop


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Shelfwise, TestClient]]:
    shop = _shop(tmp_path / "data")
    with TestClient(create_app(shop, ServeConfig(api_key=KEY))) as client:
        yield shop, client
    shop.close()


def _shopper_visits(client: TestClient, user: str = GONE, visit: str = GONE_VISIT) -> None:
    """An anonymous visit, signing in during it, a search and a feed."""
    events = [
        {"event_id": "g-0", "type": "view", "session_id": visit, "product_id": "a1",
         "timestamp": (START + timedelta(days=1)).isoformat()},
        *({"event_id": f"g-{i}", "type": "view", "user_id": user, "session_id": visit,
           "product_id": f"a{i}", "timestamp": (START + timedelta(days=1, minutes=i)).isoformat()}
          for i in range(1, 4)),
    ]  # fmt: skip
    assert client.post("/events", json={"events": events}).json()["accepted"] == 4
    assert client.get("/search", params={"q": "kettle", "user_id": user}).status_code == 200
    assert client.get(f"/recommend/user/{user}").status_code == 200
    assert client.get(f"/profiles/user/{user}").status_code == 200


def _data_bytes(data: Path) -> bytes:
    """Every file of the data folder (databases and their write-ahead logs, models, indexes)."""
    return b"".join(p.read_bytes() for p in sorted(data.rglob("*")) if p.is_file())


def _items(client: TestClient, user: str) -> list[str]:
    response = client.get(f"/recommend/user/{user}", params={"k": 8})
    assert response.status_code == 200, response.text
    return [item["product"]["product_id"] for item in response.json()["items"]]


def test_delete_shopper_forgets_them_everywhere(served: tuple[Shelfwise, TestClient]) -> None:
    shop, client = served
    _shopper_visits(client)
    assert _items(client, GONE) != _items(client, NEVER)  # their history counts before
    assert client.delete(f"/shoppers/{GONE}").status_code == 401  # admin action: needs the key
    response = client.delete(f"/shoppers/{GONE}", headers={"X-API-Key": KEY})
    assert response.status_code == 200, response.text
    counts = response.json()
    assert counts["user_id"] == GONE and counts["sessions"] == 1
    assert counts["events"] == 4  # three signed in, one before in the same visit
    assert counts["impressions"] == 3  # a search and two feeds
    assert counts["exposures"] == 3  # each under the experiment
    assert counts["profiles"] == 2  # the user's and the visit's
    assert counts["cached_answers"] >= 1
    data = shop.settings.data_dir
    assert GONE.encode() not in _data_bytes(data) and GONE_VISIT.encode() not in _data_bytes(data)
    assert b"trainee-05-kx" in _data_bytes(data)  # the others' events are still there
    assert client.get(f"/profiles/user/{GONE}").status_code == 404
    assert client.get(f"/profiles/session/{GONE_VISIT}").status_code == 404
    again = client.delete(f"/shoppers/{GONE}", headers={"X-API-Key": KEY}).json()
    assert (again["events"], again["impressions"], again["exposures"], again["profiles"]) == (0, 0, 0, 0)
    assert _items(client, GONE) == _items(client, NEVER)  # answered as a new shopper


def test_the_trained_recommender_keeps_no_shopper_ids(served: tuple[Shelfwise, TestClient]) -> None:
    shop, _ = served
    models = shop.settings.data_dir / "models" / "recommender"
    assert any(p.is_file() for p in models.rglob("*"))
    assert b"trainee-" not in _data_bytes(models)  # retraining after a forget simply lacks them


def test_the_cli_forgets_beside_a_running_server(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", flush_seconds=600)  # its impressions wait in its queue
    with TestClient(create_app(shop, ServeConfig(api_key=KEY))) as client:
        _check_cli_forget(shop, client)
    shop.close()


def _check_cli_forget(shop: Shelfwise, client: TestClient) -> None:
    _shopper_visits(client)
    assert client.get(f"/recommend/user/{NEVER}").status_code == 200  # another shopper's feed
    data = shop.settings.data_dir
    result = CliRunner().invoke(cli_app, ["shoppers", "forget", GONE, "--json", "-d", str(data)])
    assert result.exit_code == 0, result.output
    counts = json.loads(result.stdout)
    # the server's impressions are still in its queue: it deletes them when it catches up
    assert (counts["events"], counts["impressions"], counts["exposures"], counts["sessions"]) == (4, 0, 2, 1)
    assert shop.profile(f"user:{GONE}") is not None  # the server has not caught up yet
    shop.catch_up()  # what its loop does every serve.catch_up_seconds
    assert client.get(f"/profiles/user/{GONE}").status_code == 404
    assert client.get(f"/profiles/session/{GONE_VISIT}").status_code == 404
    assert shop.impressions.count() == 1  # (stores what is still queued): the other shopper's
    assert GONE.encode() not in _data_bytes(data)
    assert _items(client, GONE) == _items(client, NEVER)


def test_retention_purges_only_old_rows(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", PrivacyConfig(retention_days=30), train=False)
    now = START + timedelta(days=40)
    recent = Event(event_id="new-1", type="view", user_id="recent-kx", product_id="a2",
                   timestamp=now - timedelta(days=1))  # fmt: skip
    shop.record_events([recent])
    assert "user:trainee-03-kx" in shop.profiles
    report = shop.purge_expired(now)
    assert report is not None and report.cutoff == now - timedelta(days=30)
    assert report.events == 240 and shop.events.count() == 1
    assert [s.event.event_id for s in shop.events.iter_events()] == ["new-1"]
    assert "user:trainee-03-kx" not in shop.profiles and "user:recent-kx" in shop.profiles  # rebuilt
    assert shop.purge_expired(now) == report.__class__(report.cutoff, 0, 0, 0)
    shop.close()
    off = _shop(tmp_path / "off", train=False)
    assert off.purge_expired(now) is None and off.events.count() == 240  # off by default
    off.close()


def test_the_server_purges_in_the_background(tmp_path: Path) -> None:
    import time

    shop = _shop(tmp_path / "data", PrivacyConfig(retention_days=1), train=False)  # all events are old
    with TestClient(create_app(shop, ServeConfig())):
        for _ in range(600):  # bounded: the purge runs as the server starts, in its own thread
            if shop.events.count() == 0:
                break
            time.sleep(0.05)
        assert shop.events.count() == 0
    shop.close()


def test_the_purge_command_needs_a_period_and_purges_old_rows(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", train=False)
    shop.close()
    runner = CliRunner()
    refused = runner.invoke(cli_app, ["shoppers", "purge", "-d", str(tmp_path / "data")])
    assert refused.exit_code == 2 and "retention" in refused.output
    result = runner.invoke(cli_app, ["shoppers", "purge", "--older-than-days", "1", "--json",
                                     "-d", str(tmp_path / "data")])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["events"] == 240


def test_pseudonymized_ids_never_reach_the_files(tmp_path: Path) -> None:
    shop = _shop(tmp_path / "data", PrivacyConfig(pseudonymize_key="secret-k"))  # type: ignore[arg-type]
    with TestClient(create_app(shop, ServeConfig(api_key=KEY))) as client:
        _shopper_visits(client)  # the profile is found by the raw id too
        shop.impressions.count()  # stores what is queued
        data = _data_bytes(tmp_path / "data")
        pseudonym = shop.pseudonyms.id(GONE)
        assert GONE.encode() not in data and GONE_VISIT.encode() not in data
        assert pseudonym.encode() in data and b"trainee-05-kx" not in data
        counts = client.delete(f"/shoppers/{GONE}", headers={"X-API-Key": KEY}).json()
        assert (counts["events"], counts["sessions"], counts["profiles"]) == (4, 1, 2)
        assert pseudonym.encode() not in _data_bytes(tmp_path / "data")
        assert _items(client, GONE) == _items(client, NEVER)
    shop.close()


def test_imported_events_are_pseudonymized_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shelfwise.privacy import Pseudonymizer

    rows = [{"event_id": f"i-{i}", "type": "view", "user_id": GONE, "session_id": GONE_VISIT,
             "product_id": "a1", "timestamp": "2026-10-02T10:00:00Z"} for i in range(3)]  # fmt: skip
    (tmp_path / "events.jsonl").write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    monkeypatch.setenv("SHELFWISE_PRIVACY__PSEUDONYMIZE_KEY", "secret-k")
    data = tmp_path / "data"
    command = ["events", "import", str(tmp_path / "events.jsonl"), "-d", str(data)]
    result = CliRunner().invoke(cli_app, command)
    assert result.exit_code == 0, result.output
    stored = _data_bytes(data)
    assert GONE.encode() not in stored and GONE_VISIT.encode() not in stored
    assert Pseudonymizer("secret-k").id(GONE).encode() in stored
    forgot = CliRunner().invoke(cli_app, ["shoppers", "forget", GONE, "--json", "-d", str(data)])
    assert json.loads(forgot.stdout)["events"] == 3  # the raw id, hashed the same way

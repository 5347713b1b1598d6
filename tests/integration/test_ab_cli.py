"""`shelfwise ab add / list / report / stop` over a data folder with real exposures and events."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.events import open_event_store
from shelfwise.experiments import Experiments
from shelfwise.records import Event

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
DEFINITION = {
    "name": "ranking-test",
    "unit": "session",
    "salt": "cli-1",
    "surfaces": ["search"],
    "variants": [
        {"name": "control", "share": 0.5},
        {"name": "no-rerank", "share": 0.5, "settings": {"rerank": False}},
    ],
}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _fill(data: Path, units: int = 400) -> None:
    """Exposures through the library (as serving records them) and the sessions' events."""
    experiments = Experiments.open(data)
    store = open_event_store(data)
    events: list[Event] = []
    for unit in range(units):
        at = T0 + timedelta(minutes=unit)
        request_id = f"req-{unit}"
        decision = experiments.expose(surface="search", request_id=request_id, at=at, session_id=f"s{unit}")
        treated = decision.assignments[0].variant == "no-rerank"
        if unit % (3 if treated else 4) == 0:
            events.append(Event(event_id=f"c{unit}", type="click", session_id=f"s{unit}", product_id="p1",
                                timestamp=at + timedelta(seconds=20), request_id=request_id))  # fmt: skip
        if unit % 10 == 0:
            events.append(Event(event_id=f"b{unit}", type="purchase", session_id=f"s{unit}", product_id="p1",
                                timestamp=at + timedelta(minutes=3), price=25.0))  # fmt: skip
    store.append(events)
    store.close()
    experiments.close()


def test_add_list_report_and_stop(tmp_path: Path) -> None:
    data = tmp_path / "data"
    definition = tmp_path / "experiment.json"
    definition.write_text(json.dumps(DEFINITION))
    runner = CliRunner()
    added = runner.invoke(app, ["ab", "add", str(definition), "--data-dir", str(data)])
    assert added.exit_code == 0, added.output
    assert "added ranking-test (session): control 50%, no-rerank 50%" in added.output
    again = runner.invoke(app, ["ab", "add", str(definition), "--data-dir", str(data)])
    assert again.exit_code == 1 and "already exists" in again.output
    _fill(data)
    listed = runner.invoke(app, ["ab", "list", "--data-dir", str(data)])
    assert "ranking-test: running; unit session" in listed.output and "400 exposures" in listed.output
    text = runner.invoke(app, ["ab", "report", "ranking-test", "--data-dir", str(data)])
    assert text.exit_code == 0, text.output
    assert "400 units, 400 exposures" in text.output and "sample ratio" in text.output
    raw = runner.invoke(app, ["ab", "report", "ranking-test", "--json", "--data-dir", str(data)])
    report = json.loads(raw.output)
    by_variant = {v["name"]: v for v in report["variants"]}
    assert by_variant["control"]["units"] + by_variant["no-rerank"]["units"] == 400
    click_rate = {name: v["metrics"]["click_rate"] for name, v in by_variant.items()}
    assert click_rate["no-rerank"] > click_rate["control"]  # 1 in 3 against 1 in 4 by construction
    stopped = runner.invoke(app, ["ab", "stop", "ranking-test", "--data-dir", str(data)])
    assert stopped.exit_code == 0 and "stopped ranking-test" in stopped.output
    listed = runner.invoke(app, ["ab", "list", "--data-dir", str(data)])
    assert "ranking-test: not running" in listed.output


def test_bad_definitions_and_names_are_reported(tmp_path: Path) -> None:
    data = str(tmp_path / "data")
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                **DEFINITION,
                "variants": [
                    DEFINITION["variants"][0],
                    {"name": "x", "share": 0.5, "settings": {"fuson": 1}},
                ],
            }
        )
    )
    runner = CliRunner()
    result = runner.invoke(app, ["ab", "add", str(bad), "--data-dir", data])
    assert result.exit_code == 1 and "unknown setting 'fuson'" in result.output
    missing = runner.invoke(app, ["ab", "report", "nope", "--data-dir", data])
    assert missing.exit_code == 1 and "no experiment 'nope'" in missing.output


def test_interleave_replays_logged_searches_with_clicks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shelfwise.config import EncoderConfig, Settings
    from shelfwise.records import Product, SearchRequest
    from shelfwise.service import Shelfwise

    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    data = tmp_path / "data"
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing")))
    colours = ("red", "blue", "green", "black")
    shop.upsert_products([
        Product(product_id=f"k{i}", title=f"{colours[i % 4]} kettle model {i}", category=("Home", "Kettles"))
        for i in range(12)
    ])  # fmt: skip
    shop.rebuild_index()
    for n, colour in enumerate(colours * 5):
        result = shop.serve_search(SearchRequest(query=f"{colour} kettle", session_id=f"s{n}"), f"r{n}")
        top = result.hits[0].product.product_id
        shop.record_events([Event(event_id=f"c{n}", type="click", session_id=f"s{n}", product_id=top,
                                  timestamp=T0, request_id=f"r{n}")])  # fmt: skip
    shop.close()
    runner = CliRunner()
    args = ["ab", "interleave", "--a", "mode=lexical", "--b", "mode=lexical", "--data-dir", str(data)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["queries"] == 20 and summary["no_clicks"] == 0
    assert summary["wins_a"] + summary["wins_b"] == 20  # one logged click per query, always shown
    bad = runner.invoke(
        app, ["ab", "interleave", "--a", "fuson=rrf", "--b", "mode=lexical", "--data-dir", str(data)]
    )
    assert bad.exit_code == 2 and "unknown search setting 'fuson'" in bad.output

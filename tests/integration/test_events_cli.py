"""`shelfwise events import` and `shelfwise events stats` on a small real file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.events import SQLiteEventStore

FILE = """timestamp,visitorid,event,itemid,row
1714557600,v1,view,p1,1
1714557660,v1,addtocart,p1,2
1714557720,v2,view,p2,3
1714557780,v2,transaction,p2,4
not-a-time,v3,view,p3,5
"""


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def test_import_twice_then_stats(tmp_path: Path) -> None:
    feed = tmp_path / "retail.csv"
    feed.write_text(FILE, encoding="utf-8")
    data = str(tmp_path / "data")
    runner = CliRunner()
    args = ["events", "import", str(feed), "--column", "event_id=row", "--data-dir", data]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "accepted            4" in first.output
    assert "rejected            1" in first.output
    assert "retail.csv:6: field 'timestamp'" in first.output
    again = runner.invoke(app, [*args, "--batch-size", "1"])
    assert again.exit_code == 0, again.output
    assert "accepted            0" in again.output and "duplicate           4" in again.output

    stats = runner.invoke(app, ["events", "stats", "--json", "-d", data])
    assert stats.exit_code == 0, stats.output
    found = json.loads(stats.output)
    assert found["total"] == 4 and found["actors"] == 2 and found["last_seq"] == 4
    assert found["by_type"] == {"add_to_cart": 1, "purchase": 1, "view": 2}
    text = runner.invoke(app, ["events", "stats", "-d", data]).output
    assert "purchase" in text and "last seq" in text
    store = SQLiteEventStore(tmp_path / "data" / "events.db")
    assert store.recent("user:v2")[-1].type == "purchase"
    store.close()


def test_unusable_input_exits_non_zero(tmp_path: Path) -> None:
    feed = tmp_path / "retail.csv"
    feed.write_text(FILE, encoding="utf-8")
    runner = CliRunner()
    data = str(tmp_path / "data")
    missing_id = runner.invoke(app, ["events", "import", str(feed), "-d", data])
    assert missing_id.exit_code == 2
    assert "no column gives event_id" in missing_id.output
    bad_pair = runner.invoke(app, ["events", "import", str(feed), "--column", "colour=row", "-d", data])
    assert bad_pair.exit_code == 2
    assert "unknown field 'colour'" in bad_pair.output

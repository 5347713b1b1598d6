"""`shelfwise index` prints a few lines (version, products, encoder, time, what changed)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.index.artifacts import IndexManifest
from shelfwise.index.summary import index_summary, what_changed


def manifest(version: str = "v2", seq: int = 7) -> IndexManifest:
    return IndexManifest(
        version=version, created_at="2026-12-07T09:00:00+00:00", store_seq=seq, encoder="minilm@1+int8",
        dim=384, product_count=6000, vector_kind="flat", lexical_config={}, vector_config={},
        build_seconds=1.5,
    )  # fmt: skip


def test_summary_lines() -> None:
    text = index_summary(manifest(), manifest("v1"), 12.34)
    assert text.splitlines() == [
        "index v2: 6,000 products, flat vectors",
        "  encoder  minilm@1+int8 (384 dimensions)",
        "  time     12.3s",
        "  change   built a new version (replacing v1)",
    ]


def test_what_changed() -> None:
    assert what_changed(None, manifest()) == "built the first version"
    assert what_changed(manifest(seq=3), manifest()) == "caught up with catalog changes 3 -> 7"
    assert what_changed(manifest(), manifest()) == "already up to date"


@pytest.mark.slow
def test_index_command_prints_the_summary_and_json_the_manifest(tmp_path: Path) -> None:
    feed = tmp_path / "feed.csv"
    feed.write_text("sku,name\nA1,Red Mug\nA2,Blue Teapot\n", encoding="utf-8")
    data = ["--data-dir", str(tmp_path / "data")]
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(feed), *data]).exit_code == 0
    first = runner.invoke(app, ["index", *data])
    assert first.exit_code == 0, first.output
    lines = first.stdout.splitlines()
    assert len(lines) == 4 and lines[0].startswith("index ") and ": 2 products" in lines[0]
    assert lines[3] == "  change   built the first version"
    again = runner.invoke(app, ["index", "--json", *data])
    assert again.exit_code == 0
    assert json.loads(again.stdout)["product_count"] == 2

"""CLI for query understanding: the synonym review loop and attribute extraction at ingestion."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.query.synonyms import SynonymCandidate, read_candidates, write_candidates
from shelfwise.query.understand import load_synonyms
from shelfwise.store import open_store

runner = CliRunner()


def _review_file(tmp_path: Path) -> Path:
    path = tmp_path / "synonyms.review.jsonl"
    write_candidates(
        path,
        [
            SynonymCandidate(term_a="fridge", term_b="refrigerator", score=0.9, source="judgments"),
            SynonymCandidate(term_a="ac", term_b="air conditioner", score=0.8, source="judgments"),
            SynonymCandidate(term_a="grill", term_b="cooking", score=0.3, source="judgments"),
        ],
    )
    return path


def test_review_approve_reject_and_only_approved_pairs_are_used(tmp_path: Path) -> None:
    path = _review_file(tmp_path)
    listed = runner.invoke(app, ["synonyms", "review", str(path)])
    assert listed.exit_code == 0 and "fridge = refrigerator" in listed.output and "3 pending" in listed.output
    assert runner.invoke(app, ["synonyms", "approve", str(path), "fridge=refrigerator"]).exit_code == 0
    assert runner.invoke(app, ["synonyms", "reject", str(path), "cooking=grill"]).exit_code == 0
    status = {c.pair: c.status for c in read_candidates(path)}
    assert status == {
        ("fridge", "refrigerator"): "approved",
        ("ac", "air conditioner"): "pending",
        ("grill", "cooking"): "rejected",
    }
    used = load_synonyms(path).expand(["fridge"])
    assert [e.alternative for e in used] == ["refrigerator"]
    assert load_synonyms(path).expand(["ac"]) == []
    unknown = runner.invoke(app, ["synonyms", "approve", str(path), "tv=television"])
    assert unknown.exit_code != 0 and "not among the candidates" in unknown.output


def test_ingest_can_extract_missing_attributes_from_titles(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    rows = [
        {"product_id": "d1", "title": "Voltix 18-Volt Cordless Drill in Red, 2-Pack", "brand": "Voltix"},
        {
            "product_id": "t1",
            "title": "Oakline Stainless Steel Tape Measure 25 ft.",
            "attributes": {"color": "Yellow"},
        },
    ]
    feed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    data = tmp_path / "data"
    result = runner.invoke(app, ["ingest", str(feed), "--extract-attributes", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    store = open_store(f"sqlite:///{data / 'catalog.db'}")
    drill, tape = store.get("d1"), store.get("t1")
    assert drill is not None and tape is not None
    assert drill.attributes["color"] == "Red" and drill.attribute_sources["color"] == "rules"
    assert drill.attributes["voltage"].startswith("18") and drill.attributes["pack_size"] == "2"
    assert tape.attributes["color"] == "Yellow" and "color" not in tape.attribute_sources  # feed wins
    assert tape.attributes["material"] == "Stainless Steel"
    store.close()

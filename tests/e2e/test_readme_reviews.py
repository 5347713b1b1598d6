"""The README's reviews block, run as a shop would run it (each `shelfwise` line of it)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.test_readme import README, _code_blocks, _env, _run, _shelfwise_lines

pytestmark = pytest.mark.slow  # a subprocess, as the other README tests


def test_reviews_import_runs_as_written(tmp_path: Path) -> None:
    block = next(b for b in _code_blocks(README.read_text()) if any("reviews import" in x for x in b))
    [command] = _shelfwise_lines(block)
    lines = [{"review_id": f"r{i}", "product_id": "K-1", "shopper_id": f"u{i}", "rating": 1 + i,
              "text": "Boils fast", "timestamp": "2026-11-01T10:00:00Z"} for i in range(5)]  # fmt: skip
    lines[4]["rating"] = 9
    (tmp_path / "reviews.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = _run(command, tmp_path, _env(tmp_path))
    assert "inserted            4" in done.stdout and "reviews.jsonl:5: field 'rating'" in done.stdout

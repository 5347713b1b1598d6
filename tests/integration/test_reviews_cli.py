"""`shelfwise reviews import` as a shop runs it: bad lines listed and the rest stored (exit 0),
an unusable file refused (exit 2), ids pseudonymized like events; and `shelfwise shoppers forget`
deleting the shopper's reviews, on the data folder's SQLite file and on PostgreSQL."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.privacy import Pseudonymizer
from shelfwise.reviews import open_review_store

GONE = "shopper-rv93q"  # appears nowhere else
LINES = [
    {"review_id": "r1", "product_id": "k1", "shopper_id": GONE, "rating": 5, "text": "Boils fast",
     "timestamp": "2026-11-01T10:00:00Z"},
    {"review_id": "r2", "product_id": "k2", "shopper_id": GONE, "rating": 4, "text": "很好用",
     "timestamp": "2026-11-01T11:00:00Z"},
    {"review_id": "r3", "product_id": "k1", "shopper_id": "u2", "rating": 2, "timestamp": 1762000000},
    {"review_id": "r4", "product_id": "k1", "shopper_id": "u3", "rating": "ten", "timestamp": 1762000000},
]  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def _reviews_file(tmp_path: Path) -> Path:
    path = tmp_path / "reviews.jsonl"
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in LINES))
    return path


def test_import_stores_the_good_lines_and_lists_the_bad(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, output = _run("reviews", "import", str(_reviews_file(tmp_path)), "-d", str(data))
    assert code == 0, output
    assert "inserted            3" in output and "rejected            1" in output
    assert "reviews.jsonl:4: field 'rating': 'ten' is not a number" in output
    code, output = _run("reviews", "stats", "--json", "-d", str(data))
    assert code == 0 and json.loads(output)["total"] == 3
    (tmp_path / "bad.csv").write_text("id,product,stars\nr9,k1,5\n")
    code, output = _run("reviews", "import", str(tmp_path / "bad.csv"), "-d", str(data))
    assert code == 2 and "error: bad.csv: no column gives" in output and "shopper_id" in output
    code, output = _run(
        "reviews", "import", str(tmp_path / "bad.csv"), "--column", "stars=rating", "-d", str(data)
    )
    assert code == 2 and "unknown field 'stars'" in output


def test_pseudonymized_reviews_are_forgotten_by_the_raw_id(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELFWISE_PRIVACY__PSEUDONYMIZE_KEY", "secret-k")
    data = tmp_path / "data"
    code, output = _run("reviews", "import", str(_reviews_file(tmp_path)), "-d", str(data))
    assert code == 0, output
    stored = b"".join(path.read_bytes() for path in data.glob("reviews.db*"))
    assert GONE.encode() not in stored and Pseudonymizer("secret-k").id(GONE).encode() in stored
    code, output = _run("shoppers", "forget", GONE, "--json", "-d", str(data))
    assert code == 0 and json.loads(output)["reviews"] == 2
    store = open_review_store(data)
    try:
        assert [r.review_id for r in store.iter_reviews()] == ["r3"]
    finally:
        store.close()


def test_on_postgresql_import_and_forgetting_use_the_shops_database(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELFWISE_DATABASE_URL", postgres_url)
    data = tmp_path / "data"
    code, output = _run("reviews", "import", str(_reviews_file(tmp_path)), "-d", str(data))
    assert code == 0 and "inserted            3" in output, output
    assert not (data / "reviews.db").exists()
    code, output = _run("shoppers", "forget", GONE, "--json", "-d", str(data))
    assert code == 0 and json.loads(output)["reviews"] == 2
    store = open_review_store(postgres_url)
    try:
        assert store.by_shopper(GONE) == [] and store.count() == 1
    finally:
        store.close()

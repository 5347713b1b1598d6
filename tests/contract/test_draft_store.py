"""Contract suite of the DraftStore protocol (generated descriptions awaiting the admin), run on
memory, SQLite and a real PostgreSQL: a product's later draft replaces its earlier one, lists are
newest first and paged by status, counts name every status, and `decide` replaces a draft only
while it has the status the caller saw (so a draft is decided once)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.describe import DescriptionDraft, DraftStore, MemoryDraftStore, open_draft_store
from shelfwise.describe.store_sqlite import SQLiteDraftStore

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _draft(pid: str, hours: float = 0, text: str = "", status: str = "pending") -> DescriptionDraft:
    return DescriptionDraft(product_id=pid, text=text or f"about {pid}", source="template",
                            generator="generic/en/1", template_text=f"about {pid}", status=status,  # type: ignore[arg-type]
                            created_at=T0 + timedelta(hours=hours))  # fmt: skip


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[DraftStore]:
    opened: DraftStore
    if request.param == "postgresql":
        opened = open_draft_store(request.getfixturevalue("postgres_url"))
    elif request.param == "sqlite":
        opened = open_draft_store(tmp_path)
        assert isinstance(opened, SQLiteDraftStore) and opened.path == tmp_path / "descriptions.db"
    else:
        opened = open_draft_store("memory://")
        assert isinstance(opened, MemoryDraftStore)
    yield opened
    opened.close()


def test_a_later_draft_replaces_the_earlier_and_reads_back_whole(store: DraftStore) -> None:
    store.put([_draft("p1"), _draft("p2", 1)])
    store.put([_draft("p1", 2, "second words")])
    assert store.get("p1") == _draft("p1", 2, "second words")
    assert store.get("nope") is None
    assert list(store.get_many(["p2", "p1", "nope"])) == ["p1", "p2"]
    assert store.counts() == {"pending": 2, "approved": 0, "rejected": 0}


def test_lists_are_newest_first_by_status_and_paged(store: DraftStore) -> None:
    store.put([_draft("a", 1), _draft("b", 3), _draft("c", 3), _draft("d", 2, status="rejected")])
    assert [d.product_id for d in store.list("pending")] == ["b", "c", "a"]
    assert [d.product_id for d in store.list("pending", limit=2, offset=1)] == ["c", "a"]
    assert [d.product_id for d in store.list()] == ["b", "c", "d", "a"]
    assert [d.product_id for d in store.list("rejected")] == ["d"]


def test_decide_replaces_only_a_draft_with_the_expected_status(store: DraftStore) -> None:
    store.put([_draft("p1")])
    approved = _draft("p1", status="approved").model_copy(update={"decided_by": "k1", "decided_at": T0})
    assert store.decide(approved, "pending") is True
    assert store.decide(_draft("p1", status="rejected"), "pending") is False  # decided already
    assert store.decide(_draft("nope", status="approved"), "pending") is False
    assert store.get("p1") == approved
    assert store.counts() == {"pending": 0, "approved": 1, "rejected": 0}

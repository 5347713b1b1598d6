"""Contract suite for the answers a server's processes share, on SQLite and PostgreSQL: an entry
is read back while its marker matches and within its TTL, a later put replaces it, forgetting a
shopper deletes the answers computed for them (and only those), and clear empties the level."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from shelfwise.recommend.shared_answers import AnswerStore, answer_key, open_shared_answers


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["sqlite", "postgresql"])
def answers(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[AnswerStore, Clock]]:
    clock = Clock()
    target = request.getfixturevalue("postgres_url") if request.param == "postgresql" else tmp_path
    store = open_shared_answers(target, 30.0, clock=clock)
    assert store is not None
    yield store, clock
    store.close()


def test_an_answer_is_read_back_while_its_marker_and_ttl_hold(answers: tuple[AnswerStore, Clock]) -> None:
    store, clock = answers
    assert store.enabled and store.get("k1", "m1") is None
    store.put("k1", "m1", '["p1"]', owner=answer_key("user:u1"))
    clock.now += 10
    assert store.get("k1", "m1") == ('["p1"]', 10.0)
    assert store.get("k1", "m2") is None  # the shopper acted since: another marker
    store.put("k1", "m2", '["p2"]')
    assert store.get("k1", "m2") == ('["p2"]', 0.0) and store.entries() == 1
    clock.now += 31
    assert store.get("k1", "m2") is None


def test_forgetting_deletes_only_that_shoppers_answers(answers: tuple[AnswerStore, Clock]) -> None:
    store, _ = answers
    store.put("k1", "m", "a", owner=answer_key("user:gone"))
    store.put("k2", "m", "b", owner=answer_key("session:gone-visit"))
    store.put("k3", "m", "c", owner=answer_key("user:stays"))
    assert store.forget(["user:gone", "session:gone-visit"]) == 2
    assert store.get("k1", "m") is None and store.get("k3", "m") == ("c", 0.0)
    assert store.forget(["user:gone"]) == 0
    store.clear()
    assert store.entries() == 0


def test_memory_means_no_shared_level(tmp_path: Path) -> None:
    assert open_shared_answers("memory://", 30.0) is None
    with pytest.raises(ValueError, match="unsupported shared answers URL"):
        open_shared_answers("redis://cache", 30.0)

"""Contract suite every EventStore backend must pass, plus what only SQLite promises (a file)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.events import (
    AppendOutcome,
    EventStore,
    MemoryEventStore,
    SQLiteEventStore,
    open_event_store,
)
from shelfwise.events.sqlite import from_micros, to_micros
from shelfwise.records import Event

ACCEPTED, DUPLICATE = AppendOutcome.ACCEPTED, AppendOutcome.DUPLICATE
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def _event(eid: str, actor: str = "u1", type_: str = "view", minutes: int = 0, **kw: object) -> Event:
    who = {"session_id": actor[2:]} if actor.startswith("s:") else {"user_id": actor}
    fields: dict[str, object] = {"product_id": "p1"} if type_ != "search" else {"query": "kettle"}
    return Event(
        event_id=eid, type=type_, timestamp=T0 + timedelta(minutes=minutes), **who, **{**fields, **kw}
    )


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    backend: EventStore
    if request.param == "postgresql":
        backend = open_event_store(request.getfixturevalue("postgres_url"))
    else:
        memory = request.param == "memory"
        backend = MemoryEventStore() if memory else SQLiteEventStore(tmp_path / "events.db")
    yield backend
    backend.close()


def test_backends_satisfy_protocol(store: EventStore) -> None:
    assert isinstance(store, EventStore)


def test_empty_store(store: EventStore) -> None:
    assert (store.count(), store.last_seq(), list(store.iter_events()), store.recent("user:u1")) == (
        0,
        0,
        [],
        [],
    )
    stats = store.stats()
    assert (stats.total, stats.by_type, stats.actors, stats.last_seq) == (0, {}, 0, 0)
    assert stats.first_timestamp is None
    assert store.append([]) == []


def test_append_is_idempotent_by_event_id(store: EventStore) -> None:
    assert store.append([_event("a"), _event("b")]) == [ACCEPTED, ACCEPTED]
    # a resent event is a duplicate even with other content; a repeat within one batch counts once
    again = store.append([_event("b", type_="click"), _event("c"), _event("c"), _event("a")])
    assert again == [DUPLICATE, ACCEPTED, DUPLICATE, DUPLICATE]
    assert store.count() == 3
    assert [s.event for s in store.iter_events()] == [_event("a"), _event("b"), _event("c")]


def test_seq_grows_with_every_accepted_event(store: EventStore) -> None:
    store.append([_event("a"), _event("b")])
    store.append([_event("a"), _event("c")])
    seqs = [s.seq for s in store.iter_events()]
    assert len(seqs) == 3 and all(a < b for a, b in zip(seqs, seqs[1:], strict=False))
    assert store.last_seq() == seqs[-1]


def test_iter_events_after_seq_in_pages(store: EventStore) -> None:
    events = [_event(f"e{i:03d}", minutes=i) for i in range(25)]
    store.append(events[:10])
    store.append(events[10:])
    assert [s.event for s in store.iter_events(batch_size=4)] == events
    stored = list(store.iter_events())
    tail = list(store.iter_events(after_seq=stored[19].seq, batch_size=3))
    assert tail == stored[20:]
    assert [s.event for s in tail] == events[20:]
    assert list(store.iter_events(after_seq=store.last_seq())) == []


def test_stored_events_come_back_whole(store: EventStore) -> None:
    search = _event("s1", "s:abc", "search", shown=("p1", "p2"), request_id="req-1")
    rating = _event("r1", type_="rating", rating=4.5, review="Lovely kettle", price=19.99, position=0)
    store.append([search, rating])
    assert [s.event for s in store.iter_events()] == [search, rating]
    assert store.recent("session:abc") == [search]


def test_recent_is_the_newest_of_one_actor_oldest_first(store: EventStore) -> None:
    mine = [_event(f"m{i}", "u1", minutes=i) for i in range(6)]
    others = [_event(f"o{i}", "s:u1", minutes=i) for i in range(3)]  # session 'u1' is not user 'u1'
    for i, event in enumerate(mine):
        store.append([event, *others[i : i + 1]])
    assert store.recent("user:u1", limit=4) == mine[2:]
    assert store.recent("user:u1") == mine
    assert store.recent("session:u1", limit=2) == others[1:]
    assert store.recent("user:nobody") == []
    assert store.recent("user:u1", limit=0) == []


def test_actor_seq_moves_only_with_the_actors_own_events(store: EventStore) -> None:
    assert store.actor_seq("user:u1") == 0
    store.append([_event("a", "u1"), _event("b", "u2")])
    first = store.actor_seq("user:u1")
    assert first > 0 and store.actor_seq("user:u2") > first
    store.append([_event("c", "u2"), _event("a", "u1")])  # "a" again is a duplicate
    assert store.actor_seq("user:u1") == first
    store.append([_event("d", "u1")])
    assert store.actor_seq("user:u1") == store.last_seq() > first
    assert store.actor_seq("session:u1") == 0


def test_stats_count_types_actors_and_time_span(store: EventStore) -> None:
    store.append(
        [
            _event("a", "u1", "view", minutes=5),
            _event("b", "u1", "click", minutes=1),
            _event("c", "s:x", "view", minutes=9),
            _event("d", "u2", "search"),
        ]
    )
    stats = store.stats()
    assert stats.total == 4
    assert stats.by_type == {"click": 1, "search": 1, "view": 2}
    assert stats.actors == 3
    assert stats.last_seq == 4
    assert (stats.first_timestamp, stats.last_timestamp) == (T0, T0 + timedelta(minutes=9))


def test_concurrent_appends_lose_nothing(store: EventStore) -> None:
    def worker(k: int) -> None:
        for batch in range(5):
            store.append([_event(f"t{k}-{batch}-{i}") for i in range(20)] + [_event("shared")])

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = list(store.iter_events())
    assert len(stored) == store.count() == 4 * 5 * 20 + 1
    assert len({s.event.event_id for s in stored}) == len(stored)
    assert all(a.seq < b.seq for a, b in zip(stored, stored[1:], strict=False))


# ----- SQLite only ------------------------------------------------------------------------------


def test_sqlite_is_durable_across_reopen_and_configured_for_it(tmp_path: Path) -> None:
    path = tmp_path / "events.db"
    store = SQLiteEventStore(path)
    assert store._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    store.append([_event("a"), _event("b")])
    store.close()
    reopened = SQLiteEventStore(path)
    assert reopened.append([_event("b"), _event("c")]) == [DUPLICATE, ACCEPTED]
    assert [s.seq for s in reopened.iter_events()] == [1, 2, 3]  # duplicates leave no gaps
    assert reopened.integrity_check() == "ok"
    reopened.close()


def test_sqlite_a_failed_batch_stores_nothing(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "events.db")
    store.append([_event("a")])

    class Boom(Event):
        @property
        def actor(self) -> str:
            raise RuntimeError("boom")

    bad = Boom.model_validate(_event("z").model_dump())
    with pytest.raises(RuntimeError):
        store.append([_event("b"), bad])
    assert [s.event.event_id for s in store.iter_events()] == ["a"]
    assert store.append([_event("b")]) == [ACCEPTED]
    store.close()


def test_sqlite_two_connections_share_one_sequence(tmp_path: Path) -> None:
    first, second = SQLiteEventStore(tmp_path / "e.db"), SQLiteEventStore(tmp_path / "e.db")
    first.append([_event("a")])
    assert second.append([_event("a"), _event("b")]) == [DUPLICATE, ACCEPTED]
    first.append([_event("c")])
    assert [(s.seq, s.event.event_id) for s in second.iter_events()] == [(1, "a"), (2, "b"), (3, "c")]
    first.close()
    second.close()


def test_micros_round_trip_exactly() -> None:
    moment = datetime(2024, 5, 1, 12, 30, 15, 123456, tzinfo=UTC)
    assert from_micros(to_micros(moment)) == moment
    assert to_micros(datetime(1970, 1, 1, tzinfo=UTC)) == 0
    assert from_micros(to_micros(datetime(1969, 12, 31, 23, 59, 59, 500000, tzinfo=UTC))).second == 59


def test_open_event_store_by_folder_or_url(tmp_path: Path) -> None:
    by_folder = open_event_store(tmp_path / "data")
    assert isinstance(by_folder, SQLiteEventStore)
    assert by_folder.path == tmp_path / "data" / "events.db"
    by_folder.close()
    by_url = open_event_store(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(by_url, SQLiteEventStore) and by_url.path == tmp_path / "x.db"
    by_url.close()
    assert isinstance(open_event_store("memory://"), MemoryEventStore)
    with pytest.raises(ValueError, match="unsupported event store URL"):
        open_event_store("mysql://localhost/shop")

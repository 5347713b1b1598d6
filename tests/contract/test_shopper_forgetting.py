"""Contract suite for forgetting a shopper and retention purges, which every backend of the
stores holding shoppers' ids must pass: events, impressions (also buffered), exposures and reviews.
SQLite backends also leave no trace of the forgotten id in their files' bytes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.events import EventStore, MemoryEventStore, SQLiteEventStore, open_event_store
from shelfwise.experiments import (
    Exposure,
    ExposureLog,
    MemoryExposureLog,
    SQLiteExposureLog,
    open_exposure_log,
)
from shelfwise.impressions import (
    BufferedImpressionLog,
    Impression,
    ImpressionLog,
    MemoryImpressionLog,
    SQLiteImpressionLog,
    open_impression_log,
)
from shelfwise.privacy import ForgetLog, ShopperData, forget_shopper
from shelfwise.records import Event
from shelfwise.reviews import Review, ReviewStore, SQLiteReviewStore, import_reviews, open_review_store

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
GONE = "shopper-zq81x"  # an id that appears nowhere else in the files
GONE_SESSION = "visit-gk27w"


def _event(eid: str, user: str | None, session: str | None, minutes: int = 0) -> Event:
    return Event(event_id=eid, type="view", user_id=user, session_id=session, product_id="p1",
                 timestamp=T0 + timedelta(minutes=minutes))  # fmt: skip


def _impression(rid: str, user: str | None, session: str | None, days: int = 0) -> Impression:
    return Impression(request_id=rid, surface="search", timestamp=T0 + timedelta(days=days),
                      user_id=user, session_id=session, query="kettle")  # fmt: skip


def _exposure(rid: str, unit: str, days: int = 0) -> Exposure:
    return Exposure(experiment="exp", variant="a", unit_id=unit, request_id=rid,
                    timestamp=T0 + timedelta(days=days))  # fmt: skip


def _file_bytes(folder: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(folder.iterdir()) if path.is_file())


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def events(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    store: EventStore
    if request.param == "postgresql":
        store = open_event_store(request.getfixturevalue("postgres_url"))
    else:
        store = MemoryEventStore() if request.param == "memory" else SQLiteEventStore(tmp_path / "events.db")
    yield store
    store.close()


@pytest.fixture(params=["memory", "sqlite", "buffered-sqlite", "postgresql"])
def impressions(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ImpressionLog]:
    log: ImpressionLog
    if request.param == "postgresql":
        log = open_impression_log(request.getfixturevalue("postgres_url"))
    elif request.param == "memory":
        log = MemoryImpressionLog()
    elif request.param == "sqlite":
        log = SQLiteImpressionLog(tmp_path / "impressions.db")
    else:
        log = BufferedImpressionLog(SQLiteImpressionLog(tmp_path / "impressions.db"), interval=30)
    yield log
    log.close()


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def exposures(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ExposureLog]:
    log: ExposureLog
    if request.param == "postgresql":
        log = open_exposure_log(request.getfixturevalue("postgres_url"))
    else:
        log = MemoryExposureLog() if request.param == "memory" else SQLiteExposureLog(tmp_path / "x.db")
    yield log
    log.close()


# ----- events --------------------------------------------------------------------------------------


def _shop_events() -> list[Event]:
    return [
        _event("anon-1", None, GONE_SESSION, 0),  # before signing in
        _event("mine-1", GONE, GONE_SESSION, 1),
        _event("mine-2", GONE, None, 2),
        _event("other-1", "u2", None, 3),
        _event("other-2", "u2", GONE_SESSION, 4),  # another user in the same visit: theirs
        _event("anon-2", None, "s-else", 5),
    ]


def test_forgetting_deletes_the_users_and_their_sessions_events(events: EventStore) -> None:
    events.append(_shop_events())
    last = events.last_seq()
    assert events.sessions_of(GONE) == {GONE_SESSION}
    assert events.forget_user(GONE, events.sessions_of(GONE)) == 3
    left = [stored.event.event_id for stored in events.iter_events()]
    assert left == ["other-1", "other-2", "anon-2"]
    assert events.count() == 3 and events.stats().total == 3
    assert events.recent(f"user:{GONE}") == [] and events.recent(f"session:{GONE_SESSION}") == []
    assert events.actor_seq(f"user:{GONE}") == 0 and events.sessions_of(GONE) == set()
    assert events.last_seq() == last  # seq numbers are never reused
    assert events.forget_user(GONE) == 0  # again: nothing left
    # a resent event id is new again, with a larger seq than any before
    assert [o.value for o in events.append([_event("mine-1", GONE, None, 9)])] == ["accepted"]
    assert events.actor_seq(f"user:{GONE}") > last


def test_forgetting_an_unknown_user_removes_nothing(events: EventStore) -> None:
    events.append(_shop_events())
    assert events.forget_user("nobody", ["no-such-visit"]) == 0
    assert events.count() == 6


def test_purge_deletes_only_events_before_the_cutoff(events: EventStore) -> None:
    events.append(_shop_events())
    assert events.purge_before(T0 + timedelta(minutes=3)) == 3
    assert [s.event.event_id for s in events.iter_events()] == ["other-1", "other-2", "anon-2"]
    assert events.purge_before(T0) == 0
    assert events.actor_seq(f"user:{GONE}") == 0 and events.actor_seq("user:u2") > 0


def test_sqlite_event_file_keeps_no_trace_of_a_forgotten_shopper(tmp_path: Path) -> None:
    store = SQLiteEventStore(tmp_path / "events.db")
    store.append(_shop_events())
    assert GONE.encode() in _file_bytes(tmp_path)
    store.forget_user(GONE, store.sessions_of(GONE))
    data = _file_bytes(tmp_path)
    assert GONE.encode() not in data
    assert b"anon-1" not in data and b"u2" in data
    store.close()


# ----- impressions ---------------------------------------------------------------------------------


def test_forgetting_deletes_the_users_impressions_and_their_anonymous_ones(
    impressions: ImpressionLog,
) -> None:
    impressions.record([
        _impression("r1", None, GONE_SESSION), _impression("r2", GONE, GONE_SESSION),
        _impression("r3", GONE, "visit-2"), _impression("r4", "u2", GONE_SESSION),
        _impression("r5", None, "s-else"),
    ])  # fmt: skip
    assert impressions.sessions_of(GONE) == {GONE_SESSION, "visit-2"}
    assert impressions.forget_user(GONE, impressions.sessions_of(GONE)) == 3
    assert [i.request_id for i in impressions.iter_impressions()] == ["r4", "r5"]
    assert impressions.get("r2") is None and impressions.count() == 2
    assert impressions.forget_user(GONE) == 0


def test_purge_deletes_only_impressions_before_the_cutoff(impressions: ImpressionLog) -> None:
    impressions.record([_impression(f"r{d}", "u1", None, days=d) for d in range(5)])
    assert impressions.purge_before(T0 + timedelta(days=2)) == 2
    assert [i.request_id for i in impressions.iter_impressions()] == ["r2", "r3", "r4"]


def test_sqlite_impression_file_keeps_no_trace(tmp_path: Path) -> None:
    log = SQLiteImpressionLog(tmp_path / "impressions.db")
    log.record([_impression("r1", GONE, GONE_SESSION), _impression("r2", "u2", None)])
    log.forget_user(GONE, log.sessions_of(GONE))
    data = _file_bytes(tmp_path)
    assert GONE.encode() not in data and GONE_SESSION.encode() not in data and b"u2" in data
    log.close()


# ----- exposures -----------------------------------------------------------------------------------


def test_forgetting_deletes_exposures_of_the_user_and_their_sessions(exposures: ExposureLog) -> None:
    exposures.record([_exposure("r1", GONE), _exposure("r2", GONE_SESSION), _exposure("r3", "u2")])
    assert exposures.forget_user(GONE, [GONE_SESSION]) == 2
    assert [e.request_id for e in exposures.exposures("exp")] == ["r3"]
    assert exposures.count() == 1
    assert exposures.record([_exposure("r1", GONE)])[0].value == "recorded"  # free again


def test_purge_deletes_only_exposures_before_the_cutoff(exposures: ExposureLog) -> None:
    exposures.record([_exposure(f"r{d}", "u1", days=d) for d in range(4)])
    assert exposures.purge_before(T0 + timedelta(days=1)) == 1
    assert [e.request_id for e in exposures.exposures("exp")] == ["r1", "r2", "r3"]
    assert exposures.experiments() == ["exp"]
    assert exposures.purge_before(T0 + timedelta(days=9)) == 3
    assert exposures.experiments() == [] and exposures.count() == 0


# ----- reviews -------------------------------------------------------------------------------------


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def reviews(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReviewStore]:
    store = open_review_store(
        request.getfixturevalue("postgres_url") if request.param == "postgresql"
        else "memory://" if request.param == "memory" else tmp_path / "reviews"
    )  # fmt: skip
    yield store
    store.close()


def _shop_reviews() -> list[Review]:
    return [
        Review(review_id=f"r-{who}-{product}", product_id=product, shopper_id=who, rating=4,
               text=f"{who} wrote about {product}", timestamp=T0)
        for who in (GONE, "u2") for product in ("p1", "p2")
    ]  # fmt: skip


def test_forgetting_a_shopper_deletes_their_reviews(reviews: ReviewStore) -> None:
    reviews.upsert(_shop_reviews())
    data = ShopperData(MemoryEventStore(), MemoryImpressionLog(), MemoryExposureLog(), None,
                       ForgetLog(":memory:"), Path("unused"), reviews=reviews)  # fmt: skip
    report, _ = forget_shopper(data, GONE)
    assert report.reviews == 2
    assert reviews.by_shopper(GONE) == [] and reviews.count() == 2
    assert reviews.summary("p1").count == 1  # the other shopper's review still counts
    assert forget_shopper(data, GONE)[0].reviews == 0


def test_a_copy_of_a_forgotten_shoppers_text_is_no_longer_a_copy(reviews: ReviewStore) -> None:
    text = "Arrived on time, exactly as described, and the recipient loved it."
    first, copy = (Review(review_id=rid, product_id="p1", shopper_id=who, rating=5, text=text,
                          timestamp=T0 + timedelta(days=day))
                   for rid, who, day in (("orig", GONE, 0), ("copy", "u2", 1)))  # fmt: skip
    import_reviews(reviews, [first, copy])
    assert [r.review_id for r in reviews.flagged()] == ["copy"]
    data = ShopperData(MemoryEventStore(), MemoryImpressionLog(), MemoryExposureLog(), None,
                       ForgetLog(":memory:"), Path("unused"), reviews=reviews)  # fmt: skip
    assert forget_shopper(data, GONE)[0].reviews == 1
    assert reviews.flagged() == [] and reviews.summary("p1").count == 1  # u2's words now stand


def test_sqlite_review_file_keeps_no_trace_of_a_forgotten_shopper(tmp_path: Path) -> None:
    store = SQLiteReviewStore(tmp_path / "reviews.db")
    store.upsert(_shop_reviews())
    assert GONE.encode() in _file_bytes(tmp_path)
    assert store.forget_shopper(GONE) == 2
    assert GONE.encode() not in _file_bytes(tmp_path)
    store.close()

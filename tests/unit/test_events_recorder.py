"""EventRecorder: listeners hear about newly accepted events only, in store order."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from shelfwise.events import AppendOutcome, EventRecorder, MemoryEventStore
from shelfwise.records import Event


def _event(eid: str) -> Event:
    return Event(
        event_id=eid, type="view", user_id="u1", product_id="p1", timestamp=datetime(2024, 5, 1, tzinfo=UTC)
    )


def test_listeners_get_only_new_events() -> None:
    recorder = EventRecorder(MemoryEventStore())
    heard: list[list[str]] = []
    recorder.subscribe(lambda events: heard.append([e.event_id for e in events]))
    assert recorder.record([_event("a"), _event("b")]) == [AppendOutcome.ACCEPTED] * 2
    outcomes = recorder.record([_event("b"), _event("c"), _event("c")])
    assert outcomes == [AppendOutcome.DUPLICATE, AppendOutcome.ACCEPTED, AppendOutcome.DUPLICATE]
    recorder.record([_event("a")])  # nothing new: no call
    assert heard == [["a", "b"], ["c"]]


def test_a_failing_listener_is_logged_and_the_others_still_hear(caplog: pytest.LogCaptureFixture) -> None:
    store = MemoryEventStore()
    recorder = EventRecorder(store)
    heard: list[str] = []

    def broken(events: Sequence[Event]) -> None:
        raise RuntimeError("model not loaded")

    recorder.subscribe(broken)
    recorder.subscribe(lambda events: heard.extend(e.event_id for e in events))
    with caplog.at_level(logging.ERROR, logger="shelfwise.events"):
        assert recorder.record([_event("a")]) == [AppendOutcome.ACCEPTED]
    assert heard == ["a"]
    assert store.count() == 1
    assert "event listener" in caplog.text and "model not loaded" in caplog.text

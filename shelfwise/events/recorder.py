"""EventRecorder: append events to a store, then tell listeners about the ones newly accepted."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from shelfwise.events.base import AppendOutcome, EventStore
from shelfwise.records import Event

logger = logging.getLogger("shelfwise.events")

EventListener = Callable[[Sequence[Event]], None]
"""Called with the events a batch newly added (never duplicates), after they are durable."""


class EventRecorder:
    """Appends batches and notifies listeners, one batch at a time: listeners see accepted events
    in store order, each exactly once per process. A listener that raises is logged and skipped;
    the events stay stored, and others are still told (a listener can catch up from the store).

    Events that other processes append (e.g. `shelfwise events import`) reach no listener here;
    readers that must see them follow the store with `iter_events(after_seq)`.
    """

    def __init__(self, store: EventStore) -> None:
        self.store = store
        self._listeners: list[EventListener] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: EventListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def record(self, events: Sequence[Event]) -> list[AppendOutcome]:
        with self._lock:
            outcomes = self.store.append(events)
            accepted = [e for e, o in zip(events, outcomes, strict=True) if o is AppendOutcome.ACCEPTED]
            if accepted:
                for listener in self._listeners:
                    try:
                        listener(accepted)
                    except Exception:
                        logger.exception("event listener %r failed on %d events", listener, len(accepted))
        return outcomes

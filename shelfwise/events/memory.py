"""In-memory EventStore for tests and throwaway runs: same contract as SQLite, nothing on disk."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence

from shelfwise.events.base import AppendOutcome, EventStats, StoredEvent
from shelfwise.records import Event


class MemoryEventStore:
    def __init__(self) -> None:
        self._log: list[StoredEvent] = []
        self._ids: set[str] = set()
        self._by_actor: dict[str, list[Event]] = {}
        self._actor_seq: dict[str, int] = {}
        self._lock = threading.RLock()

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        outcomes: list[AppendOutcome] = []
        with self._lock:
            for event in events:
                if event.event_id in self._ids:
                    outcomes.append(AppendOutcome.DUPLICATE)
                    continue
                self._ids.add(event.event_id)
                self._log.append(StoredEvent(len(self._log) + 1, event))
                self._by_actor.setdefault(event.actor, []).append(event)
                self._actor_seq[event.actor] = len(self._log)
                outcomes.append(AppendOutcome.ACCEPTED)
        return outcomes

    def iter_events(self, after_seq: int = 0, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        position = max(0, after_seq)  # seq n is at index n - 1
        while True:
            with self._lock:
                chunk = self._log[position : position + max(1, batch_size)]
            if not chunk:
                return
            yield from chunk
            position += len(chunk)

    def recent(self, actor: str, limit: int = 50) -> list[Event]:
        if limit <= 0:
            return []
        with self._lock:
            return list(self._by_actor.get(actor, [])[-limit:])

    def actor_seq(self, actor: str) -> int:
        with self._lock:
            return self._actor_seq.get(actor, 0)

    def last_seq(self) -> int:
        with self._lock:
            return len(self._log)

    def count(self) -> int:
        with self._lock:
            return len(self._log)

    def stats(self) -> EventStats:
        with self._lock:
            events = [stored.event for stored in self._log]
            actors = len(self._by_actor)
        times = [event.timestamp for event in events]
        return EventStats(
            total=len(events),
            by_type=dict(sorted(Counter(event.type for event in events).items())),
            actors=actors,
            last_seq=len(events),
            first_timestamp=min(times, default=None),
            last_timestamp=max(times, default=None),
        )

    def close(self) -> None:
        """Nothing to release; the events stay readable."""

"""In-memory EventStore for tests and throwaway runs: same contract as SQLite, nothing on disk."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime

from shelfwise.events.base import AppendOutcome, EventStats, StoredEvent
from shelfwise.records import Event


class MemoryEventStore:
    def __init__(self) -> None:
        self._log: list[StoredEvent | None] = []  # seq n at index n - 1; None where one was deleted
        self._ids: set[str] = set()
        self._by_actor: dict[str, list[StoredEvent]] = {}
        self._lock = threading.RLock()

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        outcomes: list[AppendOutcome] = []
        with self._lock:
            for event in events:
                if event.event_id in self._ids:
                    outcomes.append(AppendOutcome.DUPLICATE)
                    continue
                self._ids.add(event.event_id)
                stored = StoredEvent(len(self._log) + 1, event)
                self._log.append(stored)
                self._by_actor.setdefault(event.actor, []).append(stored)
                outcomes.append(AppendOutcome.ACCEPTED)
        return outcomes

    def iter_events(self, after_seq: int = 0, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        position = max(0, after_seq)
        while True:
            with self._lock:
                chunk = self._log[position : position + max(1, batch_size)]
            if not chunk:
                return
            yield from (stored for stored in chunk if stored is not None)
            position += len(chunk)

    def recent(self, actor: str, limit: int = 50) -> list[Event]:
        if limit <= 0:
            return []
        with self._lock:
            return [stored.event for stored in self._by_actor.get(actor, [])[-limit:]]

    def actor_seq(self, actor: str) -> int:
        with self._lock:
            own = self._by_actor.get(actor)
            return own[-1].seq if own else 0

    def last_seq(self) -> int:
        with self._lock:
            return len(self._log)

    def count(self) -> int:
        with self._lock:
            return sum(len(own) for own in self._by_actor.values())

    def stats(self) -> EventStats:
        with self._lock:
            events = [stored.event for stored in self._log if stored is not None]
            actors = len(self._by_actor)
        times = [event.timestamp for event in events]
        return EventStats(
            total=len(events),
            by_type=dict(sorted(Counter(event.type for event in events).items())),
            actors=actors,
            last_seq=len(self._log),
            first_timestamp=min(times, default=None),
            last_timestamp=max(times, default=None),
        )

    def sessions_of(self, user_id: str) -> set[str]:
        with self._lock:
            own = self._by_actor.get(f"user:{user_id}", [])
            return {s.event.session_id for s in own if s.event.session_id is not None}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        actors = {f"user:{user_id}", *(f"session:{s}" for s in session_ids)}
        return self._delete(lambda stored: stored.event.actor in actors)

    def purge_before(self, cutoff: datetime) -> int:
        return self._delete(lambda stored: stored.event.timestamp < cutoff)

    def _delete(self, doomed: Callable[[StoredEvent], bool]) -> int:
        deleted = 0
        with self._lock:
            for actor in list(self._by_actor):
                kept = [stored for stored in self._by_actor[actor] if not doomed(stored)]
                for stored in self._by_actor[actor]:
                    if doomed(stored):
                        self._log[stored.seq - 1] = None
                        self._ids.discard(stored.event.event_id)
                        deleted += 1
                if kept:
                    self._by_actor[actor] = kept
                else:
                    del self._by_actor[actor]
        return deleted

    def close(self) -> None:
        """Nothing to release; the events stay readable."""

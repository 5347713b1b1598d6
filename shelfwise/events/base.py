"""The EventStore protocol: an append-only, idempotent log of shoppers' events in arrival order."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from shelfwise.records import Event


class AppendOutcome(StrEnum):
    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    """An event whose `event_id` is already stored (or came earlier in the same batch)."""


@dataclass(frozen=True)
class StoredEvent:
    """An accepted event with its place in the log: `seq` grows with every accepted event."""

    seq: int
    event: Event


@dataclass(frozen=True)
class EventStats:
    """Counts over the whole log."""

    total: int
    by_type: dict[str, int] = field(default_factory=dict)
    actors: int = 0
    last_seq: int = 0
    first_timestamp: datetime | None = None
    last_timestamp: datetime | None = None


@runtime_checkable
class EventStore(Protocol):
    """Durable event storage. `append` returns only once its accepted events are durable, so an
    acknowledged event survives a crash. Each accepted event gets a larger sequence number than
    every event stored before it (backends may leave gaps), and a seq becomes visible only after
    all smaller ones, so readers can follow the log with `iter_events(after_seq)`."""

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        """Store the events atomically as one batch; one outcome per event, in order."""
        ...

    def iter_events(self, after_seq: int = 0, batch_size: int = 10_000) -> Iterator[StoredEvent]:
        """Events with seq > `after_seq`, in seq order, read `batch_size` at a time."""
        ...

    def recent(self, actor: str, limit: int = 50) -> list[Event]:
        """The latest `limit` events (by seq) of one actor ('user:<id>' or 'session:<id>'),
        oldest first."""
        ...

    def actor_seq(self, actor: str) -> int:
        """Sequence number of the actor's latest event, 0 when it has none: an answer built from
        the actor's history stays current while this does not change."""
        ...

    def last_seq(self) -> int:
        """Sequence number of the latest accepted event (0 for an empty store)."""
        ...

    def count(self) -> int: ...

    def stats(self) -> EventStats: ...

    def sessions_of(self, user_id: str) -> set[str]:
        """The session ids on the signed-in shopper's events."""
        ...

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        """Delete every event of 'user:<user_id>' and of the anonymous sessions named (not other
        users' events in those sessions); returns how many went. Their event ids are free again,
        and `actor_seq` of each is 0 after it; seq numbers are never reused."""
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the events that happened before `cutoff` (retention); returns how many went."""
        ...

    def close(self) -> None: ...

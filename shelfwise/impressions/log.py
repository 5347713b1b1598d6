"""The `ImpressionLog` protocol: what each response showed, kept by request id; and its factory.

Recording is idempotent by request id: a retried request is one impression and the first record
wins. `record` returns once its new impressions are stored; they are read back in time order
(ties in recording order), optionally from a time window, for attribution and reports.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions.records import Impression
from shelfwise.storage.urls import Databases, folder_or_url, on_database

IMPRESSIONS_FILE = "impressions.db"


@runtime_checkable
class ImpressionLog(Protocol):
    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        """Store the impressions as one batch; one outcome per impression, in order."""
        ...

    def get(self, request_id: str) -> Impression | None: ...

    def iter_impressions(
        self, since: datetime | None = None, until: datetime | None = None, surface: str | None = None
    ) -> Iterator[Impression]:
        """Impressions with since <= timestamp < until (open ends: everything), oldest first."""
        ...

    def count(self, surface: str | None = None) -> int: ...

    def sessions_of(self, user_id: str) -> set[str]:
        """The session ids on the signed-in shopper's impressions."""
        ...

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        """Delete the shopper's impressions and those of the named sessions served to no signed-in
        user; returns how many went."""
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the impressions served before `cutoff` (retention); returns how many went."""
        ...

    def close(self) -> None: ...


class MemoryImpressionLog:
    """An ImpressionLog in memory, for tests and simulations."""

    def __init__(self) -> None:
        self._by_id: dict[str, Impression] = {}

    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        outcomes: list[RecordOutcome] = []
        for impression in impressions:
            if impression.request_id in self._by_id:
                outcomes.append(RecordOutcome.DUPLICATE)
                continue
            self._by_id[impression.request_id] = impression
            outcomes.append(RecordOutcome.RECORDED)
        return outcomes

    def get(self, request_id: str) -> Impression | None:
        return self._by_id.get(request_id)

    def iter_impressions(
        self, since: datetime | None = None, until: datetime | None = None, surface: str | None = None
    ) -> Iterator[Impression]:
        ordered = sorted(enumerate(self._by_id.values()), key=lambda pair: (pair[1].timestamp, pair[0]))
        for _, impression in ordered:
            if since is not None and impression.timestamp < since:
                continue
            if until is not None and impression.timestamp >= until:
                continue
            if surface is None or impression.surface == surface:
                yield impression

    def count(self, surface: str | None = None) -> int:
        if surface is None:
            return len(self._by_id)
        return sum(1 for impression in self._by_id.values() if impression.surface == surface)

    def sessions_of(self, user_id: str) -> set[str]:
        found = (i.session_id for i in self._by_id.values() if i.user_id == user_id)
        return {session for session in found if session is not None}

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        sessions = set(session_ids)
        return self._delete(
            lambda i: i.user_id == user_id or (i.user_id is None and i.session_id in sessions)
        )

    def purge_before(self, cutoff: datetime) -> int:
        return self._delete(lambda impression: impression.timestamp < cutoff)

    def _delete(self, doomed: Callable[[Impression], bool]) -> int:
        gone = [request_id for request_id, impression in self._by_id.items() if doomed(impression)]
        for request_id in gone:
            del self._by_id[request_id]
        return len(gone)

    def close(self) -> None:
        return None


def open_impression_log(target: str | Path, databases: Databases | None = None) -> ImpressionLog:
    """A data folder (its `impressions.db`), `sqlite:///path/to/file.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    from shelfwise.impressions.log_sqlite import SQLiteImpressionLog

    parsed = folder_or_url(target, IMPRESSIONS_FILE, "impression log")
    if parsed.scheme == "memory":
        return MemoryImpressionLog()
    if parsed.scheme == "postgresql":
        from shelfwise.impressions.log_postgres import PostgresImpressionLog

        return PostgresImpressionLog(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteImpressionLog(parsed.path)

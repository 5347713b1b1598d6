"""Served recommendation answers kept until the shopper acts again.

A home feed is a function of the shopper's history, the models, the request and the catalog. The
first three are in the cache key or its marker: the key holds the request (surface, actor, items,
k), the experiment settings it runs under and the model versions; the marker is the sequence
number of the shopper's latest event, so any new event of theirs (from any server process) makes
the next request compute a fresh answer. The catalog and the trends other shoppers make are
bounded by age: an entry older than `ttl_seconds` is computed again. The oldest entries are
evicted beyond `max_entries`. Thread-safe; one cache per server process, optionally in front of
`SharedAnswers`, the level that a server's worker processes share (a miss here reads it before
the answer is computed; a computed answer is stored in both).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from shelfwise.recommend.answer_keys import answer_key
from shelfwise.recommend.shared_answers import AnswerStore

Value = TypeVar("Value")


@dataclass(frozen=True)
class AnswerCacheStats:
    hits: int
    misses: int
    entries: int
    shared_hits: int = 0
    """of the hits, those read from the shared level (answers another process computed)"""


@dataclass(frozen=True)
class _Entry(Generic[Value]):
    marker: Hashable
    stored_at: float
    value: Value
    owner: str | None = None


class AnswerCache(Generic[Value]):
    """Least-recently-used answers, each valid while its marker holds and for `ttl_seconds`."""

    def __init__(
        self,
        max_entries: int,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
        shared: AnswerStore | None = None,
        codec: tuple[Callable[[Value], str], Callable[[str], Value | None]] | None = None,
    ) -> None:
        """`shared` needs a `codec`: (encode, decode); decode returns None for an answer that
        cannot be served any more (say, a product in it is gone), which reads as a miss."""
        if max_entries < 0 or ttl_seconds < 0:
            raise ValueError("max_entries and ttl_seconds must not be negative")
        if shared is not None and codec is None:
            raise ValueError("a shared level needs a codec (encode, decode)")
        self._max_entries, self._ttl, self._clock = max_entries, ttl_seconds, clock
        self._shared, self._codec = shared, codec
        self._entries: OrderedDict[Hashable, _Entry[Value]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = self._shared_hits = 0

    @property
    def enabled(self) -> bool:
        return self._max_entries > 0 and self._ttl > 0

    def get(self, key: Hashable, marker: Hashable, owner: str | None = None) -> Value | None:
        """The answer stored under `key` with this marker and still young, here or in the
        shared level, else None (`owner`: whose answer it is, kept with one read from there)."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.marker == marker and self._clock() - entry.stored_at < self._ttl:
                self._entries.move_to_end(key)
                self._hits += 1
                return entry.value
            if entry is not None:
                del self._entries[key]
        value = self._shared_get(key, marker, owner)
        with self._lock:
            if value is None:
                self._misses += 1
            else:
                self._hits += 1
                self._shared_hits += 1
        return value

    def _shared_get(self, key: Hashable, marker: Hashable, owner: str | None) -> Value | None:
        if self._shared is None or self._codec is None:
            return None
        found = self._shared.get(answer_key(key), repr(marker))
        if found is None:
            return None
        text, age = found
        value = self._codec[1](text)
        if value is not None:  # kept here too, as old as it is there
            self._put_local(key, marker, value, age, owner)
        return value

    def put(self, key: Hashable, marker: Hashable, value: Value, owner: str | None = None) -> None:
        """Store a computed answer here and in the shared level; `owner` is the shopper it was
        computed for (the actor), so that forgetting them can drop it."""
        if not self.enabled:
            return
        self._put_local(key, marker, value, 0.0, owner)
        if self._shared is not None and self._codec is not None:
            shared_owner = None if owner is None else answer_key(owner)
            self._shared.put(answer_key(key), repr(marker), self._codec[0](value), shared_owner)

    def forget(self, owners: Collection[str]) -> int:
        """Drop the answers computed for these shoppers, here and in the shared level; returns
        how many entries went."""
        wanted = set(owners)
        removed = self.drop_local(lambda owner: owner in wanted)
        if self._shared is not None:
            removed += self._shared.forget(wanted)
        return removed

    def owners(self, match: Callable[[str], bool]) -> set[str]:
        """The owners of this process's answers that match."""
        with self._lock:
            return {e.owner for e in self._entries.values() if e.owner is not None and match(e.owner)}

    def drop_local(self, match: Callable[[str], bool]) -> int:
        """Drop this process's answers whose owner matches; returns how many went."""
        with self._lock:
            doomed = [k for k, e in self._entries.items() if e.owner is not None and match(e.owner)]
            for key in doomed:
                del self._entries[key]
        return len(doomed)

    def _put_local(
        self, key: Hashable, marker: Hashable, value: Value, age: float, owner: str | None
    ) -> None:
        with self._lock:
            self._entries[key] = _Entry(marker, self._clock() - age, value, owner)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every answer, this process's and the shared ones."""
        with self._lock:
            self._entries.clear()
        if self._shared is not None:
            self._shared.clear()

    def stats(self) -> AnswerCacheStats:
        with self._lock:
            return AnswerCacheStats(self._hits, self._misses, len(self._entries), self._shared_hits)

    def close(self) -> None:
        if self._shared is not None:
            self._shared.close()

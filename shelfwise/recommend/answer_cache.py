"""Served recommendation answers kept until the shopper acts again.

A home feed is a function of the shopper's history, the models, the request and the catalog. The
first three are in the cache key or its marker: the key holds the request (surface, actor, items,
k), the experiment settings it runs under and the model versions; the marker is the sequence
number of the shopper's latest event, so any new event of theirs (from any server process) makes
the next request compute a fresh answer. The catalog and the trends other shoppers make are
bounded by age: an entry older than `ttl_seconds` is computed again. The oldest entries are
evicted beyond `max_entries`. Thread-safe; one cache per server process.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

Value = TypeVar("Value")


@dataclass(frozen=True)
class AnswerCacheStats:
    hits: int
    misses: int
    entries: int


@dataclass(frozen=True)
class _Entry(Generic[Value]):
    marker: Hashable
    stored_at: float
    value: Value


class AnswerCache(Generic[Value]):
    """Least-recently-used answers, each valid while its marker holds and for `ttl_seconds`."""

    def __init__(
        self, max_entries: int, ttl_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if max_entries < 0 or ttl_seconds < 0:
            raise ValueError("max_entries and ttl_seconds must not be negative")
        self._max_entries, self._ttl, self._clock = max_entries, ttl_seconds, clock
        self._entries: OrderedDict[Hashable, _Entry[Value]] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    @property
    def enabled(self) -> bool:
        return self._max_entries > 0 and self._ttl > 0

    def get(self, key: Hashable, marker: Hashable) -> Value | None:
        """The answer stored under `key` with this marker and still young, else None."""
        if not self.enabled:
            return None
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.marker != marker or self._clock() - entry.stored_at >= self._ttl:
                if entry is not None:
                    del self._entries[key]
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return entry.value

    def put(self, key: Hashable, marker: Hashable, value: Value) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._entries[key] = _Entry(marker, self._clock(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def stats(self) -> AnswerCacheStats:
        with self._lock:
            return AnswerCacheStats(self._hits, self._misses, len(self._entries))

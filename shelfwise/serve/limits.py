"""Token-bucket rate limits per key and per client address, kept in this process (each server
worker counts on its own, so N workers allow up to N times the rate)."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """`rate` requests a second on average, bursts of up to `burst`, per id. At most
    `max_ids` buckets are kept; the least recently used goes first (it was probably full)."""

    def __init__(self, rate: float, burst: int, clock: Callable[[], float], max_ids: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a rate limit needs rate > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.max_ids = max_ids
        self._buckets: OrderedDict[str, _Bucket] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, identity: str) -> float:
        """Spend one token of `identity`'s bucket: 0.0 when allowed, else the seconds until a
        token is back (the request is refused and spends nothing)."""
        now = self.clock()
        with self._lock:
            bucket = self._buckets.pop(identity, None) or _Bucket(float(self.burst), now)
            bucket.tokens = min(float(self.burst), bucket.tokens + (now - bucket.at) * self.rate)
            bucket.at = now
            self._buckets[identity] = bucket
            if len(self._buckets) > self.max_ids:
                self._buckets.popitem(last=False)
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / self.rate


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, at least 1 (Retry-After takes an integer)."""
    return str(max(1, math.ceil(seconds)))

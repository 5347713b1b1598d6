"""Latency percentiles of timed calls (search, query encoding)."""

from __future__ import annotations

import numpy as np
from pydantic import BaseModel


class LatencySummary(BaseModel):
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


def latency_summary(seconds: list[float]) -> LatencySummary:
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    if ms.size == 0:
        return LatencySummary(queries=0, p50_ms=0.0, p95_ms=0.0, p99_ms=0.0, mean_ms=0.0)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return LatencySummary(
        queries=int(ms.size),
        p50_ms=round(float(p50), 3),
        p95_ms=round(float(p95), 3),
        p99_ms=round(float(p99), 3),
        mean_ms=round(float(ms.mean()), 3),
    )

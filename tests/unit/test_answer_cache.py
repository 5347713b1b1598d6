"""AnswerCache: an answer is reused only under the same marker, while young, up to a size."""

from __future__ import annotations

import pytest

from shelfwise.recommend.answer_cache import AnswerCache


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_hit_needs_the_same_marker_and_a_young_entry() -> None:
    clock = Clock()
    cache: AnswerCache[list[str]] = AnswerCache(10, ttl_seconds=30, clock=clock)
    assert cache.get("feed", marker=(1, 5)) is None
    cache.put("feed", (1, 5), ["a", "b"])
    assert cache.get("feed", (1, 5)) == ["a", "b"]
    assert cache.get("feed", (2, 5)) is None  # the shopper acted
    assert cache.get("feed", (1, 5)) is None  # and the stale entry is gone
    cache.put("feed", (1, 5), ["a"])
    clock.now = 29.9
    assert cache.get("feed", (1, 5)) == ["a"]
    clock.now = 30.0
    assert cache.get("feed", (1, 5)) is None  # too old
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.entries) == (2, 4, 0)


def test_least_recently_used_entries_are_evicted() -> None:
    cache: AnswerCache[int] = AnswerCache(2, ttl_seconds=60)
    cache.put("a", 0, 1)
    cache.put("b", 0, 2)
    assert cache.get("a", 0) == 1  # "b" is now the least recently used
    cache.put("c", 0, 3)
    assert cache.get("b", 0) is None
    assert (cache.get("a", 0), cache.get("c", 0)) == (1, 3)


@pytest.mark.parametrize(("entries", "seconds"), [(0, 30.0), (10, 0.0)])
def test_zero_size_or_age_turns_it_off(entries: int, seconds: float) -> None:
    cache: AnswerCache[int] = AnswerCache(entries, seconds)
    cache.put("a", 0, 1)
    assert not cache.enabled and cache.get("a", 0) is None
    assert cache.stats().misses == 0


def test_negative_limits_are_rejected() -> None:
    with pytest.raises(ValueError, match="must not be negative"):
        AnswerCache(-1, 30)

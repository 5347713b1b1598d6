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


def _two_processes(tmp_path, clock: Clock, wall: Clock):  # noqa: ANN001, ANN202
    """Two caches over one shared file, as two worker processes have."""
    from shelfwise.recommend.shared_answers import SharedAnswers

    codec = (lambda value: ",".join(value), lambda text: text.split(",") if text != "gone" else None)
    return [
        AnswerCache(10, ttl_seconds=30, clock=clock,
                    shared=SharedAnswers(tmp_path / "answers.db", 30, clock=wall), codec=codec)
        for _ in range(2)
    ]  # fmt: skip


def test_an_answer_computed_in_one_process_is_read_by_another(tmp_path) -> None:  # noqa: ANN001
    clock, wall = Clock(), Clock()
    first, second = _two_processes(tmp_path, clock, wall)
    first.put(("feed", "user:u1"), (3, 9), ["a", "b"])
    assert second.get(("feed", "user:u1"), (4, 9)) is None  # the shopper acted since
    assert second.get(("feed", "user:u1"), (3, 9)) == ["a", "b"]
    assert second.stats().shared_hits == 1 and second.stats().entries == 1
    assert second.get(("feed", "user:u1"), (3, 9)) == ["a", "b"]  # now from its own memory
    assert second.stats().shared_hits == 1 and second.stats().hits == 2
    first.put(("feed", "user:u2"), (1, 9), ["gone"])  # decodes to None: a product was deleted
    assert second.get(("feed", "user:u2"), (1, 9)) is None
    for cache in (first, second):
        cache.close()


def test_a_shared_answer_keeps_its_age_in_the_reading_process(tmp_path) -> None:  # noqa: ANN001
    clock, wall = Clock(), Clock()
    first, second = _two_processes(tmp_path, clock, wall)
    first.put("feed", 0, ["a"])
    wall.now = clock.now = 20.0
    assert second.get("feed", 0) == ["a"]
    wall.now = clock.now = 30.0  # 30 s after it was computed, though 10 s after it was read
    assert second.get("feed", 0) is None and first.get("feed", 0) is None
    first.clear()  # clears the shared level too
    assert second._shared is not None and second._shared.entries() == 0  # noqa: SLF001
    for cache in (first, second):
        cache.close()


def test_a_shared_level_that_cannot_open_leaves_the_process_cache_working(tmp_path) -> None:  # noqa: ANN001
    from shelfwise.recommend.shared_answers import SharedAnswers

    (tmp_path / "answers.db").mkdir()  # not a file SQLite can open
    shared = SharedAnswers(tmp_path / "answers.db", 30)
    assert not shared.enabled
    cache: AnswerCache[list[str]] = AnswerCache(10, 30, shared=shared, codec=(str, lambda t: [t]))
    cache.put("feed", 0, ["a"])
    assert cache.get("feed", 0) == ["a"] and cache.get("other", 0) is None


def test_a_shared_level_needs_a_codec(tmp_path) -> None:  # noqa: ANN001
    from shelfwise.recommend.shared_answers import SharedAnswers

    with pytest.raises(ValueError, match="codec"):
        AnswerCache(10, 30, shared=SharedAnswers(tmp_path / "answers.db", 30))

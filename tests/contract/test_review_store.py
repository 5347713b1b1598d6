"""Contract suite of the ReviewStore protocol, run on every backend (memory, SQLite, a real
PostgreSQL): idempotent upserts, a product's reviews newest first and paged, counts and mean
ratings without the flagged reviews, the training iterator, a shopper's reviews, the admin's
flagged list, and forgetting a shopper. The duplicate and spam flags are worked out over what
each backend gives back (`import_reviews`), so they must come out the same everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shelfwise.config import ReviewRules
from shelfwise.reviews import (
    MemoryReviewStore,
    Review,
    ReviewFlag,
    ReviewOutcome,
    ReviewStore,
    SQLiteReviewStore,
    import_reviews,
    open_review_store,
    text_key,
)

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
COPIED = "Arrived quickly and works exactly as described, would buy again."


def _review(
    rid: str,
    product: str = "p1",
    shopper: str = "s1",
    rating: int = 5,
    hours: float = 0,
    text: str = "",
    flags: tuple[ReviewFlag, ...] = (),
) -> Review:
    moment = T0 + timedelta(hours=hours)
    return Review(review_id=rid, product_id=product, shopper_id=shopper, rating=rating,
                  text=text or f"review {rid}", timestamp=moment, flags=flags)  # fmt: skip


FLAG = (ReviewFlag(code="duplicate_text", detail="same text as review x"),)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ReviewStore]:
    opened: ReviewStore
    if request.param == "postgresql":
        opened = open_review_store(request.getfixturevalue("postgres_url"))
    elif request.param == "sqlite":
        opened = open_review_store(tmp_path)
        assert isinstance(opened, SQLiteReviewStore) and opened.path == tmp_path / "reviews.db"
    else:
        opened = open_review_store("memory://")
        assert isinstance(opened, MemoryReviewStore)
    yield opened
    opened.close()


def test_upsert_is_idempotent_by_review_id(store: ReviewStore) -> None:
    first = [_review("r1"), _review("r2", rating=2)]
    assert store.upsert(first) == [ReviewOutcome.INSERTED, ReviewOutcome.INSERTED]
    assert store.upsert(first) == [ReviewOutcome.UNCHANGED, ReviewOutcome.UNCHANGED]
    changed = _review("r2", rating=3, text="better after all")
    assert store.upsert([changed]) == [ReviewOutcome.UPDATED]
    assert store.get("r2") == changed and store.get("nope") is None
    assert store.count() == 2
    assert store.upsert([_review("r1", flags=FLAG)]) == [ReviewOutcome.UPDATED]  # a flag is a change


def test_a_products_reviews_newest_first_paged_without_flagged(store: ReviewStore) -> None:
    store.upsert([_review(f"r{i}", hours=i) for i in range(5)]
                 + [_review("tie-a", hours=4), _review("old-flagged", hours=9, flags=FLAG),
                    _review("elsewhere", product="p2")])  # fmt: skip
    ids = [r.review_id for r in store.for_product("p1", limit=10)]
    assert ids == ["tie-a", "r4", "r3", "r2", "r1", "r0"]  # a tie in time: the larger id first
    pages = [store.for_product("p1", limit=4, offset=o) for o in (0, 4, 8)]
    assert [[r.review_id for r in page] for page in pages] == [ids[:4], ids[4:], []]
    with_flagged = [r.review_id for r in store.for_product("p1", limit=3, include_flagged=True)]
    assert with_flagged == ["old-flagged", "tie-a", "r4"]
    assert store.for_product("nothing") == []


def test_counts_and_mean_rating_leave_flagged_reviews_out(store: ReviewStore) -> None:
    store.upsert([_review("a", rating=5), _review("b", rating=4), _review("c", rating=1, flags=FLAG),
                  _review("d", product="p2", rating=2),
                  _review("e", product="p3", rating=5, flags=FLAG)])  # fmt: skip
    one = store.summary("p1")
    assert (one.count, one.mean, one.stars, one.flagged) == (2, 4.5, (0, 0, 0, 1, 1), 1)
    every = store.summary("p1", include_flagged=True)
    assert (every.count, every.mean, every.stars) == (3, round(10 / 3, 6), (1, 0, 0, 1, 1))
    none = store.summary("p-unknown")
    assert (none.count, none.mean, none.stars) == (0, None, (0, 0, 0, 0, 0))
    found = store.summaries()
    assert sorted(found) == ["p1", "p2", "p3"] and found["p1"] == one
    assert (found["p3"].count, found["p3"].mean, found["p3"].flagged) == (0, None, 1)
    assert sorted(store.summaries(["p2", "p-unknown"])) == ["p2"]


def test_every_review_for_training_in_id_order(store: ReviewStore) -> None:
    store.upsert([_review(f"r{i:02d}", rating=1 + i % 5) for i in range(12)] + [_review("x", flags=FLAG)])
    found = list(store.iter_reviews(batch_size=5))
    assert [r.review_id for r in found] == [f"r{i:02d}" for i in range(12)]
    assert [r.rating for r in found[:6]] == [1, 2, 3, 4, 5, 1]
    assert [r.review_id for r in store.iter_reviews(include_flagged=True, batch_size=4)][-1] == "x"


def test_a_shoppers_reviews_the_groups_and_the_flagged_list(store: ReviewStore) -> None:
    store.upsert([_review("a", shopper="s1", hours=1), _review("b", shopper="s1", hours=2, product="p2"),
                  _review("c", shopper="s2", text=COPIED), _review("d", shopper="s3", text=COPIED.upper()),
                  _review("f1", shopper="s4", hours=5, flags=FLAG),
                  _review("f2", shopper="s4", hours=6, flags=FLAG)])  # fmt: skip
    assert [r.review_id for r in store.by_shopper("s1")] == ["b", "a"]
    key = text_key(COPIED)
    assert key is not None and key == text_key(COPIED.upper())
    assert sorted(r.review_id for r in store.related([key], ["s1"], ["f1"])) == ["a", "b", "c", "d", "f1"]
    assert store.related([], []) == []
    assert [r.review_id for r in store.flagged()] == ["f2", "f1"]
    assert [r.review_id for r in store.flagged(limit=1, offset=1)] == ["f1"]
    stats = store.stats()
    assert (stats.total, stats.flagged, stats.products, stats.shoppers) == (6, 2, 2, 4)
    assert stats.by_flag == {"duplicate_text": 2}
    assert store.count(include_flagged=False) == 4


def test_forgetting_a_shopper_deletes_their_reviews(store: ReviewStore) -> None:
    store.upsert([_review("a", shopper="gone"), _review("b", shopper="gone", product="p2"),
                  _review("c", shopper="stays")])  # fmt: skip
    assert store.forget_shopper("gone") == 2
    assert store.by_shopper("gone") == [] and store.get("a") is None
    assert [r.review_id for r in store.iter_reviews()] == ["c"]
    assert store.summary("p2").count == 0
    assert store.forget_shopper("gone") == 0


def test_flags_come_out_the_same_on_every_backend(store: ReviewStore) -> None:
    """A copied text is flagged on its later copies; when an earlier copy arrives, the one that
    stood becomes a copy; one shopper's sixth review in a day is a flood."""
    rules = ReviewRules(flood_max_reviews=5, flood_window_hours=24)
    report = import_reviews(store, [_review("c2", shopper="s2", hours=2, text=COPIED),
                                    _review("c3", shopper="s3", hours=3, text=COPIED)], rules)  # fmt: skip
    assert (report.inserted, report.flagged) == (2, 1)
    assert store.get("c2").flags == () and [f.code for f in store.get("c3").flags] == ["duplicate_text"]  # type: ignore[union-attr]
    earlier = import_reviews(store, [_review("c1", shopper="s1", hours=1, product="p9", text=COPIED)], rules)
    assert (earlier.flagged, earlier.reflagged) == (0, 2)  # c2 flagged; c3 now names c1
    assert [f.code for f in store.get("c2").flags] == ["duplicate_text"]  # type: ignore[union-attr]
    burst = [_review(f"b{i}", shopper="busy", product=f"q{i}", hours=i) for i in range(7)]
    flood = import_reviews(store, burst, rules)
    assert flood.flags == {"shopper_flood": 2}
    assert [r.review_id for r in store.flagged()] == ["b6", "b5", "c3", "c2"]
    again = import_reviews(store, burst, rules)
    assert (again.inserted, again.updated, again.unchanged, again.reflagged) == (0, 0, 7, 0)
    assert store.count() == 10 and store.summary("q6").count == 0

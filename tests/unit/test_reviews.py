"""Reviews: the record (language detected when left out), the conversion of file rows and JSON
(per-field problems), Amazon's review rows, the duplicate and spam rules with known answers,
and review files imported with per-line errors (the Amazon Gift Cards reviews as the real case)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from shelfwise.catalog import FeedError
from shelfwise.config import ReviewRules
from shelfwise.reviews import (
    MemoryReviewStore,
    Review,
    ReviewMapping,
    amazon_values,
    evaluate,
    folded_text,
    format_review_report,
    import_review_file,
    import_reviews,
    parse_review,
    recheck_flags,
    review_language,
)

T0 = datetime(2026, 11, 1, tzinfo=UTC)
GIFT_CARDS = Path(__file__).resolve().parents[3] / "shared" / "data" / "amazon-giftcards" / "reviews.jsonl"


def _review(rid: str, shopper: str = "s1", product: str = "p1", hours: float = 0, text: str = "") -> Review:
    return Review(review_id=rid, product_id=product, shopper_id=shopper, rating=4,
                  text=text or f"words of {rid}", timestamp=T0 + timedelta(hours=hours))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Great kettle, boils fast.", "en"),
        ("这个水壶很好用，烧水很快", "zh"),
        ("这个iPhone壳很好用", "zh"),  # a brand in Latin letters inside Chinese
        ("Great case, works with my iPhone 15 Pro, 很好", "en"),  # a Chinese word in English
        ("Отличный чайник", "multi"),
        ("5/5 !!!", "und"),
    ],
)
def test_review_language_from_the_scripts_of_its_words(text: str, language: str) -> None:
    assert review_language(text) == language


def test_review_record_detects_its_language_and_checks_its_fields() -> None:
    zh = Review(review_id="r", product_id="p", shopper_id="s", rating=5, title="好", text="非常好用",
                timestamp=datetime(2026, 1, 1))  # fmt: skip
    assert zh.language == "zh" and zh.timestamp.tzinfo is UTC and not zh.flagged
    given = zh.model_copy(update={"language": "zh-tw"})
    assert given.language == "zh-tw"
    assert Review.model_validate({**zh.model_dump(), "language": "EN_us"}).language == "en-us"
    for bad in ({"rating": 6}, {"rating": 0}, {"language": "not a code"}, {"shopper_id": ""}):
        with pytest.raises(ValidationError):
            Review.model_validate({**zh.model_dump(), **bad})


def test_parse_review_reports_every_bad_field() -> None:
    parsed = parse_review({"review_id": "r1", "product_id": "p1", "rating": "4.5", "timestamp": "yesterday",
                           "colour": "red"})  # fmt: skip
    assert parsed.review is None and parsed.review_id == "r1"
    problems = {(p.field, p.reason) for p in parsed.problems}
    assert ("colour", "is not a review field") in problems
    assert ("rating", "'4.5' is not a whole number of stars from 1 to 5") in problems
    assert ("shopper_id", "is required") in problems
    assert any(f == "timestamp" and "is not a time" in r for f, r in problems)
    good = parse_review({"review_id": "r1", "product_id": "p1", "shopper_id": "u1", "rating": "4 stars",
                         "timestamp": 1714566600, "text": "  Works.  "})  # fmt: skip
    assert good.review is not None and (good.review.rating, good.review.text) == (4, "Works.")
    assert good.review.timestamp == datetime(2024, 5, 1, 12, 30, tzinfo=UTC) and good.review.language == "en"


def test_amazon_rows_become_reviews() -> None:
    row = {"overall": 5.0, "reviewerID": "A31U", "asin": "B004", "reviewText": "Another great gift.",
           "summary": "Five Stars", "unixReviewTime": 1529193600, "reviewTime": "06 17, 2018"}  # fmt: skip
    review = parse_review(amazon_values(row)).review
    assert review is not None
    assert (review.review_id, review.product_id, review.shopper_id) == (
        "A31U-B004-1529193600",
        "B004",
        "A31U",
    )
    assert (review.rating, review.title, review.text) == (
        5,
        "",
        "Another great gift.",
    )  # Amazon's own summary
    kept = amazon_values({**row, "summary": "Ease of use", "unixReviewTime": None})
    assert kept["title"] == "Ease of use" and kept["timestamp"] == "2018-06-17"


def test_duplicate_text_flags_the_later_copies_of_long_texts_only() -> None:
    long_text = "Fast delivery and the card worked on the first try."
    reviews = [_review("a", "s1", "p1", 1, long_text), _review("b", "s2", "p2", 2, long_text.upper() + "!!"),
               _review("c", "s1", "p3", 3, long_text), _review("d", "s3", "p1", 1, "Great gift"),
               _review("e", "s4", "p2", 2, "great gift!")]  # fmt: skip
    flags = evaluate(reviews, ReviewRules())
    assert {rid: [f.code for f in found] for rid, found in flags.items()} == {
        "a": [], "b": ["duplicate_text"], "c": ["duplicate_text"], "d": [], "e": []}  # fmt: skip
    assert flags["b"][0].detail == "same text as review a (product p1)"
    assert folded_text("Great  GIFT!!") == "great gift"
    assert all(not found for found in evaluate(reviews, ReviewRules(duplicate_min_chars=0)).values())


def test_flooding_and_repeats_by_one_shopper() -> None:
    rules = ReviewRules(flood_max_reviews=3, flood_window_hours=10, max_per_product=1)
    burst = [_review(f"r{i}", "busy", f"p{i}", hours=i) for i in range(5)]  # 5 within 4 hours
    later = [_review("late", "busy", "p9", hours=30), _review("again", "busy", "p0", hours=31)]
    flags = evaluate([*burst, *later], rules)
    assert [rid for rid, found in flags.items() if any(f.code == "shopper_flood" for f in found)] == [
        "r3",
        "r4",
    ]
    assert [f.code for f in flags["again"]] == ["repeat_product"] and flags["late"] == ()
    assert "first: r0" in flags["again"][0].detail
    off = ReviewRules(flood_max_reviews=0, max_per_product=0)
    assert all(not found for found in evaluate([*burst, *later], off).values())
    short = evaluate([_review("s", text="ok")], ReviewRules(min_text_chars=5))
    assert [f.code for f in short["s"]] == ["short_text"]


def test_a_review_file_with_bad_lines_keeps_the_good_ones(tmp_path: Path) -> None:
    feed = tmp_path / "reviews.csv"
    feed.write_text(
        "id,sku,customer_id,stars,headline,body,date\n"
        "r1,p1,u1,5,Love it,Boils fast and quietly,2026-11-01T10:00:00Z\n"
        "r2,p1,u2,9,,Too many stars,2026-11-01T11:00:00Z\n"
        "r3,p2,,3,,No shopper,2026-11-01T12:00:00Z\n"
        'r4,p2,u3,2,Meh,"是的，还行",1762000000\n'
    )
    store = MemoryReviewStore()
    report = import_review_file(feed, store)
    assert (report.rows_read, report.inserted, report.rejected) == (4, 2, 2)
    assert [str(e) for e in report.errors] == [
        "reviews.csv:3: field 'rating' (column 'stars'): '9' is not a whole number of stars from 1 to 5",
        "reviews.csv:4: field 'shopper_id' (column 'customer_id'): is required",
    ]
    assert store.get("r4").language == "zh"  # type: ignore[union-attr]
    text = format_review_report(report)
    assert "rejected            2" in text and "reviews.csv:3" in text
    again = import_review_file(feed, store)
    assert (again.inserted, again.unchanged, store.count()) == (0, 2, 2)


def test_a_file_without_a_required_column_is_refused_before_writing(tmp_path: Path) -> None:
    feed = tmp_path / "reviews.tsv"
    feed.write_text("review_id\tproduct_id\twriter\trating\ttimestamp\nr1\tp1\tu1\t5\t2026-11-01\n")
    store = MemoryReviewStore()
    with pytest.raises(FeedError, match="no column gives shopper_id"):
        import_review_file(feed, store)
    mapped = import_review_file(feed, store, mapping=ReviewMapping.from_pairs(["shopper_id=writer"]))
    assert mapped.inserted == 1
    with pytest.raises(ValueError, match="unknown field 'stars'"):
        ReviewMapping.from_pairs(["stars=rating"])


def test_broken_json_lines_are_reported_by_line(tmp_path: Path) -> None:
    feed = tmp_path / "reviews.jsonl"
    good = {"review_id": "r1", "product_id": "p1", "shopper_id": "u1", "rating": 4, "timestamp": "2026-11-01"}
    feed.write_text(json.dumps(good) + "\n{not json\n" + json.dumps({**good, "review_id": "r2"}) + "\n")
    report = import_review_file(feed, MemoryReviewStore())
    assert (report.inserted, report.rejected, report.errors[0].line, report.errors[0].field) == (
        2,
        1,
        2,
        None,
    )


@pytest.mark.skipif(not GIFT_CARDS.is_file(), reason="no Amazon Gift Cards data")
def test_the_amazon_gift_cards_reviews_import_with_their_copies_flagged() -> None:
    store = MemoryReviewStore()
    report = import_review_file(GIFT_CARDS, store, source="amazon")
    # 2,972 lines; three repeat a line exactly (same reviewer, item and time): one review each
    assert (report.rows_read, report.rejected, report.inserted, report.unchanged) == (2972, 0, 2969, 3)
    stats = store.stats()
    assert stats.total == 2969 and stats.products == 148 and stats.shoppers == 458
    # one shopper posted "Fast delivery and card worked" on 21 items in one day: 20 copies flagged
    copies = [
        r
        for r in store.iter_reviews(include_flagged=True)
        if r.text.lower() == "fast delivery and card worked"
    ]
    assert len(copies) == 21 and sum(any(f.code == "duplicate_text" for f in r.flags) for r in copies) == 20
    assert 0 < stats.flagged < stats.total // 4 and set(stats.by_flag) <= {"duplicate_text", "shopper_flood",
                                                                          "repeat_product"}  # fmt: skip
    again = import_review_file(GIFT_CARDS, store, source="amazon")
    assert (again.inserted, again.updated, store.count()) == (0, 0, 2969)


def test_recheck_applies_changed_rules_to_every_stored_review() -> None:
    store = MemoryReviewStore()
    burst = [_review(f"r{i}", "busy", f"p{i}", hours=i) for i in range(4)]
    report = import_reviews(store, burst, ReviewRules(flood_max_reviews=5))
    assert report.flagged == 0 and report.inserted == 4
    assert recheck_flags(store, ReviewRules(flood_max_reviews=2)) == 2
    assert [r.review_id for r in store.flagged()] == ["r3", "r2"]
    assert recheck_flags(store, ReviewRules(flood_max_reviews=2)) == 0
    assert recheck_flags(store, ReviewRules()) == 2 and store.flagged() == []


def test_import_maps_shopper_ids_before_the_rules_and_the_store() -> None:
    store = MemoryReviewStore()
    import_reviews(
        store, [_review("a", "raw-1"), _review("b", "raw-1", "p2")], shopper_id=lambda s: f"pz-{s}"
    )
    assert {r.shopper_id for r in store.iter_reviews()} == {"pz-raw-1"} and store.by_shopper("raw-1") == []


def test_reviews_at_the_edges_of_time_are_flagged_without_overflow() -> None:
    """Found by the API fuzzer: a review dated 0001-01-01 made the flood window overflow (a 500)."""
    from datetime import UTC, datetime

    from shelfwise.reviews import Review, import_reviews
    from shelfwise.reviews.memory import MemoryReviewStore

    store = MemoryReviewStore()
    early = [Review(review_id=f"r{n}", product_id=f"p{n}", shopper_id="s", rating=1, text=f"text {n}",
                    timestamp=datetime(1, 1, 1, n, tzinfo=UTC)) for n in range(7)]  # fmt: skip
    report = import_reviews(store, early)
    assert store.count() == 7 and sum(r.flagged for r in store.by_shopper("s")) == 2  # 6th, 7th in 24 h
    assert report is not None

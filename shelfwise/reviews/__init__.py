"""Shoppers' reviews: the `Review` record, the `ReviewStore` protocol and its backends
(`open_review_store` picks one from a data folder or a URL), the duplicate and spam rules that
flag reviews (never drop them), `import_reviews` for reviews in hand and `import_review_file`
for files (per-line errors, Amazon's review files too)."""

from __future__ import annotations

from pathlib import Path

from shelfwise.reviews.base import REVIEWS_FILE, ReviewOutcome, ReviewStats, ReviewStore
from shelfwise.reviews.convert import (
    REVIEW_FIELDS,
    ParsedReview,
    ReviewMapping,
    ReviewProblem,
    amazon_values,
    parse_review,
)
from shelfwise.reviews.flags import evaluate, folded_text, text_key
from shelfwise.reviews.importer import (
    ReviewFileFormat,
    ReviewImportReport,
    ReviewRowError,
    format_review_report,
    import_review_file,
)
from shelfwise.reviews.language import review_language
from shelfwise.reviews.memory import MemoryReviewStore
from shelfwise.reviews.records import FLAG_CODES, FlagCode, RatingSummary, Review, ReviewFlag
from shelfwise.reviews.sqlite import SQLiteReviewStore
from shelfwise.reviews.writes import (
    ReviewWriteReport,
    WrittenReviews,
    forget_shopper_reviews,
    import_reviews,
    recheck_flags,
    write_reviews,
)
from shelfwise.storage.urls import Databases, folder_or_url, on_database

__all__ = [
    "FLAG_CODES",
    "REVIEWS_FILE",
    "REVIEW_FIELDS",
    "FlagCode",
    "MemoryReviewStore",
    "ParsedReview",
    "RatingSummary",
    "Review",
    "ReviewFileFormat",
    "ReviewFlag",
    "ReviewImportReport",
    "ReviewMapping",
    "ReviewOutcome",
    "ReviewProblem",
    "ReviewRowError",
    "ReviewStats",
    "ReviewStore",
    "ReviewWriteReport",
    "SQLiteReviewStore",
    "WrittenReviews",
    "amazon_values",
    "evaluate",
    "folded_text",
    "forget_shopper_reviews",
    "format_review_report",
    "import_review_file",
    "import_reviews",
    "open_review_store",
    "parse_review",
    "recheck_flags",
    "review_language",
    "text_key",
    "write_reviews",
]


def open_review_store(target: str | Path, databases: Databases | None = None) -> ReviewStore:
    """A data folder (its `reviews.db`), `sqlite:///path/to/reviews.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, REVIEWS_FILE, "review store")
    if parsed.scheme == "memory":
        return MemoryReviewStore()
    if parsed.scheme == "postgresql":
        from shelfwise.reviews.postgres import PostgresReviewStore

        return PostgresReviewStore(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteReviewStore(parsed.path)

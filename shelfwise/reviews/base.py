"""The ReviewStore protocol: shoppers' reviews by review id (writing one again updates it), read
by product (newest first, paged), by shopper, by text and for training; flagged reviews are kept
and listed, and left out of lists and aggregates unless asked for."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol, runtime_checkable

from shelfwise.reviews.records import RatingSummary, Review

REVIEWS_FILE = "reviews.db"


class ReviewOutcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    """stored already, exactly so (flags included)"""


@dataclass(frozen=True)
class ReviewStats:
    """Counts over the whole store."""

    total: int
    flagged: int
    products: int
    shoppers: int
    by_flag: dict[str, int] = field(default_factory=dict)


@runtime_checkable
class ReviewStore(Protocol):
    """Durable review storage; `upsert` returns once its reviews are durable. "Newest first" is
    by time, then by review id (descending), so pages never overlap."""

    def upsert(self, reviews: Sequence[Review]) -> list[ReviewOutcome]:
        """Store the reviews as one transaction (a later one of a review id wins); one outcome each."""
        ...

    def get(self, review_id: str) -> Review | None: ...

    def related(
        self, text_keys: Collection[str], shopper_ids: Collection[str], review_ids: Collection[str] = ()
    ) -> list[Review]:
        """Every review whose text's `text_key` is among `text_keys`, or by one of the shoppers,
        or with one of the ids (the groups the duplicate and spam rules look at)."""
        ...

    def for_product(
        self, product_id: str, limit: int = 20, offset: int = 0, include_flagged: bool = False
    ) -> list[Review]:
        """A product's reviews, newest first."""
        ...

    def summary(self, product_id: str, include_flagged: bool = False) -> RatingSummary: ...

    def summaries(
        self, product_ids: Collection[str] | None = None, include_flagged: bool = False
    ) -> dict[str, RatingSummary]:
        """Count and mean rating per product (None: every product with a review)."""
        ...

    def by_shopper(self, shopper_id: str) -> list[Review]:
        """A shopper's reviews, flagged ones included, newest first."""
        ...

    def flagged(self, limit: int = 50, offset: int = 0) -> list[Review]:
        """Flagged reviews, newest first (the admin's list)."""
        ...

    def iter_reviews(self, include_flagged: bool = False, batch_size: int = 5000) -> Iterator[Review]:
        """Every review (with its rating: training data), by review id, `batch_size` at a time."""
        ...

    def count(self, include_flagged: bool = True) -> int: ...

    def stats(self) -> ReviewStats: ...

    def forget_shopper(self, shopper_id: str) -> int:
        """Delete every review of the shopper; returns how many went."""
        ...

    def close(self) -> None: ...

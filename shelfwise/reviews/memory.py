"""ReviewStore in memory, for tests: the same answers as the SQLite and PostgreSQL backends."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection, Iterator, Sequence

from shelfwise.reviews.base import ReviewOutcome, ReviewStats
from shelfwise.reviews.flags import text_key
from shelfwise.reviews.records import RatingSummary, Review


def _newest_first(reviews: Collection[Review]) -> list[Review]:
    return sorted(reviews, key=lambda r: (r.timestamp, r.review_id), reverse=True)


def summarize(product_id: str, reviews: Collection[Review], include_flagged: bool) -> RatingSummary:
    """One product's summary from its reviews (shared by the backends that count in Python)."""
    counted = [r for r in reviews if include_flagged or not r.flagged]
    stars = Counter(r.rating for r in counted)
    return RatingSummary.from_stars(product_id, dict(stars), sum(r.flagged for r in reviews))


class MemoryReviewStore:
    def __init__(self) -> None:
        self._reviews: dict[str, Review] = {}
        self._lock = threading.Lock()

    def upsert(self, reviews: Sequence[Review]) -> list[ReviewOutcome]:
        outcomes: list[ReviewOutcome] = []
        with self._lock:
            for review in reviews:
                old = self._reviews.get(review.review_id)
                self._reviews[review.review_id] = review
                if old is None:
                    outcomes.append(ReviewOutcome.INSERTED)
                else:
                    outcomes.append(ReviewOutcome.UNCHANGED if old == review else ReviewOutcome.UPDATED)
        return outcomes

    def _all(self) -> list[Review]:
        with self._lock:
            return list(self._reviews.values())

    def get(self, review_id: str) -> Review | None:
        with self._lock:
            return self._reviews.get(review_id)

    def related(
        self, text_keys: Collection[str], shopper_ids: Collection[str], review_ids: Collection[str] = ()
    ) -> list[Review]:
        keys, shoppers, ids = set(text_keys), set(shopper_ids), set(review_ids)
        return [r for r in self._all()
                if r.shopper_id in shoppers or r.review_id in ids or text_key(r.text) in keys]  # fmt: skip

    def for_product(
        self, product_id: str, limit: int = 20, offset: int = 0, include_flagged: bool = False
    ) -> list[Review]:
        found = [r for r in self._all() if r.product_id == product_id and (include_flagged or not r.flagged)]
        return _newest_first(found)[max(0, offset) : max(0, offset) + max(0, limit)]

    def summary(self, product_id: str, include_flagged: bool = False) -> RatingSummary:
        return summarize(product_id, [r for r in self._all() if r.product_id == product_id], include_flagged)

    def summaries(
        self, product_ids: Collection[str] | None = None, include_flagged: bool = False
    ) -> dict[str, RatingSummary]:
        by_product: dict[str, list[Review]] = {}
        wanted = None if product_ids is None else set(product_ids)
        for review in self._all():
            if wanted is None or review.product_id in wanted:
                by_product.setdefault(review.product_id, []).append(review)
        return {pid: summarize(pid, found, include_flagged) for pid, found in sorted(by_product.items())}

    def by_shopper(self, shopper_id: str) -> list[Review]:
        return _newest_first([r for r in self._all() if r.shopper_id == shopper_id])

    def flagged(self, limit: int = 50, offset: int = 0) -> list[Review]:
        found = _newest_first([r for r in self._all() if r.flagged])
        return found[max(0, offset) : max(0, offset) + max(0, limit)]

    def iter_reviews(self, include_flagged: bool = False, batch_size: int = 5000) -> Iterator[Review]:
        found = sorted(self._all(), key=lambda r: r.review_id)
        return iter([r for r in found if include_flagged or not r.flagged])

    def count(self, include_flagged: bool = True) -> int:
        return sum(1 for r in self._all() if include_flagged or not r.flagged)

    def stats(self) -> ReviewStats:
        found = self._all()
        by_flag = Counter(flag.code for r in found for flag in r.flags)
        return ReviewStats(
            total=len(found), flagged=sum(r.flagged for r in found),
            products=len({r.product_id for r in found}), shoppers=len({r.shopper_id for r in found}),
            by_flag=dict(sorted(by_flag.items())),
        )  # fmt: skip

    def forget_shopper(self, shopper_id: str) -> int:
        with self._lock:
            gone = [rid for rid, r in self._reviews.items() if r.shopper_id == shopper_id]
            for rid in gone:
                del self._reviews[rid]
        return len(gone)

    def close(self) -> None:
        pass

"""SQLite ReviewStore: `reviews.db` in WAL mode with synchronous=FULL; each upsert is one
transaction, durable before it returns. A review is a row keyed by its id with the columns its
queries need (product, shopper, rating, time, the text's key, flagged) and the review as JSON.
Forgetting a shopper deletes with `secure_delete`, so their words leave the file."""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from pathlib import Path

from shelfwise.reviews.base import ReviewOutcome, ReviewStats
from shelfwise.reviews.flags import text_key
from shelfwise.reviews.records import RatingSummary, Review
from shelfwise.store.durable_sqlite import connect_durable, rollback, to_micros
from shelfwise.store.erase_sqlite import delete_erasing

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS reviews (
    review_id TEXT PRIMARY KEY,
    product_id TEXT NOT NULL,
    shopper_id TEXT NOT NULL,
    rating INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    text_key TEXT,
    flagged INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reviews_product ON reviews(product_id, flagged, ts, review_id);
CREATE INDEX IF NOT EXISTS reviews_shopper ON reviews(shopper_id, ts);
CREATE INDEX IF NOT EXISTS reviews_text ON reviews(text_key);
CREATE INDEX IF NOT EXISTS reviews_flagged ON reviews(flagged, ts, review_id);
"""
_UPSERT = """INSERT INTO reviews(review_id, product_id, shopper_id, rating, ts, text_key, flagged, data)
VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(review_id) DO UPDATE SET product_id = excluded.product_id,
shopper_id = excluded.shopper_id, rating = excluded.rating, ts = excluded.ts, text_key = excluded.text_key,
flagged = excluded.flagged, data = excluded.data"""
_NEWEST = "ORDER BY ts DESC, review_id DESC"
_CHUNK = 500


def review_row(review: Review) -> tuple[str, str, str, int, int, str | None, bool, str]:
    """The columns of a review's row (the PostgreSQL backend stores the same)."""
    return (review.review_id, review.product_id, review.shopper_id, review.rating,
            to_micros(review.timestamp), text_key(review.text), review.flagged,
            review.model_dump_json())  # fmt: skip


def _reviews(rows: list[tuple[str]]) -> list[Review]:
    return [Review.model_validate_json(data) for (data,) in rows]


class SQLiteReviewStore:
    """The default ReviewStore: one SQLite file, safe to share between threads and processes."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._conn = connect_durable(self.path, _SCHEMA, SCHEMA_VERSION, "review store")
        self._lock = threading.RLock()

    def _rows(self, query: str, params: Sequence[object] = ()) -> list[tuple[str]]:
        with self._lock:
            return self._conn.execute(query, list(params)).fetchall()

    def upsert(self, reviews: Sequence[Review]) -> list[ReviewOutcome]:
        if not reviews:
            return []
        rows = [review_row(review) for review in reviews]
        outcomes: list[ReviewOutcome] = []
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                for row in rows:
                    found = self._conn.execute("SELECT data FROM reviews WHERE review_id = ?", (row[0],))
                    old = found.fetchone()
                    if old is not None and old[0] == row[-1]:
                        outcomes.append(ReviewOutcome.UNCHANGED)
                        continue
                    self._conn.execute(_UPSERT, row)
                    outcomes.append(ReviewOutcome.INSERTED if old is None else ReviewOutcome.UPDATED)
                self._conn.execute("COMMIT")
            except BaseException:
                rollback(self._conn)
                raise
        return outcomes

    def get(self, review_id: str) -> Review | None:
        found = _reviews(self._rows("SELECT data FROM reviews WHERE review_id = ?", (review_id,)))
        return found[0] if found else None

    def related(
        self, text_keys: Collection[str], shopper_ids: Collection[str], review_ids: Collection[str] = ()
    ) -> list[Review]:
        found: dict[str, str] = {}
        for column, values in (
            ("text_key", text_keys),
            ("shopper_id", shopper_ids),
            ("review_id", review_ids),
        ):
            wanted = sorted(set(values))
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                marks = ", ".join("?" * len(chunk))
                query = f"SELECT review_id, data FROM reviews WHERE {column} IN ({marks})"  # nosec B608
                found.update(self._rows(query, chunk))  # type: ignore[arg-type]
        return [Review.model_validate_json(data) for _, data in sorted(found.items())]

    def for_product(
        self, product_id: str, limit: int = 20, offset: int = 0, include_flagged: bool = False
    ) -> list[Review]:
        where = "product_id = ?" + ("" if include_flagged else " AND flagged = 0")
        query = f"SELECT data FROM reviews WHERE {where} {_NEWEST} LIMIT ? OFFSET ?"  # nosec B608
        return _reviews(self._rows(query, (product_id, max(0, limit), max(0, offset))))

    def summary(self, product_id: str, include_flagged: bool = False) -> RatingSummary:
        found = self.summaries([product_id], include_flagged)
        return found.get(product_id) or RatingSummary(product_id=product_id)

    def summaries(
        self, product_ids: Collection[str] | None = None, include_flagged: bool = False
    ) -> dict[str, RatingSummary]:
        query = "SELECT product_id, rating, flagged, COUNT(*) FROM reviews"
        group = " GROUP BY product_id, rating, flagged"
        if product_ids is None:
            rows = self._rows(query + group)
        else:
            wanted, rows = sorted(set(product_ids)), []
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                where = f" WHERE product_id IN ({', '.join('?' * len(chunk))})"
                rows += self._rows(query + where + group, chunk)
        return summaries_from_counts(rows, include_flagged)  # type: ignore[arg-type]

    def by_shopper(self, shopper_id: str) -> list[Review]:
        return _reviews(self._rows(f"SELECT data FROM reviews WHERE shopper_id = ? {_NEWEST}", (shopper_id,)))

    def flagged(self, limit: int = 50, offset: int = 0) -> list[Review]:
        query = f"SELECT data FROM reviews WHERE flagged = 1 {_NEWEST} LIMIT ? OFFSET ?"
        return _reviews(self._rows(query, (max(0, limit), max(0, offset))))

    def iter_reviews(self, include_flagged: bool = False, batch_size: int = 5000) -> Iterator[Review]:
        where = "" if include_flagged else " AND flagged = 0"
        query = f"SELECT review_id, data FROM reviews WHERE review_id > ?{where} ORDER BY review_id LIMIT ?"  # nosec B608
        last = ""
        while True:
            rows = self._rows(query, (last, max(1, batch_size)))
            if not rows:
                return
            for row in rows:
                yield Review.model_validate_json(row[-1])
            last = str(rows[-1][0])

    def count(self, include_flagged: bool = True) -> int:
        where = "" if include_flagged else " WHERE flagged = 0"
        return int(self._rows("SELECT COUNT(*) FROM reviews" + where)[0][0])

    def stats(self) -> ReviewStats:
        with self._lock:
            self._conn.execute("BEGIN")  # one snapshot for both queries
            try:
                total, flagged, products, shoppers = self._conn.execute(
                    "SELECT COUNT(*), COALESCE(SUM(flagged), 0), COUNT(DISTINCT product_id), "
                    "COUNT(DISTINCT shopper_id) FROM reviews"
                ).fetchone()
                codes = self._conn.execute(
                    "SELECT json_extract(f.value, '$.code'), COUNT(*) FROM reviews, "
                    "json_each(reviews.data, '$.flags') AS f WHERE flagged = 1 GROUP BY 1 ORDER BY 1"
                ).fetchall()
            finally:
                self._conn.execute("COMMIT")
        return ReviewStats(int(total), int(flagged), int(products), int(shoppers),
                           {str(code): int(n) for code, n in codes})  # fmt: skip

    def forget_shopper(self, shopper_id: str) -> int:
        with self._lock:
            return delete_erasing(self._conn, "DELETE FROM reviews WHERE shopper_id = ?", [shopper_id])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def summaries_from_counts(
    rows: Sequence[tuple[str, int, object, int]], include_flagged: bool
) -> dict[str, RatingSummary]:
    """(product, rating, flagged, count) rows -> a summary per product (both SQL backends)."""
    stars: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    flagged: dict[str, int] = defaultdict(int)
    for product_id, rating, is_flagged, count in rows:
        stars[product_id]  # noqa: B018 - a product with only flagged reviews still has a summary
        if is_flagged:
            flagged[product_id] += int(count)
        if include_flagged or not is_flagged:
            stars[product_id][int(rating)] += int(count)
    return {pid: RatingSummary.from_stars(pid, dict(stars[pid]), flagged[pid]) for pid in sorted(stars)}

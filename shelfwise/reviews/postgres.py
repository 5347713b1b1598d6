"""PostgreSQL ReviewStore: the `reviews` table (migration `reviews/0001`), the same rows as the
SQLite file. An upsert is one transaction under the review store's advisory lock, so the
outcomes it counts (inserted, updated, unchanged) are those of one writer at a time."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence

from shelfwise.reviews.base import ReviewOutcome, ReviewStats
from shelfwise.reviews.records import RatingSummary, Review
from shelfwise.reviews.sqlite import review_row, summaries_from_counts
from shelfwise.storage.postgres import Owned, PgDatabase

REVIEWS_LOCK = 0x5348_4C46_0030  # advisory lock key: "SHLF" and a store number
_UPSERT = """INSERT INTO reviews(review_id, product_id, shopper_id, rating, ts, text_key, flagged, data)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (review_id) DO UPDATE SET
product_id = excluded.product_id, shopper_id = excluded.shopper_id, rating = excluded.rating,
ts = excluded.ts, text_key = excluded.text_key, flagged = excluded.flagged, data = excluded.data"""
_NEWEST = "ORDER BY ts DESC, review_id DESC"
_COUNTS = "SELECT product_id, rating, flagged, count(*) FROM reviews"
_GROUP = " GROUP BY product_id, rating, flagged"


class PostgresReviewStore:
    """Reviews in PostgreSQL; safe to share between threads and between processes."""

    def __init__(self, database: str | PgDatabase) -> None:
        self._owned = Owned(database)
        self._db = self._owned.db

    def _reviews(self, query: str, params: Sequence[object] = ()) -> list[Review]:
        with self._db.pool.connection() as conn:
            rows = conn.execute(query, params).fetchall()
        return [Review.model_validate_json(row[-1]) for row in rows]

    def upsert(self, reviews: Sequence[Review]) -> list[ReviewOutcome]:
        if not reviews:
            return []
        rows = [review_row(review) for review in reviews]
        with self._db.transaction(lock=REVIEWS_LOCK) as conn:
            ids = list({row[0] for row in rows})
            stored = dict(
                conn.execute("SELECT review_id, data FROM reviews WHERE review_id = ANY(%s)", (ids,))
            )
            outcomes: list[ReviewOutcome] = []
            changed: dict[str, tuple[object, ...]] = {}
            for row in rows:
                old = stored.get(row[0])
                if old == row[-1]:
                    outcomes.append(ReviewOutcome.UNCHANGED)
                    continue
                outcomes.append(ReviewOutcome.INSERTED if old is None else ReviewOutcome.UPDATED)
                stored[row[0]] = row[-1]
                changed[row[0]] = row
            if changed:
                with conn.cursor() as cursor:
                    cursor.executemany(_UPSERT, list(changed.values()))
        return outcomes

    def get(self, review_id: str) -> Review | None:
        found = self._reviews("SELECT data FROM reviews WHERE review_id = %s", (review_id,))
        return found[0] if found else None

    def related(
        self, text_keys: Collection[str], shopper_ids: Collection[str], review_ids: Collection[str] = ()
    ) -> list[Review]:
        return self._reviews(
            "SELECT review_id, data FROM reviews WHERE text_key = ANY(%s) OR shopper_id = ANY(%s) "
            "OR review_id = ANY(%s) ORDER BY review_id",
            (sorted(set(text_keys)), sorted(set(shopper_ids)), sorted(set(review_ids))),
        )

    def for_product(
        self, product_id: str, limit: int = 20, offset: int = 0, include_flagged: bool = False
    ) -> list[Review]:
        where = "product_id = %s" + ("" if include_flagged else " AND NOT flagged")
        query = f"SELECT data FROM reviews WHERE {where} {_NEWEST} LIMIT %s OFFSET %s"  # nosec B608
        return self._reviews(query, (product_id, max(0, limit), max(0, offset)))

    def summary(self, product_id: str, include_flagged: bool = False) -> RatingSummary:
        found = self.summaries([product_id], include_flagged)
        return found.get(product_id) or RatingSummary(product_id=product_id)

    def summaries(
        self, product_ids: Collection[str] | None = None, include_flagged: bool = False
    ) -> dict[str, RatingSummary]:
        with self._db.pool.connection() as conn:
            if product_ids is None:
                rows = conn.execute(_COUNTS + _GROUP).fetchall()
            else:
                query = _COUNTS + " WHERE product_id = ANY(%s)" + _GROUP
                rows = conn.execute(query, (sorted(set(product_ids)),)).fetchall()
        return summaries_from_counts(rows, include_flagged)

    def by_shopper(self, shopper_id: str) -> list[Review]:
        return self._reviews(f"SELECT data FROM reviews WHERE shopper_id = %s {_NEWEST}", (shopper_id,))

    def flagged(self, limit: int = 50, offset: int = 0) -> list[Review]:
        query = f"SELECT data FROM reviews WHERE flagged {_NEWEST} LIMIT %s OFFSET %s"
        return self._reviews(query, (max(0, limit), max(0, offset)))

    def iter_reviews(self, include_flagged: bool = False, batch_size: int = 5000) -> Iterator[Review]:
        where = "" if include_flagged else " AND NOT flagged"
        query = f"SELECT review_id, data FROM reviews WHERE review_id > %s{where} ORDER BY review_id LIMIT %s"  # nosec B608
        last = ""
        while True:
            with self._db.pool.connection() as conn:
                rows = conn.execute(query, (last, max(1, batch_size))).fetchall()
            if not rows:
                return
            for _, data in rows:
                yield Review.model_validate_json(data)
            last = str(rows[-1][0])

    def count(self, include_flagged: bool = True) -> int:
        where = "" if include_flagged else " WHERE NOT flagged"
        with self._db.pool.connection() as conn:
            return int(conn.execute("SELECT count(*) FROM reviews" + where).fetchone()[0])  # type: ignore[index]

    def stats(self) -> ReviewStats:
        with self._db.pool.connection() as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")  # one snapshot
            total, flagged, products, shoppers = conn.execute(
                "SELECT count(*), count(*) FILTER (WHERE flagged), count(DISTINCT product_id), "
                "count(DISTINCT shopper_id) FROM reviews"
            ).fetchone()  # type: ignore[misc]
            codes = conn.execute(
                "SELECT f ->> 'code', count(*) FROM reviews, "
                "jsonb_array_elements(data::jsonb -> 'flags') AS f WHERE flagged GROUP BY 1 ORDER BY 1"
            ).fetchall()
        return ReviewStats(int(total), int(flagged), int(products), int(shoppers),
                           {str(code): int(n) for code, n in codes})  # fmt: skip

    def forget_shopper(self, shopper_id: str) -> int:
        with self._db.transaction(lock=REVIEWS_LOCK) as conn:
            return conn.execute("DELETE FROM reviews WHERE shopper_id = %s", (shopper_id,)).rowcount

    def close(self) -> None:
        self._owned.close()

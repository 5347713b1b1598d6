"""How a distributed encoding splits the catalog (issue 29 part 2), without Ray.

Two splits, for two reasons:

- **Read shards** are ranges of product ids, `(after, last]` in the database's own order of
  `product_id` (the order `PostgresStore.iter_products` reads in). Their boundaries come from one
  query that numbers the ids (`range_boundaries`), so the driver never holds the catalog: Ray Data
  tasks read a range each and hash its texts.
- **Encoding chunks** are the single-process encoder's own chunks: the texts missing from the
  cache, first occurrence of each text in product-id order, `chunk_size` at a time
  (`CachedEncoder.encode_texts`). The int8 graph quantizes its activations per call, so a text's
  vector moves a little with its batch companions (cosine down to about 0.988 between two
  batchings); encoding the very same chunks, sorted and batched by the same code, gives the
  single-process vectors.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import psycopg

BOUNDARIES_SQL = (
    "SELECT product_id FROM (SELECT product_id, row_number() OVER (ORDER BY product_id) AS n "
    "FROM products) numbered WHERE n %% %s = 0 ORDER BY n"
)


@dataclass(frozen=True)
class IdRange:
    """Products with `after < product_id <= last` (None: unbounded), in the database's order."""

    index: int
    after: str | None
    last: str | None

    def where(self) -> tuple[str, tuple[str, ...]]:
        """The SQL condition on `product_id` and its parameters."""
        parts, params = [], []
        if self.after is not None:
            parts.append("product_id > %s")
            params.append(self.after)
        if self.last is not None:
            parts.append("product_id <= %s")
            params.append(self.last)
        return (" AND ".join(parts) or "TRUE"), tuple(params)


def id_ranges(boundaries: Iterable[str]) -> list[IdRange]:
    """Ranges that cover every id exactly once, cut after each boundary (ascending, distinct):
    (-inf, b1], (b1, b2], ..., (bk, +inf)."""
    cuts = list(boundaries)
    if len(set(cuts)) != len(cuts):
        raise ValueError("range boundaries must be distinct")
    edges: list[str | None] = [None, *cuts, None]
    return [IdRange(i, edges[i], edges[i + 1]) for i in range(len(edges) - 1)]


def range_boundaries(conn: psycopg.Connection, shard_size: int) -> list[str]:
    """Every `shard_size`-th product id in the database's order (one scan of the ids)."""
    if shard_size < 1:
        raise ValueError(f"shard size {shard_size}: must be at least 1")
    return [str(row[0]) for row in conn.execute(BOUNDARIES_SQL, (shard_size,))]


def plan_chunks(rows: Iterable[tuple[str, str]], chunk_size: int) -> list[list[str]]:
    """The encoding chunks from (product_id, text_hash) rows of uncached products in product-id
    order: the first product of each distinct text, `chunk_size` to a chunk (what
    `CachedEncoder.encode_texts` passes to its encoder, one call per chunk)."""
    if chunk_size < 1:
        raise ValueError(f"chunk size {chunk_size}: must be at least 1")
    firsts: dict[str, str] = {}
    for product_id, digest in rows:
        firsts.setdefault(digest, product_id)
    ids = list(firsts.values())
    return [ids[start : start + chunk_size] for start in range(0, len(ids), chunk_size)]

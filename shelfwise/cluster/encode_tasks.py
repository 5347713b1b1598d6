"""What runs on the cluster's nodes during a distributed encoding (no Ray import here: Ray Data
calls these): `hash_ranges`, the read tasks, and `ChunkEncoder`, the encoder actors.

- `hash_ranges` reads its id ranges of the catalog from PostgreSQL, hashes each product's text
  and keeps the products whose text the pgvector cache lacks for this encoder version, with their
  place in product-id order (the driver plans the encoding chunks from them).
- `ChunkEncoder` loads the encoder bundle from the artifact root once (one ONNX thread), then per
  chunk reads the chunk's products, encodes their texts in one call (the single-process
  encoder's batching) and COPYs the vectors into the cache, so vectors go from the actor
  straight to PostgreSQL, never through the object store. Each chunk reports when it started
  and finished (wall clock), so the driver measures the encoding without the actors' start.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
from psycopg import sql

from shelfwise.cluster.encode_plan import IdRange
from shelfwise.cluster.encoder_bundle import load_bundle
from shelfwise.cluster.pg_copy import copy_embeddings
from shelfwise.records import Product, text_hash

Batch = dict[str, Any]


def _cached(conn: psycopg.Connection, version: str, hashes: Sequence[str]) -> set[str]:
    rows = conn.execute(
        "SELECT text_hash FROM embeddings WHERE model_version = %s AND text_hash = ANY(%s)",
        (version, list(set(hashes))),
    )
    return {str(row[0]) for row in rows}


def uncached_in_range(conn: psycopg.Connection, id_range: IdRange, version: str) -> list[tuple[str, str]]:
    """(product_id, text_hash) of the range's products whose text is not cached, in id order."""
    where, params = id_range.where()
    query = sql.SQL("SELECT product_id, data FROM products WHERE {} ORDER BY product_id").format(
        sql.SQL(where)
    )
    rows = [
        (str(pid), text_hash(Product.model_validate_json(data).text()))
        for pid, data in conn.execute(query, params)
    ]
    cached = _cached(conn, version, [digest for _, digest in rows])
    return [(pid, digest) for pid, digest in rows if digest not in cached]


def hash_ranges(batch: Batch, ranges: Sequence[IdRange], database_url: str, version: str) -> Batch:
    """Ray Data task: the uncached products of the batch's ranges (column `range`: indexes into
    `ranges`), as columns range, position, product_id, text_hash."""
    out: dict[str, list[Any]] = {"range": [], "position": [], "product_id": [], "text_hash": []}
    with psycopg.connect(database_url, autocommit=True) as conn:
        for index in batch["range"]:
            for position, (pid, digest) in enumerate(uncached_in_range(conn, ranges[int(index)], version)):
                out["range"].append(int(index))
                out["position"].append(position)
                out["product_id"].append(pid)
                out["text_hash"].append(digest)
    return {
        "range": np.asarray(out["range"], dtype=np.int64),
        "position": np.asarray(out["position"], dtype=np.int64),
        "product_id": np.asarray(out["product_id"], dtype=object),
        "text_hash": np.asarray(out["text_hash"], dtype=object),
    }


def chunk_texts(conn: psycopg.Connection, product_ids: Sequence[str]) -> tuple[list[str], list[str]]:
    """The texts of the chunk's products and their hashes, in the chunk's order (a product deleted
    since the plan is left out)."""
    rows = conn.execute(
        "SELECT product_id, data FROM products WHERE product_id = ANY(%s)", (list(product_ids),)
    )
    products = {str(pid): Product.model_validate_json(data) for pid, data in rows}
    texts = [products[pid].text() for pid in product_ids if pid in products]
    return texts, [text_hash(text) for text in texts]


class ChunkEncoder:
    """Ray Data actor: encodes whole chunks and COPYs their vectors into the pgvector cache."""

    def __init__(self, bundle: str, database_url: str) -> None:
        self.manifest, self.encoder = load_bundle(Path(bundle), threads=1)
        self.conn = psycopg.connect(database_url, autocommit=True)

    def __call__(self, batch: Batch) -> Batch:
        out: dict[str, list[Any]] = {"chunk": [], "texts": [], "copied": [], "started": [], "finished": []}
        for chunk, product_ids in zip(batch["chunk"], batch["product_ids"], strict=True):
            started = time.time()  # wall clock: the driver compares the actors' spans
            texts, hashes = chunk_texts(self.conn, [str(pid) for pid in product_ids])
            vectors = self.encoder.encode(texts) if texts else np.zeros((0, self.manifest.dim), np.float32)
            copied = copy_embeddings(self.conn, self.manifest.version, hashes, vectors)
            for key, value in (("chunk", int(chunk)), ("texts", len(texts)), ("copied", copied),
                               ("started", started), ("finished", time.time())):  # fmt: skip
                out[key].append(value)
        columns = {key: np.asarray(values) for key, values in out.items()}
        columns["node"] = np.asarray([_node_ip()] * len(out["chunk"]), dtype=object)
        return columns


def _node_ip() -> str:
    import ray  # only ever called inside a Ray worker

    return str(ray.util.get_node_ip_address())

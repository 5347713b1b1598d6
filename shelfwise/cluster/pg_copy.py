"""Embeddings written to the pgvector cache in bulk with COPY (issue 29 part 2).

`copy_binary` makes PostgreSQL's binary COPY stream for rows (model_version, text_hash, vector):
the signature and header, per row a field count and each field's length and bytes (text as
UTF-8, a pgvector `vector` as its binary form: dimensions and an unused int16, then big-endian
float32s, exact), and the trailer. `copy_embeddings` loads the stream into a temporary table and
moves it into `embeddings` with ON CONFLICT DO NOTHING, in one transaction: two chunks that
hold the same text (or a cache written meanwhile by a single-process build) never fail the
load, and a load that fails leaves nothing half-written.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import numpy as np
import psycopg

SIGNATURE = b"PGCOPY\n\xff\r\n\x00"
HEADER = SIGNATURE + struct.pack(">ii", 0, 0)  # no OIDs, no header extension
TRAILER = struct.pack(">h", -1)
_STAGING = (
    "CREATE TEMP TABLE IF NOT EXISTS embeddings_copy "
    "(model_version text, text_hash text, vector vector) ON COMMIT DELETE ROWS"
)
_COPY = "COPY embeddings_copy (model_version, text_hash, vector) FROM STDIN WITH (FORMAT binary)"
_MOVE = (
    "INSERT INTO embeddings (model_version, text_hash, vector) SELECT model_version, text_hash, vector "
    "FROM embeddings_copy ON CONFLICT (model_version, text_hash) DO NOTHING"
)


def _text_field(value: str) -> bytes:
    data = value.encode("utf-8")
    return struct.pack(">i", len(data)) + data


def _vector_field(vector: np.ndarray) -> bytes:
    array = np.asarray(vector, dtype=">f4").ravel()
    if not 0 < array.size <= 16000:
        raise ValueError(f"a vector of {array.size} dimensions: pgvector stores 1 to 16000")
    if not np.isfinite(array).all():
        raise ValueError("a vector holds NaN or infinity: pgvector refuses it")
    body = struct.pack(">hh", array.size, 0) + array.tobytes()
    return struct.pack(">i", len(body)) + body


def copy_binary(model_version: str, text_hashes: Sequence[str], vectors: np.ndarray) -> bytes:
    """The binary COPY stream of (model_version, text_hash, vector) rows, one per hash."""
    if len(text_hashes) != len(vectors):
        raise ValueError(f"{len(text_hashes)} text hashes for {len(vectors)} vectors")
    version = _text_field(model_version)
    rows = [
        struct.pack(">h", 3) + version + _text_field(digest) + _vector_field(vector)
        for digest, vector in zip(text_hashes, vectors, strict=True)
    ]
    return HEADER + b"".join(rows) + TRAILER


def copy_embeddings(
    conn: psycopg.Connection, model_version: str, text_hashes: Sequence[str], vectors: np.ndarray
) -> int:
    """COPY the vectors into the cache (through a temporary table, in one transaction); how many
    rows were new there."""
    if not text_hashes:
        return 0
    stream = copy_binary(model_version, text_hashes, vectors)
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute(_STAGING)
        with cursor.copy(_COPY) as copy:
            copy.write(stream)
        cursor.execute(_MOVE)
        return max(cursor.rowcount, 0)

"""Cosine-similarity vector index over product embeddings, backed by faiss.

Rows are appended in order and a row number is the faiss label. Small catalogs use an exact
IndexFlatIP; above `exact_max_items` live vectors an HNSW graph (inner product). Flat rows are
updated in place; HNSW rows cannot be changed or removed, so a deleted row (and, for HNSW, a
replaced one) becomes a tombstone that searches exclude with an ID selector. The index is rebuilt,
its kind picked again by size, once more than `rebuild_dead_fraction` of the rows are dead or a
flat index outgrows `exact_max_items`.

Saved as a folder: vectors.npy (one row per faiss label), ids.json (row -> product id, null for a
tombstone, with a checksum of the vectors) and, for HNSW, index.faiss. Every file is written to a
temporary name and moved into place with os.replace; ids.json goes last.

Not safe for writes concurrent with searches: swap instances or serialise access.
"""

from __future__ import annotations

import json
import os
import uuid
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import faiss
import numpy as np

from shelfwise.config import VectorConfig

VectorKind = Literal["flat", "hnsw"]
FORMAT_VERSION = 1
VECTORS_FILE = "vectors.npy"
IDS_FILE = "ids.json"
FAISS_FILE = "index.faiss"
MAX_FILTERED_EF = 2048
_faiss_untyped: Any = faiss  # the bundled type stubs lack the search-parameter classes


@dataclass(frozen=True)
class VectorHit:
    product_id: str
    similarity: float


class VectorIndex:
    """Product ids and their L2-normalised vectors; search by inner product (cosine)."""

    def __init__(self, dim: int, config: VectorConfig) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be positive, got {dim}")
        self._dim = dim
        self._config = config
        self._ids: list[str | None] = []
        self._rows: dict[str, int] = {}
        self._kind: VectorKind = _pick_kind(0, config)
        self._index: Any = self._new_faiss(self._kind)
        self._alive_bits: np.ndarray | None = None

    # -- construction ---------------------------------------------------------------------

    @classmethod
    def build(
        cls,
        product_ids: Sequence[str],
        vectors: np.ndarray,
        dim: int,
        config: VectorConfig,
    ) -> VectorIndex:
        """An index of these vectors, exact or HNSW depending on how many there are."""
        index = cls(dim, config)
        ids, matrix = index._check_batch(product_ids, vectors)
        index._reset(ids, matrix)
        return index

    @property
    def kind(self) -> VectorKind:
        return self._kind

    @property
    def dim(self) -> int:
        return self._dim

    def __len__(self) -> int:
        return len(self._rows)

    def __contains__(self, product_id: object) -> bool:
        return product_id in self._rows

    # -- writes ---------------------------------------------------------------------------

    def upsert(self, product_ids: Sequence[str], vectors: np.ndarray) -> None:
        """Add vectors, replacing those of ids already present."""
        ids, matrix = self._check_batch(product_ids, vectors)
        if not ids:
            return
        if self._kind == "flat":
            stored = self._matrix()
            fresh = []
            for position, product_id in enumerate(ids):
                row = self._rows.get(product_id)
                if row is None:
                    fresh.append(position)
                else:
                    stored[row] = matrix[position]
            ids, matrix = [ids[i] for i in fresh], matrix[fresh]
        else:
            self._tombstone(ids)
        self._append(ids, matrix)
        self._maybe_rebuild()

    def delete(self, product_ids: Sequence[str]) -> None:
        self._tombstone(product_ids)
        self._maybe_rebuild()

    def rebuild(self) -> None:
        """Drop tombstones and pick the kind again for the current size."""
        live = sorted(self._rows.items(), key=lambda item: item[1])
        matrix = self._matrix()[[row for _, row in live]].copy()
        self._reset([product_id for product_id, _ in live], matrix)

    # -- reads ----------------------------------------------------------------------------

    def vectors_for(self, product_ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of these ids, in order; KeyError for an unknown id."""
        missing = [pid for pid in product_ids if pid not in self._rows]
        if missing:
            raise KeyError(f"no vector for {len(missing)} id(s), e.g. {missing[:3]}")
        rows = [self._rows[pid] for pid in product_ids]
        return self._matrix()[rows].copy() if rows else np.empty((0, self._dim), np.float32)

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | Sequence[str] | None = None
    ) -> list[list[VectorHit]]:
        """The k most similar live products for each query, best first.

        `allowed` restricts results to these product ids, exactly: small sets are searched
        exhaustively, large ones through the index with an ID selector.
        """
        matrix = np.atleast_2d(np.ascontiguousarray(queries, dtype=np.float32))
        if matrix.ndim != 2 or matrix.shape[1] != self._dim:
            raise ValueError(f"queries must have shape (n, {self._dim}), got {queries.shape}")
        if k <= 0 or not self._rows or len(matrix) == 0:
            return [[] for _ in range(len(matrix))]
        if allowed is None:
            scores, labels = self._search_live(matrix, k)
        else:
            rows = sorted({self._rows[pid] for pid in allowed if pid in self._rows})
            if not rows:
                return [[] for _ in range(len(matrix))]
            scores, labels = self._search_rows(matrix, min(k, len(rows)), rows)
        return [
            self._hits(row_scores, row_labels) for row_scores, row_labels in zip(scores, labels, strict=True)
        ]

    # -- persistence ----------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Write the index to folder `path`; each file appears whole or not at all."""
        path.mkdir(parents=True, exist_ok=True)
        if self._kind == "flat" and len(self._rows) < len(self._ids):
            self.rebuild()
        vectors = self._matrix()
        _atomic_write(path / VECTORS_FILE, lambda f: np.save(f, vectors, allow_pickle=False))
        if self._kind == "hnsw":
            _atomic_write_faiss(path / FAISS_FILE, self._index)
        meta = {
            "format": FORMAT_VERSION,
            "dim": self._dim,
            "kind": self._kind,
            "rows": len(self._ids),
            "crc32": zlib.crc32(vectors.tobytes()),
            "ids": self._ids,
        }
        _atomic_write(path / IDS_FILE, lambda f: f.write(json.dumps(meta).encode("utf-8")))
        if self._kind == "flat":
            (path / FAISS_FILE).unlink(missing_ok=True)

    @classmethod
    def load(cls, path: Path, config: VectorConfig) -> VectorIndex:
        meta = json.loads((path / IDS_FILE).read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT_VERSION:
            raise ValueError(f"{path}: unsupported vector index format {meta.get('format')}")
        vectors = np.load(path / VECTORS_FILE, allow_pickle=False)
        ids: list[str | None] = meta["ids"]
        if vectors.shape != (meta["rows"], meta["dim"]) or len(ids) != meta["rows"]:
            raise ValueError(f"{path}: {VECTORS_FILE} does not match {IDS_FILE}")
        if zlib.crc32(np.ascontiguousarray(vectors).tobytes()) != meta["crc32"]:
            raise ValueError(f"{path}: {VECTORS_FILE} checksum does not match {IDS_FILE}")
        index = cls(meta["dim"], config)
        if meta["kind"] == "flat":
            live = [row for row, pid in enumerate(ids) if pid is not None]
            index._reset([str(ids[row]) for row in live], vectors[live], kind="flat")
            return index
        faiss_index: Any = faiss.read_index(str(path / FAISS_FILE))
        if faiss_index.ntotal != len(ids):
            raise ValueError(f"{path}: {FAISS_FILE} holds {faiss_index.ntotal} rows, not {len(ids)}")
        faiss_index.hnsw.efSearch = config.hnsw_ef_search
        index._kind, index._index, index._ids = "hnsw", faiss_index, ids
        index._rows = {pid: row for row, pid in enumerate(ids) if pid is not None}
        return index

    # -- internals ------------------------------------------------------------------------

    def _check_batch(self, product_ids: Sequence[str], vectors: np.ndarray) -> tuple[list[str], np.ndarray]:
        """Validated (ids, float32 matrix); a repeated id keeps its last vector."""
        matrix = np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1, self._dim)
        shape = np.shape(vectors)
        if len(product_ids) != len(matrix) or shape[-1:] != (self._dim,):
            raise ValueError(f"expected {len(product_ids)} vectors of dim {self._dim}, got {shape}")
        last = {pid: position for position, pid in enumerate(product_ids)}
        if len(last) == len(product_ids):
            return list(product_ids), matrix
        positions = sorted(last.values())
        return [product_ids[i] for i in positions], matrix[positions]

    def _new_faiss(self, kind: VectorKind) -> Any:
        if kind == "flat":
            return faiss.IndexFlatIP(self._dim)
        index = faiss.IndexHNSWFlat(self._dim, self._config.hnsw_m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = self._config.hnsw_ef_construction
        index.hnsw.efSearch = self._config.hnsw_ef_search
        return index

    def _reset(self, ids: list[str], matrix: np.ndarray, kind: VectorKind | None = None) -> None:
        self._kind = kind or _pick_kind(len(ids), self._config)
        self._index = self._new_faiss(self._kind)
        self._ids, self._rows = [], {}
        self._append(ids, matrix)

    def _append(self, ids: list[str], matrix: np.ndarray) -> None:
        if not ids:
            return
        start = len(self._ids)
        self._index.add(matrix)
        self._ids.extend(ids)
        self._rows.update((pid, start + offset) for offset, pid in enumerate(ids))
        self._alive_bits = None

    def _tombstone(self, product_ids: Sequence[str]) -> None:
        for product_id in product_ids:
            row = self._rows.pop(product_id, None)
            if row is not None:
                self._ids[row] = None
                self._alive_bits = None

    def _maybe_rebuild(self) -> None:
        dead = len(self._ids) - len(self._rows)
        too_dead = dead > self._config.rebuild_dead_fraction * len(self._ids)
        outgrown = self._kind == "flat" and len(self._rows) > self._config.exact_max_items
        if too_dead or outgrown:
            self.rebuild()

    def _matrix(self) -> np.ndarray:
        """A writable view of the stored vectors, row = faiss label; valid until the next add."""
        storage: Any = self._index if self._kind == "flat" else faiss.downcast_index(self._index.storage)
        n = storage.ntotal
        if n == 0:
            return np.empty((0, self._dim), np.float32)
        return faiss.rev_swig_ptr(storage.get_xb(), n * self._dim).reshape(n, self._dim)

    def _search_live(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        k = min(k, len(self._rows))
        if len(self._rows) == len(self._ids):
            return self._index.search(queries, k)
        if self._alive_bits is None:
            alive = np.zeros(len(self._ids), dtype=bool)
            alive[list(self._rows.values())] = True
            self._alive_bits = np.packbits(alive, bitorder="little")
        return self._search_selected(self._index, queries, k, self._alive_bits, len(self._rows))

    def _search_rows(self, queries: np.ndarray, k: int, rows: list[int]) -> tuple[np.ndarray, np.ndarray]:
        mask = np.zeros(len(self._ids), dtype=bool)
        mask[rows] = True
        bits = np.packbits(mask, bitorder="little")
        exact = self._kind == "flat" or len(rows) <= self._config.filter_exact_max
        index = self._index
        if exact and self._kind == "hnsw":
            index = faiss.downcast_index(self._index.storage)
        return self._search_selected(index, queries, k, bits, len(rows))

    def _search_selected(
        self, index: Any, queries: np.ndarray, k: int, bits: np.ndarray, selected: int
    ) -> tuple[np.ndarray, np.ndarray]:
        selector = faiss.IDSelectorBitmap(len(self._ids), faiss.swig_ptr(bits))
        params: Any
        if isinstance(index, faiss.IndexHNSW):
            share = selected / len(self._ids)
            ef = max(self._config.hnsw_ef_search, k) / max(share, 1e-3)
            params = _faiss_untyped.SearchParametersHNSW(sel=selector, efSearch=int(min(ef, MAX_FILTERED_EF)))
        else:
            params = _faiss_untyped.SearchParameters(sel=selector)
        return index.search(queries, k, params=params)

    def _hits(self, scores: np.ndarray, labels: np.ndarray) -> list[VectorHit]:
        hits = []
        for score, label in zip(scores.tolist(), labels.tolist(), strict=True):
            product_id = self._ids[label] if label >= 0 else None
            if product_id is not None:
                hits.append(VectorHit(product_id=product_id, similarity=float(score)))
        return hits


def _pick_kind(size: int, config: VectorConfig) -> VectorKind:
    return "flat" if size <= config.exact_max_items else "hnsw"


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def _atomic_write(path: Path, write: Any) -> None:
    temp = _temp_name(path)
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _atomic_write_faiss(path: Path, index: faiss.Index) -> None:
    temp = _temp_name(path)
    try:
        faiss.write_index(index, str(temp))
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)

"""One shard of a published serving version, built in the shard actor's own process (issue 29:
the shard actors joined to Serve).

A serving version (`serving_version.py`) is a data folder holding an index version
(`indexes/CURRENT` -> `indexes/versions/<v>/`: `lexical/`, `vector/`, `manifest.json`). Shard s
of S takes:

- **its vectors** from the version's vector folder: the live rows whose id hashes to s, with
  their position among the live rows as ordinals (the one index's row order). A flat or HNSW
  save without delta files keeps its rows in `vectors.npy`, which is memory-mapped: only the
  shard's rows are read (the ids come from `ids.json`, every id of the catalog; the whole file's
  checksum is not recomputed here: the replica that opens the version checks it). An IVF save
  (the vectors live inside `index.faiss`) or one with delta files is loaded whole and then cut
  down: the actor holds every vector of the catalog while it builds, then only its own.
- **its products** from the shop's catalog store (PostgreSQL): every product whose id hashes to
  s, with its position in `store.iter_products()` as ordinal, the order the version's lexical
  index was built in. Each actor reads the whole catalog once and keeps its part. The catalog is
  read when the actor starts; products written after the version was built are in it with their
  new text, but have no vector in the version (a vector is found only for products the version
  encoded): a new version brings the shards up to date.
- **its analysis** (English, or Chinese with the catalog's words) from the version's lexical
  folder, and the shop's lexical and vector settings from the driver.

The whole index's statistics are padded afterwards, by the driver, as for any shard
(`sharded_search.pad_shards`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.index import IndexVersions
from shelfwise.index.lexical import LexicalAnalysis
from shelfwise.index.shards import shard_of
from shelfwise.index.vector import IDS_FILE, VECTORS_FILE, VectorIndex
from shelfwise.index.vector_files import DELTA_PATTERN
from shelfwise.records import Product
from shelfwise.search.sharded import SearchShard

INDEXES_DIR = "indexes"


def version_index(folder: Path) -> tuple[str, Path]:
    """The index version a serving data folder publishes (its CURRENT) and its path."""
    current = IndexVersions(folder / INDEXES_DIR).current()
    if current is None:
        raise FileNotFoundError(f"{folder / INDEXES_DIR}: no published index (no CURRENT)")
    return current


def shard_vectors(
    folder: Path, config: VectorConfig, number: int, count: int
) -> tuple[list[str], np.ndarray, list[int]]:
    """Shard `number` of `count`'s part of the saved vector index in `folder`: its ids, their
    vectors and their ordinals (positions among the index's live rows)."""
    meta = json.loads((folder / IDS_FILE).read_text(encoding="utf-8"))
    mapped = meta["kind"] != "ivf" and not any(folder.glob(DELTA_PATTERN))
    if mapped:
        ids: list[str | None] = meta["ids"]
        matrix = np.load(folder / VECTORS_FILE, allow_pickle=False, mmap_mode="r")
        if matrix.shape != (len(ids), meta["dim"]):
            raise ValueError(f"{folder}: {VECTORS_FILE} holds {matrix.shape}, {IDS_FILE} {len(ids)} rows")
        live = [(row, pid) for row, pid in enumerate(ids) if pid is not None]
    else:  # the vectors are inside index.faiss, or deltas change the rows: load it all
        whole_ids, whole = VectorIndex.load(folder, config).live_rows()
        live, matrix = list(enumerate(whole_ids)), whole
    mine = [(ordinal, row, pid) for ordinal, (row, pid) in enumerate(live) if shard_of(pid, count) == number]
    rows = np.array([row for _, row, _ in mine], dtype=np.int64)
    vectors = np.asarray(matrix[rows], dtype=np.float32).reshape(len(rows), int(meta["dim"]))
    return [pid for _, _, pid in mine], vectors, [ordinal for ordinal, _, _ in mine]


def shard_products(catalog: Iterable[Product], number: int, count: int) -> tuple[list[Product], list[int]]:
    """The products of shard `number` of `count` and their catalog positions."""
    mine = [(i, p) for i, p in enumerate(catalog) if shard_of(p.product_id, count) == number]
    return [p for _, p in mine], [i for i, _ in mine]


@dataclass(frozen=True)
class VersionShard:
    """Shard `number` of `count` of the serving version in `folder`, over the catalog at
    `store_url` (the shop's catalog store: one every node reaches)."""

    folder: Path
    store_url: str
    number: int
    count: int
    config: tuple[LexicalConfig, VectorConfig]

    def build(self) -> SearchShard:
        from shelfwise.index.lexical_shard import LexicalShard
        from shelfwise.index.vector_shard import VectorShard
        from shelfwise.search.shard_catalog import ShardCatalog
        from shelfwise.store import open_store

        _, path = version_index(self.folder)
        vectors = shard_vectors(path / "vector", self.config[1], self.number, self.count)
        store = open_store(self.store_url)
        try:
            products, ordinals = shard_products(store.iter_products(), self.number, self.count)
        finally:
            store.close()
        analysis = LexicalAnalysis.load(path / "lexical")

        lexical = LexicalShard.build(products, ordinals, self.config[0], analysis)
        vector = VectorShard.build(*vectors, self.config[1])
        return SearchShard(self.number, lexical, vector, ShardCatalog(products, ordinals))

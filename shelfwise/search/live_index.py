"""The index version searches read (`LiveIndex`: lexical and vector indexes, the product table,
title terms, query understanding), the stats of its refreshes and vector rebuilds, and the
manifest's note of the catalog's title scripts. `lifecycle.IndexLifecycle` builds, loads, swaps
and refreshes it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shelfwise.index import IndexManifest, LexicalIndex, VectorIndex
from shelfwise.language.scripts import title_scripts
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.records import Product, text_hash
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.table import ProductTable

SCRIPTS_NOTE = "title_scripts"
"""manifest note: script -> share of the titles using it, computed at build and at open"""


class IndexNotReadyError(RuntimeError):
    """No index has been built yet for this catalog."""


@dataclass(frozen=True)
class RefreshStats:
    upserted: int
    deleted: int
    encoded: int
    store_seq: int


@dataclass(frozen=True)
class VectorRebuildStats:
    """The last background rebuild of the vector index: rows read under the writer lock, the
    build outside every lock, then the replay of the ids changed meanwhile and the swap, again
    under the writer lock."""

    rows: int
    kind: str
    read_seconds: float
    build_seconds: float
    swap_seconds: float
    replayed: int


@dataclass
class LiveIndex:
    """The index version searches read; replaced as a whole on rebuild."""

    version: str
    path: Path
    manifest: IndexManifest
    lexical: LexicalIndex
    vector: VectorIndex
    table: ProductTable
    terms: TitleTerms | None = None
    """analysed title terms, for query-term coverage in fusion"""
    text_hashes: dict[str, int] = field(default_factory=dict)
    """64-bit fingerprint of each product's encoded text: a change elsewhere keeps its vector"""
    understanding: QueryUnderstanding | None = None
    """spelling, attribute and synonym models of this catalog (None when disabled)"""
    understanding_seq: int = 0
    """the store sequence number at which `understanding`'s products were read"""
    unsaved_changes: int = 0
    vector_journal: set[str] | None = None
    """while a vector rebuild runs in the background: the ids whose vectors changed since it
    read the rows it builds from, replayed onto the new index before it is swapped in"""
    writable: bool = True
    """False when another process owns the files: changes stay in memory, lexical lags."""
    _vector_rows: tuple[ProductTable, VectorIndex, int, np.ndarray] | None = field(default=None, repr=False)

    @property
    def title_scripts(self) -> dict[str, float]:
        """Script -> share of the catalog's titles using it (empty when not known)."""
        return dict(self.manifest.notes.get(SCRIPTS_NOTE) or {})

    def vector_rows(self) -> np.ndarray:
        """The vector index's row of each table row (-1: no vector), so that a filter mask over
        the table selects vector rows without looking up ids; recomputed after changes."""
        cached = self._vector_rows
        if not self._rows_current(cached):
            rows = self.vector.rows_of(self.table.ids)
            cached = self._vector_rows = (self.table, self.vector, self.vector.generation, rows)
        assert cached is not None
        return cached[3]

    def _rows_current(self, cached: tuple[ProductTable, VectorIndex, int, np.ndarray] | None) -> bool:
        return (
            cached is not None
            and cached[0] is self.table
            and cached[1] is self.vector
            and (cached[2] == self.vector.generation)
        )

    def patch_vector_rows(self, before: tuple[ProductTable, int, int], touched: Sequence[str]) -> None:
        """After a refresh that changed the `touched` ids, update the cached `vector_rows` map
        for those ids only (a full recomputation takes 0.3 s at a million products). `before`
        is (table, vector generation, vector layout) as the refresh found them; when the map
        was not current then, or the vector index renumbered its rows, the next use recomputes
        it."""
        cached = self._vector_rows
        table, generation, layout = before
        current = (
            cached is not None
            and cached[0] is table
            and cached[1] is self.vector
            and (cached[2] == generation)
        )
        if not current or self.vector.layout != layout:
            return
        assert cached is not None
        rows = np.full(len(self.table.ids), -1, dtype=np.int64)
        rows[: len(cached[3])] = cached[3]  # a copy: searches may hold the old map
        known = [pid for pid in touched if pid in self.table.row_of]
        if known:
            rows[[self.table.row_of[pid] for pid in known]] = self.vector.rows_of(known)
        self._vector_rows = (self.table, self.vector, self.vector.generation, rows)


def with_scripts(manifest: IndexManifest, products: list[Product]) -> IndexManifest:
    """The manifest noting the scripts of the products' titles (read by the match floor)."""
    scripts = title_scripts(p.title for p in products)
    return manifest.model_copy(update={"notes": {**manifest.notes, SCRIPTS_NOTE: scripts}})


def text_hashes(products: list[Product]) -> dict[str, int]:
    """The first 64 bits of each product's text hash (an int: a tenth of the hex string's memory)."""
    return {p.product_id: int(text_hash(p.text())[:16], 16) for p in products}

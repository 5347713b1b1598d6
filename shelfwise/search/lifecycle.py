"""The index lifecycle under the search engine: build, load, swap, refresh, persist, close.

`IndexLifecycle` keeps the published index version (`LiveIndex`) in step with the store:
versions are built off to the side and swapped atomically, changes are applied in place and
persisted every `persist_every` changes. `SearchEngine` answers searches on top of it.

Query understanding (spelling, autocomplete, the catalog vocabulary) is derived from the whole
catalog. It is rebuilt in a background thread after a persist once the store has moved by
`understanding_interval` changes since it was built (`persist_every`, or a share of the catalog
when that is more), saved into the version folder, and swapped in when done; read-only
processes load the writer's newer snapshot as they catch up.

The vector index drops its tombstones (deleted products, old vectors of changed texts) by a
rebuild once they pass `vector.rebuild_dead_fraction`. That also runs in a background thread:
refreshes go on changing the old index while the new one is built, and their changes are
replayed onto the new one before it is swapped in, so a write never waits for the rebuild.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from shelfwise.config import FusionConfig, LexicalConfig, UnderstandingConfig, VectorConfig
from shelfwise.index import IndexManifest, IndexVersions, LexicalIndex, VectorIndex
from shelfwise.models import CachedEncoder
from shelfwise.progress import Progress, in_stage
from shelfwise.query.understand import QueryUnderstanding
from shelfwise.records import Product
from shelfwise.search.background import CoalescingWorker
from shelfwise.search.cross_lingual import CrossLingual
from shelfwise.search.learned_fusion import LearnedFusion
from shelfwise.search.live_index import (
    SCRIPTS_NOTE,
    IndexNotReadyError,
    LiveIndex,
    RefreshStats,
    VectorRebuildStats,
    text_hashes,
    with_scripts,
)
from shelfwise.search.rerank import Reranker
from shelfwise.search.saved_understanding import (
    build_understanding,
    newer_understanding,
    saved_understanding,
    understanding_interval,
)
from shelfwise.search.table import ProductTable
from shelfwise.search.version_build import build_version, lexical_language, title_terms
from shelfwise.store import Store

logger = logging.getLogger("shelfwise.search")


class IndexLifecycle:
    """Owns the published index version and keeps it in step with the store."""

    def __init__(
        self,
        store: Store,
        encoder: CachedEncoder,
        index_root: Path,
        lexical: LexicalConfig | None = None,
        vector: VectorConfig | None = None,
        fusion: FusionConfig | None = None,
        persist_every: int = 2000,
        reranker: Reranker | None = None,
        understanding: UnderstandingConfig | None = None,
        learned_fusion: LearnedFusion | None = None,
        language: str = "en",
    ) -> None:
        """`learned_fusion`, when given, re-scores hybrid candidates (see search/learned_fusion.py).
        `language`: the catalog's (shelfwise/language/catalog.py); zh builds a Chinese lexical index."""
        self.language = language
        self.store = store
        self.encoder = encoder
        self.registry = IndexVersions(index_root)
        self.lexical_config = lexical or LexicalConfig()
        self.vector_config = vector or VectorConfig()
        self.fusion = fusion or FusionConfig()
        self._lock = threading.RLock()
        """held briefly: by searches, and by writers while they swap or apply changes"""
        self._write_lock = threading.RLock()
        """held by open, rebuild, refresh and catch_up: one writer at a time"""
        self._live: LiveIndex | None = None
        self.persist_every = persist_every
        self.reranker = reranker
        self.understanding = understanding or UnderstandingConfig()
        self.learned_fusion = learned_fusion
        self.cross_lingual = CrossLingual(encoder, self.fusion.match.script_min_share)
        self._understanding_builds = CoalescingWorker(
            self._rebuild_understanding, "query understanding build"
        )
        self._vector_rebuilds = CoalescingWorker(self._rebuild_vectors, "vector index rebuild")
        self._closing = False
        """set by close: a vector rebuild that has not read its rows yet does not start"""
        self.last_vector_rebuild: VectorRebuildStats | None = None

    # ----- lifecycle -------------------------------------------------------------------------

    def open(self, progress: Progress | None = None, build: bool = True) -> IndexManifest | None:
        """Load the published index and catch up with the store.

        With `build`, a new index is built when there is none, when it was built by another
        encoder, or when its files cannot be loaded (a crash mid-save); without, None is
        returned instead and nothing is built.
        """
        with self._write_lock:
            self._closing = False
            current = self.registry.current()
            live = None if current is None else self._try_load(*current)
            if live is None:
                return self.rebuild(progress) if build else None
            self._swap(live)
            self.refresh(progress)
            return live.manifest

    def _try_load(self, version: str, path: Path) -> LiveIndex | None:
        try:
            manifest = self.registry.read_manifest(path / "manifest.json")
        except (OSError, ValueError) as error:
            logger.warning("index %s has no readable manifest (%s)", version, error)
            return None
        if manifest.encoder != self.encoder.encoder.version:
            logger.info(
                "index %s was built by %s, not %s", version, manifest.encoder, self.encoder.encoder.version
            )
            return None
        lexical = LexicalIndex.open(path / "lexical", self.lexical_config)
        if lexical.analysis.language != lexical_language(self.language):
            logger.info("index %s reads %s text, the catalog is %s", version, lexical.analysis.language,
                        self.language)  # fmt: skip
            lexical.close()
            return None
        try:
            vector = VectorIndex.load(path / "vector", self.vector_config)
        except (OSError, ValueError, KeyError) as error:
            logger.warning("index %s: vector files unusable (%s); it will be rebuilt", version, error)
            lexical.close()
            return None
        writable = True
        try:
            lexical.acquire_writer()  # one writing process per index
        except ValueError as error:
            if "LockBusy" not in str(error):
                raise
            writable = False  # another process (a server) owns it: read, never write
        store_seq = self.store.last_seq()
        products = list(self.store.iter_products())
        hashes = text_hashes(products)
        for change in self.store.changes_since(manifest.store_seq):
            hashes.pop(change.product_id, None)  # not yet in the saved vectors: replayed next
        understanding, understood_at = self._understanding_at_open(path, products, store_seq, writable)
        manifest = with_scripts(manifest, products)
        return LiveIndex(
            version,
            path,
            manifest,
            lexical,
            vector,
            ProductTable.build(products),
            terms=title_terms(lexical, products),
            text_hashes=hashes,
            understanding=understanding,
            understanding_seq=understood_at,
            writable=writable,
        )

    def _swap(self, live: LiveIndex) -> None:
        with self._lock:
            previous, self._live = self._live, live
        if previous is not None and previous is not live:
            previous.lexical.close()

    def rebuild(self, progress: Progress | None = None) -> IndexManifest:
        """Build a complete new index version off to the side, then publish it atomically.
        Searches keep reading the previous version until the swap."""
        with self._write_lock:
            self._closing = False
            live = self._build(progress)
            self.registry.publish(live.version)
            self._swap(live)
            self.refresh(progress)
            return live.manifest

    def _build(self, progress: Progress | None) -> LiveIndex:
        return build_version(self.store, self.encoder, self.registry, self.lexical_config,
                             self.vector_config, self.understanding, self.language, progress)  # fmt: skip

    def understanding_interval(self, products: int) -> int:
        """Changes after which the catalog-derived understanding is rebuilt: `persist_every`,
        or the configured share of a catalog of `products` when that is more."""
        return understanding_interval(self.understanding, self.persist_every, products)

    def _understanding_at_open(
        self, path: Path, products: list[Product], store_seq: int, writable: bool
    ) -> tuple[QueryUnderstanding | None, int]:
        """(understanding, the store sequence number it was built at): the one saved with this
        version when the store has changed less since it was built than `understanding_interval`
        (the lag a running writer allows before it rebuilds); else a new one, saved when this
        process owns the version."""
        if not self.understanding.enabled:
            return None, store_seq
        snapshot = saved_understanding(path, self.understanding)
        if snapshot is not None:
            lag = len(self.store.changes_since(snapshot.store_seq))
            if lag < self.understanding_interval(len(products)):
                return snapshot.understanding.with_pinyin(products), snapshot.store_seq
        return self._understand(products, path if writable else None, store_seq), store_seq

    def _understand(
        self, products: list[Product], save_to: Path | None, store_seq: int
    ) -> QueryUnderstanding | None:
        """Build the understanding of `products` (read at `store_seq`) and save it into the
        version folder `save_to`, if given."""
        return build_understanding(products, self.understanding, save_to, store_seq)

    def refresh(self, progress: Progress | None = None) -> RefreshStats:
        """Apply the store's changes since the index's sequence number, in place.

        Products are encoded before the search lock is taken, so searches go on meanwhile;
        products whose text did not change (a new price, say) keep their vectors.
        """
        with self._write_lock:
            live = self._require()
            changes = self.store.changes_since(live.manifest.store_seq)
            if not changes:
                return RefreshStats(0, 0, 0, live.manifest.store_seq)
            changed = self.store.get_many([c.product_id for c in changes if not c.deleted])
            upserted = list(changed.values())
            deleted = [c.product_id for c in changes if c.product_id not in changed]
            hashes = text_hashes(upserted)
            retext = [
                p
                for p in upserted
                if live.text_hashes.get(p.product_id) != hashes[p.product_id]
                or p.product_id not in live.vector
            ]
            vectors = self.encoder.encode_products(
                retext, progress=in_stage(progress, "encode") if progress else None
            )
            encoded = self.encoder.last_stats.encoded
            if live.writable:
                live.lexical.upsert(upserted)
                live.lexical.delete(deleted)
            if live.vector_journal is not None:  # noted first: a failure below is retried whole
                live.vector_journal.update([p.product_id for p in retext] + deleted)
            with self._lock:
                before = (live.table, live.vector.generation, live.vector.layout)
                if retext:
                    live.vector.upsert([p.product_id for p in retext], vectors, compact=False)
                live.vector.delete(deleted, compact=False)
                live.table = live.table.with_changes(upserted, deleted)
                live.patch_vector_rows(before, [p.product_id for p in upserted] + deleted)
                live.manifest = live.manifest.model_copy(
                    update={"store_seq": changes[-1].seq, "product_count": len(live.table)}
                )
                if not live.manifest.notes.get(SCRIPTS_NOTE) and upserted:  # built empty
                    live.manifest = with_scripts(live.manifest, upserted)
            live.text_hashes.update(hashes)
            for pid in deleted:
                live.text_hashes.pop(pid, None)
            if live.terms is not None:
                live.terms.update(upserted)
                live.terms.remove(deleted)
            live.unsaved_changes += len(changes)
            if live.vector.due_for_rebuild:
                self._vector_rebuilds.request()
            if live.writable and live.unsaved_changes >= self.persist_every:
                self._persist(live)
            return RefreshStats(len(upserted), len(deleted), encoded, changes[-1].seq)

    def _rebuild_vectors(self) -> None:
        """The background job that drops the vector index's tombstones once they are due.

        The live rows are read under the writer lock; the new index is built from them outside
        every lock (at a million products an IVF build takes about 90 s), while searches read
        the old index and refreshes go on changing it, noting each id they touch in
        `vector_journal`. Under the writer lock again, those ids' current vectors (or their
        deletion) are applied to the new index, which then replaces the old one."""
        began = time.perf_counter()
        with self._write_lock:
            live = self._live
            if live is None or self._closing or not live.vector.due_for_rebuild:
                return
            old = live.vector
            ids, matrix = old.live_rows()
            live.vector_journal = set()
        read = time.perf_counter()
        try:
            fresh = VectorIndex.build(ids, matrix, old.dim, self.vector_config)
            del ids, matrix
            built = time.perf_counter()
            with self._write_lock:
                if self._live is not live or live.vector is not old or live.vector_journal is None:
                    return  # the version was replaced or closed meanwhile
                touched = sorted(live.vector_journal)
                present = [pid for pid in touched if pid in old]
                if present:
                    fresh.upsert(present, old.vectors_for(present), compact=False)
                fresh.delete([pid for pid in touched if pid not in old], compact=False)
                with self._lock:
                    live.vector = fresh
                live.unsaved_changes += 1  # the saved files still hold the tombstones
                swapped = time.perf_counter()
        finally:
            with self._write_lock:
                live.vector_journal = None
        self.last_vector_rebuild = VectorRebuildStats(
            rows=len(fresh), kind=fresh.kind, read_seconds=round(read - began, 3),
            build_seconds=round(built - read, 3), swap_seconds=round(swapped - built, 3),
            replayed=len(touched),
        )  # fmt: skip
        logger.info("index %s: vector index rebuilt without tombstones: %s",
                    live.version, self.last_vector_rebuild)  # fmt: skip

    def catch_up(self) -> RefreshStats | None:
        """What a long-running server calls every second: load a newly published version, take
        over the index files when their owner has gone, and apply other processes' changes."""
        with self._write_lock:
            current = self.registry.current()
            live = self._live
            if current is None:
                return None
            if live is None or live.version != current[0] or not live.writable and self._owner_gone(live):
                if self.open(build=False) is None:
                    return None
                return RefreshStats(0, 0, 0, self._require().manifest.store_seq)
            if not live.writable:
                self._load_newer_understanding(live)
            if self.store.last_seq() == live.manifest.store_seq:
                return None
            return self.refresh()

    def _load_newer_understanding(self, live: LiveIndex) -> None:
        """In a read-only process: take the writer's newer saved understanding, if any."""
        if not self.understanding.enabled:
            return
        snapshot = newer_understanding(live.path, self.understanding, live.understanding_seq)
        if snapshot is not None:
            if live.understanding is not None:  # pinyin is not saved: keep the catalog words read at open
                snapshot.understanding.pinyin = live.understanding.pinyin
            with self._lock:
                live.understanding, live.understanding_seq = snapshot.understanding, snapshot.store_seq

    def _owner_gone(self, live: LiveIndex) -> bool:
        try:
            live.lexical.acquire_writer()
        except ValueError:
            return False
        live.lexical.close()  # the reload takes it again, with the files' latest state
        return True

    def _persist(self, live: LiveIndex, understand: bool = True) -> None:
        """Write the vector index, then the manifest that vouches for it; with `understand`,
        ask for a new query understanding in the background when the current one is due.

        Between persists the manifest on disk lags behind: after a crash, `open` replays the
        store's changes since its sequence number (from the embedding cache, so cheaply);
        nothing accepted by the store is lost. While a background rebuild is replacing the vector
        index, nothing is written (the next persist after its swap writes the new index whole).
        A flat index saved whole drops its tombstones first, beside it: searches never see it
        rebuilt in place.
        """
        if live.vector_journal is not None:
            return
        if live.vector.compacts_on_save(live.path / "vector"):
            fresh = live.vector.rebuilt()
            with self._lock:
                live.vector = fresh
        live.vector.save(live.path / "vector")
        self.registry.write_manifest(live.path / "manifest.json", live.manifest)
        live.unsaved_changes = 0
        if understand and self.understanding.enabled:
            lag = len(self.store.changes_since(live.understanding_seq))
            if lag >= self.understanding_interval(len(live.table)):
                self._understanding_builds.request()

    def _rebuild_understanding(self) -> None:
        """The background job: build the current catalog's understanding, save it into the
        live version's folder, swap it in (unless the version was replaced meanwhile)."""
        live = self._live
        if live is None or not live.writable:
            return
        started = time.perf_counter()
        store_seq = self.store.last_seq()
        understanding = self._understand(list(self.store.iter_products()), live.path, store_seq)
        with self._lock:
            if self._live is live:
                live.understanding, live.understanding_seq = understanding, store_seq
        logger.info("index %s: query understanding rebuilt at store seq %d in %.1fs",
                    live.version, store_seq, time.perf_counter() - started)  # fmt: skip

    def wait_for_understanding(self, timeout: float | None = None) -> bool:
        """Block until no background understanding build is running or due; False on timeout."""
        return self._understanding_builds.wait(timeout)

    def wait_for_vector_rebuild(self, timeout: float | None = None) -> bool:
        """Block until no background vector rebuild is running or due; False on timeout."""
        return self._vector_rebuilds.wait(timeout)

    @property
    def rebuilding_vectors(self) -> bool:
        """True while the vector index is being rebuilt without its tombstones in the background."""
        return self._vector_rebuilds.busy

    def close(self) -> None:
        """Persist pending changes and release the index files (and the writer's lock). A
        running understanding build or vector rebuild is finished first; none is started."""
        with self._write_lock:
            self._closing = True
        self._vector_rebuilds.wait()
        self._understanding_builds.wait()
        with self._write_lock, self._lock:
            if self._live is not None:
                if self._live.unsaved_changes and self._live.writable:
                    self._persist(self._live, understand=False)
                self._live.lexical.close()
                self._live = None

    @property
    def version(self) -> str | None:
        live = self._live
        return None if live is None else live.version

    @property
    def writable(self) -> bool:
        """False when another process (a running server) owns the index files."""
        live = self._live
        return live is not None and live.writable

    def manifest(self) -> IndexManifest | None:
        live = self._live
        return None if live is None else live.manifest

    def query_understanding(self) -> QueryUnderstanding | None:
        """The loaded index's query understanding (None before an index, or when it has none):
        for readers of shoppers' words outside a search, such as the shopping assistant."""
        live = self._require()
        return live.understanding

    def _require(self) -> LiveIndex:
        if self._live is None:
            raise IndexNotReadyError("no index yet: run `shelfwise index` after ingesting a feed")
        return self._live

"""SearchEngine: lexical + vector retrieval, fusion, filters, facets, pagination and explanations."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shelfwise.config import FusionConfig, LexicalConfig, VectorConfig
from shelfwise.index import IndexManifest, IndexRegistry, LexicalIndex, VectorIndex
from shelfwise.models import CachedEncoder
from shelfwise.records import Explanation, Filters, Hit, Product, SearchRequest, SearchResult
from shelfwise.search.fusion import FusedCandidate, RetrievalStages, fuse
from shelfwise.search.normalize import normalize_query
from shelfwise.search.table import ProductTable
from shelfwise.store import Store

Progress = Callable[[str, int, int], None]
_BUILD_BATCH = 2000


class IndexNotReadyError(RuntimeError):
    """No index has been built yet for this catalog."""


@dataclass(frozen=True)
class RefreshStats:
    upserted: int
    deleted: int
    encoded: int
    store_seq: int


@dataclass
class _LiveIndex:
    """The index version searches read; replaced as a whole on rebuild."""

    version: str
    path: Path
    manifest: IndexManifest
    lexical: LexicalIndex
    vector: VectorIndex
    table: ProductTable
    unsaved_changes: int = 0
    writable: bool = True
    """False when another process owns the files: changes stay in memory, lexical lags."""


@dataclass(frozen=True)
class _Retrieved:
    candidates: list[FusedCandidate]
    rows: np.ndarray


class SearchEngine:
    """Answers SearchRequests over the published index; keeps the index in step with the store."""

    def __init__(
        self,
        store: Store,
        encoder: CachedEncoder,
        index_root: Path,
        lexical: LexicalConfig | None = None,
        vector: VectorConfig | None = None,
        fusion: FusionConfig | None = None,
        persist_every: int = 2000,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.registry = IndexRegistry(index_root)
        self.lexical_config = lexical or LexicalConfig()
        self.vector_config = vector or VectorConfig()
        self.fusion = fusion or FusionConfig()
        self._lock = threading.RLock()
        self._live: _LiveIndex | None = None
        self.persist_every = persist_every

    # ----- lifecycle -------------------------------------------------------------------------

    def open(self, progress: Progress | None = None) -> IndexManifest:
        """Load the published index (building one if there is none or the encoder changed)."""
        current = self.registry.current()
        if current is not None:
            version, path = current
            manifest = self.registry.read_manifest(path / "manifest.json")
            if manifest.encoder == self.encoder.encoder.version:
                self._live = self._load(version, path, manifest)
                self.refresh(progress)
                return self._live.manifest
        return self.rebuild(progress)

    def _load(self, version: str, path: Path, manifest: IndexManifest) -> _LiveIndex:
        lexical = LexicalIndex.open(path / "lexical", self.lexical_config)
        writable = True
        try:
            lexical.acquire_writer()  # one writing process per index
        except ValueError as error:
            if "LockBusy" not in str(error):
                raise
            writable = False  # another process (a server) owns it: read, never write
        return _LiveIndex(
            version=version,
            path=path,
            manifest=manifest,
            lexical=lexical,
            vector=VectorIndex.load(path / "vector", self.vector_config),
            table=ProductTable.build(self.store.iter_products()),
            writable=writable,
        )

    def rebuild(self, progress: Progress | None = None) -> IndexManifest:
        """Build a complete new index version off to the side, then publish it atomically."""
        started = time.perf_counter()
        store_seq = self.store.last_seq()
        products = list(self.store.iter_products())
        version, path = self.registry.new_version()
        vectors = self.encoder.encode_products(
            products, progress=_stage(progress, "encode") if progress else None
        )
        lexical = LexicalIndex.create(path / "lexical", self.lexical_config)
        for start in range(0, len(products), _BUILD_BATCH):
            lexical.upsert(products[start : start + _BUILD_BATCH])
            if progress:
                progress("lexical", min(start + _BUILD_BATCH, len(products)), len(products))
        ids = [p.product_id for p in products]
        vector = VectorIndex.build(ids, vectors, self.encoder.encoder.dim, self.vector_config)
        vector.save(path / "vector")
        manifest = IndexManifest(
            version=version,
            created_at=datetime.now(UTC).isoformat(),
            store_seq=store_seq,
            encoder=self.encoder.encoder.version,
            dim=self.encoder.encoder.dim,
            product_count=len(products),
            vector_kind=vector.kind,
            lexical_config=self.lexical_config.model_dump(),
            vector_config=self.vector_config.model_dump(),
            build_seconds=round(time.perf_counter() - started, 3),
        )
        self.registry.write_manifest(path / "manifest.json", manifest)
        live = _LiveIndex(version, path, manifest, lexical, vector, ProductTable.build(products))
        with self._lock:
            self.registry.publish(version)
            previous, self._live = self._live, live
            if previous is not None:
                previous.lexical.close()
        self.refresh(progress)
        return self._require().manifest

    def refresh(self, progress: Progress | None = None) -> RefreshStats:
        """Apply the store's changes since the index's sequence number, in place."""
        with self._lock:
            live = self._require()
            changes = self.store.changes_since(live.manifest.store_seq)
            if not changes:
                return RefreshStats(0, 0, 0, live.manifest.store_seq)
            changed = self.store.get_many([c.product_id for c in changes if not c.deleted])
            upserted = list(changed.values())
            deleted = [c.product_id for c in changes if c.product_id not in changed]
            vectors = self.encoder.encode_products(
                upserted, progress=_stage(progress, "encode") if progress else None
            )
            encoded = self.encoder.last_stats.encoded
            if upserted:
                if live.writable:
                    live.lexical.upsert(upserted)
                live.vector.upsert([p.product_id for p in upserted], vectors)
            if deleted:
                if live.writable:
                    live.lexical.delete(deleted)
                live.vector.delete(deleted)
            live.table = live.table.with_changes(upserted, deleted)
            live.manifest = live.manifest.model_copy(
                update={"store_seq": changes[-1].seq, "product_count": len(live.table)}
            )
            live.unsaved_changes += len(changes)
            if live.writable and live.unsaved_changes >= self.persist_every:
                self._persist(live)
            return RefreshStats(len(upserted), len(deleted), encoded, changes[-1].seq)

    def _persist(self, live: _LiveIndex) -> None:
        """Write the vector index, then the manifest that vouches for it.

        Between persists the manifest on disk lags behind: after a crash, `open` replays the
        store's changes since its sequence number (from the embedding cache, so cheaply);
        nothing accepted by the store is lost.
        """
        live.vector.save(live.path / "vector")
        self.registry.write_manifest(live.path / "manifest.json", live.manifest)
        live.unsaved_changes = 0

    def close(self) -> None:
        """Persist pending changes and release the index files (and the writer's lock)."""
        with self._lock:
            if self._live is not None:
                if self._live.unsaved_changes and self._live.writable:
                    self._persist(self._live)
                self._live.lexical.close()
                self._live = None

    @property
    def writable(self) -> bool:
        """False when another process (a running server) owns the index files."""
        live = self._live
        return live is not None and live.writable

    def manifest(self) -> IndexManifest | None:
        live = self._live
        return None if live is None else live.manifest

    def _require(self) -> _LiveIndex:
        if self._live is None:
            raise IndexNotReadyError("no index yet: run `shelfwise index` after ingesting a feed")
        return self._live

    # ----- search ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        started = time.perf_counter()
        with self._lock:
            live = self._require()
            query = normalize_query(request.query)
            if query:
                retrieved = self._retrieve(live, query, request)
            else:
                retrieved = self._browse(live, request.filters)
            mask = live.table.mask(request.filters)
            passing = [c for c, r in zip(retrieved.candidates, retrieved.rows, strict=True) if mask[r]]
            facets = {
                name: live.table.facet(
                    name, retrieved.rows[live.table.mask(request.filters, skip=name)[retrieved.rows]],
                    request.filters,
                )
                for name in request.facets
            }
            start = (request.page - 1) * request.page_size
            page = passing[start : start + request.page_size]
            hits = self._hits(live, query, request, page, start)
            version = live.version
        return SearchResult(
            query=request.query,
            normalized_query=query,
            total=len(passing),
            page=request.page,
            page_size=request.page_size,
            hits=hits,
            facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            index_version=version,
        )

    def stages(
        self, query: str, filters: Filters | None = None, mode: str = "hybrid"
    ) -> RetrievalStages:
        """Each retriever's candidates for a normalised query, before fusion (for traces/tuning)."""
        with self._lock:
            return self._stages(self._require(), query, filters or Filters(), mode)

    def _stages(
        self, live: _LiveIndex, query: str, filters: Filters, mode: str
    ) -> RetrievalStages:
        cfg = self.fusion
        lexical: list[tuple[str, float]] = []
        vector: list[tuple[str, float]] = []
        similarities: dict[str, float] = {}
        if mode in ("hybrid", "lexical"):
            depth = cfg.lexical_depth * (1 if filters.is_empty() else 5)
            lexical = [(h.product_id, h.score) for h in live.lexical.search(query, depth)]
        if mode in ("hybrid", "vector"):
            query_vector = self.encoder.encode_query(query)
            vector = self._vector_candidates(live, query_vector, filters)
            seen = {pid for pid, _ in vector}
            only_lexical = [pid for pid, _ in lexical if pid not in seen and pid in live.vector]
            if only_lexical:
                sims = live.vector.vectors_for(only_lexical) @ query_vector
                similarities = dict(zip(only_lexical, sims.tolist(), strict=True))
        return RetrievalStages(lexical, vector, similarities)

    def _retrieve(self, live: _LiveIndex, query: str, request: SearchRequest) -> _Retrieved:
        stages = self._stages(live, query, request.filters, request.mode)
        fused = fuse(stages, self.fusion, request.fusion)
        row_of, alive = live.table.row_of, live.table.live
        fused = [c for c in fused if c.product_id in row_of and alive[row_of[c.product_id]]]
        return _Retrieved(fused, live.table.rows([c.product_id for c in fused]))

    def _vector_candidates(
        self, live: _LiveIndex, query_vector: np.ndarray, filters: Filters
    ) -> list[tuple[str, float]]:
        depth = self.fusion.vector_depth
        hits = live.vector.search(query_vector, depth)[0]
        out = [(h.product_id, h.similarity) for h in hits]
        if not filters.is_empty():
            mask = live.table.mask(filters)
            allowed = np.array([live.table.ids[r] for r in np.flatnonzero(mask)], dtype=object)
            if allowed.size:
                extra = live.vector.search(query_vector, depth, allowed=allowed)[0]
                seen = {pid for pid, _ in out}
                out += [(h.product_id, h.similarity) for h in extra if h.product_id not in seen]
        return out

    def _browse(self, live: _LiveIndex, filters: Filters) -> _Retrieved:
        """No query text: every product that passes the filters, in catalog order."""
        rows = np.flatnonzero(live.table.live)
        candidates = [
            FusedCandidate(live.table.ids[r], 0.0, None, None, None, None) for r in rows.tolist()
        ]
        return _Retrieved(candidates, rows)

    def _hits(
        self,
        live: _LiveIndex,
        query: str,
        request: SearchRequest,
        page: list[FusedCandidate],
        offset: int,
    ) -> list[Hit]:
        products = self.store.get_many([c.product_id for c in page])
        method = request.fusion or self.fusion.method
        applied = request.filters.describe()
        hits = []
        for i, candidate in enumerate(page):
            product = products.get(candidate.product_id)
            if product is None:
                continue
            explanation = None
            if request.explain:
                explanation = _explain(live, query, product, candidate, method, applied)
            hits.append(
                Hit(product=product, rank=offset + i + 1, score=candidate.score,
                    explanation=explanation)
            )
        return hits


def _explain(
    live: _LiveIndex,
    query: str,
    product: Product,
    candidate: FusedCandidate,
    method: str,
    applied: list[str],
) -> Explanation:
    matched = live.lexical.matched_terms(query, product) if query else {}
    return Explanation(
        lexical_score=candidate.lexical_score,
        lexical_rank=candidate.lexical_rank,
        matched_terms={k: v for k, v in matched.items() if v},
        vector_similarity=candidate.vector_similarity,
        vector_rank=candidate.vector_rank,
        fusion="rrf" if method == "rrf" else "weighted",
        fused_score=candidate.score,
        filters_applied=applied,
    )


def _stage(progress: Progress, stage: str) -> Callable[[int, int], None]:
    return lambda done, total: progress(stage, done, total)


__all__ = ["IndexNotReadyError", "RefreshStats", "SearchEngine"]

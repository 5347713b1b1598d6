"""SearchEngine: lexical + vector retrieval, fusion, filters, facets, pagination and explanations."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shelfwise.config import FusionConfig, LexicalConfig, UnderstandingConfig, VectorConfig
from shelfwise.index import IndexManifest, IndexRegistry, LexicalIndex, VectorIndex
from shelfwise.models import CachedEncoder
from shelfwise.query.suggest import Suggestion
from shelfwise.query.understand import QueryReading, QueryUnderstanding, merge_filters
from shelfwise.records import (
    Explanation,
    Filters,
    Hit,
    Product,
    SearchRequest,
    SearchResult,
    text_hash,
)
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.fusion import FusedCandidate, RetrievalStages, fuse
from shelfwise.search.intent import CategoryPrediction, category_boosts, predict_categories
from shelfwise.search.normalize import normalize_query
from shelfwise.search.rerank import Reranker
from shelfwise.search.table import ProductTable
from shelfwise.search.understanding import (
    added_filters,
    boost_categories,
    demote_negated,
    interpretation,
)
from shelfwise.store import Store

Progress = Callable[[str, int, int], None]
logger = logging.getLogger("shelfwise.search")
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
    terms: TitleTerms | None = None
    """analysed title terms, for query-term coverage in fusion"""
    text_hashes: dict[str, str] = field(default_factory=dict)
    """hash of each product's encoded text: a change elsewhere keeps its vector"""
    understanding: QueryUnderstanding | None = None
    """spelling, attribute and synonym models of this catalog (None when disabled)"""
    unsaved_changes: int = 0
    writable: bool = True
    """False when another process owns the files: changes stay in memory, lexical lags."""


@dataclass(frozen=True)
class _Retrieved:
    """Fused candidates and their table rows, aligned; browsing (no query) has rows only."""

    candidates: list[FusedCandidate] | None
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
        reranker: Reranker | None = None,
        understanding: UnderstandingConfig | None = None,
    ) -> None:
        self.store = store
        self.encoder = encoder
        self.registry = IndexRegistry(index_root)
        self.lexical_config = lexical or LexicalConfig()
        self.vector_config = vector or VectorConfig()
        self.fusion = fusion or FusionConfig()
        self._lock = threading.RLock()
        """held briefly: by searches, and by writers while they swap or apply changes"""
        self._write_lock = threading.RLock()
        """held by open, rebuild, refresh and catch_up: one writer at a time"""
        self._live: _LiveIndex | None = None
        self.persist_every = persist_every
        self.reranker = reranker
        self.understanding = understanding or UnderstandingConfig()

    # ----- lifecycle -------------------------------------------------------------------------

    def open(self, progress: Progress | None = None, build: bool = True) -> IndexManifest | None:
        """Load the published index and catch up with the store.

        With `build`, a new index is built when there is none, when it was built by another
        encoder, or when its files cannot be loaded (a crash mid-save); without, None is
        returned instead and nothing is built.
        """
        with self._write_lock:
            current = self.registry.current()
            live = None if current is None else self._try_load(*current)
            if live is None:
                return self.rebuild(progress) if build else None
            self._swap(live)
            self.refresh(progress)
            return live.manifest

    def _try_load(self, version: str, path: Path) -> _LiveIndex | None:
        try:
            manifest = self.registry.read_manifest(path / "manifest.json")
        except (OSError, ValueError) as error:
            logger.warning("index %s has no readable manifest (%s)", version, error)
            return None
        if manifest.encoder != self.encoder.encoder.version:
            logger.info("index %s was built by %s, not %s", version, manifest.encoder,
                        self.encoder.encoder.version)
            return None
        lexical = LexicalIndex.open(path / "lexical", self.lexical_config)
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
        products = list(self.store.iter_products())
        hashes = _text_hashes(products)
        for change in self.store.changes_since(manifest.store_seq):
            hashes.pop(change.product_id, None)  # not yet in the saved vectors: replayed next
        return _LiveIndex(version, path, manifest, lexical, vector, ProductTable.build(products),
                          terms=_title_terms(lexical, products), text_hashes=hashes,
                          understanding=self._understand(products), writable=writable)

    def _swap(self, live: _LiveIndex) -> None:
        with self._lock:
            previous, self._live = self._live, live
        if previous is not None and previous is not live:
            previous.lexical.close()

    def rebuild(self, progress: Progress | None = None) -> IndexManifest:
        """Build a complete new index version off to the side, then publish it atomically.
        Searches keep reading the previous version until the swap."""
        with self._write_lock:
            live = self._build(progress)
            self.registry.publish(live.version)
            self._swap(live)
            self.refresh(progress)
            return live.manifest

    def _build(self, progress: Progress | None) -> _LiveIndex:
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
        return _LiveIndex(version, path, manifest, lexical, vector, ProductTable.build(products),
                          terms=_title_terms(lexical, products), text_hashes=_text_hashes(products),
                          understanding=self._understand(products))

    def _understand(self, products: list[Product]) -> QueryUnderstanding | None:
        if not self.understanding.enabled:
            return None
        return QueryUnderstanding.build(products, self.understanding)

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
            hashes = _text_hashes(upserted)
            retext = [
                p for p in upserted
                if live.text_hashes.get(p.product_id) != hashes[p.product_id]
                or p.product_id not in live.vector
            ]
            vectors = self.encoder.encode_products(
                retext, progress=_stage(progress, "encode") if progress else None
            )
            encoded = self.encoder.last_stats.encoded
            if live.writable:
                live.lexical.upsert(upserted)
                live.lexical.delete(deleted)
            with self._lock:
                if retext:
                    live.vector.upsert([p.product_id for p in retext], vectors)
                live.vector.delete(deleted)
                live.table = live.table.with_changes(upserted, deleted)
                live.manifest = live.manifest.model_copy(
                    update={"store_seq": changes[-1].seq, "product_count": len(live.table)}
                )
            live.text_hashes.update(hashes)
            for pid in deleted:
                live.text_hashes.pop(pid, None)
            if live.terms is not None:
                live.terms.update(upserted)
                live.terms.remove(deleted)
            live.unsaved_changes += len(changes)
            if live.writable and live.unsaved_changes >= self.persist_every:
                self._persist(live)
            return RefreshStats(len(upserted), len(deleted), encoded, changes[-1].seq)

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
            if self.store.last_seq() == live.manifest.store_seq:
                return None
            return self.refresh()

    def _owner_gone(self, live: _LiveIndex) -> bool:
        try:
            live.lexical.acquire_writer()
        except ValueError:
            return False
        live.lexical.close()  # the reload takes it again, with the files' latest state
        return True

    def _persist(self, live: _LiveIndex) -> None:
        """Write the vector index, then the manifest that vouches for it.

        Between persists the manifest on disk lags behind: after a crash, `open` replays the
        store's changes since its sequence number (from the embedding cache, so cheaply);
        nothing accepted by the store is lost.
        """
        live.vector.save(live.path / "vector")
        self.registry.write_manifest(live.path / "manifest.json", live.manifest)
        live.unsaved_changes = 0
        live.understanding = self._understand(list(self.store.iter_products()))

    def close(self) -> None:
        """Persist pending changes and release the index files (and the writer's lock)."""
        with self._write_lock, self._lock:
            if self._live is not None:
                if self._live.unsaved_changes and self._live.writable:
                    self._persist(self._live)
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
            reading = None
            if query and request.understand and live.understanding is not None:
                reading = live.understanding.read(query)
            effective, mask, retrieved, relaxed = self._retrieve_understood(live, query, request, reading)
            keep = mask[retrieved.rows]
            categories: list[CategoryPrediction] = []
            if reading is not None and retrieved.candidates:
                retrieved, categories = self._apply_reading(live, reading, retrieved, mask)
                keep = mask[retrieved.rows]
            if query and self.reranker is not None and request.rerank is not False:
                rerank_query = reading.did_you_mean or query if reading is not None else query
                retrieved = self._rerank(self.reranker, rerank_query, retrieved, keep)
            total = int(keep.sum())
            facets = {
                name: live.table.facet(name, self._facet_rows(live, retrieved, effective, name, mask),
                                       effective.filters)
                for name in request.facets
            }
            start = (request.page - 1) * request.page_size
            page = _page(live, retrieved, keep, start, request.page_size)
            hits = self._hits(live, query, effective, page, start)
            version = live.version
        return SearchResult(
            query=request.query,
            normalized_query=query,
            total=total,
            page=request.page,
            page_size=request.page_size,
            hits=hits,
            facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            index_version=version,
            interpretation=None if reading is None else interpretation(
                reading, added_filters(request.filters, effective.filters), relaxed, categories
            ),
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Autocomplete for a typed prefix: popular queries, title phrases, brands, categories
        and products; [] when autocomplete is off."""
        live = self._require()
        if live.understanding is None or live.understanding.suggester is None:
            return []
        return live.understanding.suggester.suggest(prefix, limit)

    def _retrieve_understood(
        self, live: _LiveIndex, query: str, request: SearchRequest, reading: QueryReading | None
    ) -> tuple[SearchRequest, np.ndarray, _Retrieved, bool]:
        """(the request with the query's parsed filters added, its mask, the candidates, whether
        the parsed filters were dropped because nothing passed them)."""
        if not query:
            mask = live.table.mask(request.filters)
            return request, mask, _Retrieved(None, np.flatnonzero(live.table.live)), False
        if reading is None:
            mask = live.table.mask(request.filters)
            return request, mask, self._retrieve(live, query, request, mask), False
        text = normalize_query(reading.text) or query
        weight = self.understanding.synonym_weight
        alternatives = [(e.alternative, weight * e.weight) for e in reading.synonyms]
        effective = request.model_copy(update={"filters": merge_filters(request.filters, reading.filters)})
        mask = live.table.mask(effective.filters)
        retrieved = self._retrieve(live, text, effective, mask, alternatives)
        if effective.filters == request.filters or not self.understanding.relax_empty:
            return effective, mask, retrieved, False
        if mask[retrieved.rows].any():
            return effective, mask, retrieved, False
        mask = live.table.mask(request.filters)
        return request, mask, self._retrieve(live, text, request, mask, alternatives), True

    def _apply_reading(
        self, live: _LiveIndex, reading: QueryReading, retrieved: _Retrieved, mask: np.ndarray
    ) -> tuple[_Retrieved, list[CategoryPrediction]]:
        """Demote candidates with negated words; predict the category intent from the passing
        candidates and boost its products."""
        assert retrieved.candidates is not None
        candidates = retrieved.candidates
        if live.terms is not None and reading.negative_terms:
            candidates = demote_negated(candidates, live.terms, reading.negative_terms,
                                        self.understanding.negation_penalty)
        rows = live.table.rows([c.product_id for c in candidates])
        passing = np.flatnonzero(mask[rows])
        intent = self.understanding.intent
        predictions = predict_categories(
            live.table, rows[passing], np.array([candidates[i].score for i in passing.tolist()]), intent
        )
        if predictions and intent.boost > 0:
            candidates = boost_categories(candidates, category_boosts(live.table, rows, predictions),
                                          intent.boost)
            rows = live.table.rows([c.product_id for c in candidates])
        return _Retrieved(candidates, rows), predictions

    def _rerank(
        self, reranker: Reranker, query: str, retrieved: _Retrieved, keep: np.ndarray
    ) -> _Retrieved:
        """Reorder the first `top_k` candidates that pass the filters (among their own positions:
        what passes stays where it passes, so filters and totals are unchanged)."""
        if retrieved.candidates is None:
            return retrieved
        positions = np.flatnonzero(keep)[: reranker.config.top_k].tolist()
        head = [retrieved.candidates[i] for i in positions]
        products = self.store.get_many([c.product_id for c in head])
        reranked = reranker.rerank(query, head, {pid: p.text() for pid, p in products.items()})
        done = {c.product_id for c in reranked}
        reranked += [c for c in head if c.product_id not in done]
        candidates = list(retrieved.candidates)
        rows = retrieved.rows.copy()
        row_of = dict(zip((c.product_id for c in head), (retrieved.rows[i] for i in positions), strict=True))
        for position, candidate in zip(positions, reranked, strict=True):
            candidates[position] = candidate
            rows[position] = row_of[candidate.product_id]
        return _Retrieved(candidates, rows)

    @staticmethod
    def _facet_rows(
        live: _LiveIndex, retrieved: _Retrieved, request: SearchRequest, name: str, mask: np.ndarray
    ) -> np.ndarray:
        """Rows a facet counts over: the candidates passing every filter but the facet's own
        (so a shopper sees what widening the choice gives); categories drill down instead."""
        if name == "category":
            return retrieved.rows[mask[retrieved.rows]]
        return retrieved.rows[live.table.mask(request.filters, skip=name)[retrieved.rows]]

    def stages(
        self, query: str, filters: Filters | None = None, mode: str = "hybrid"
    ) -> RetrievalStages:
        """Each retriever's candidates for a normalised query, before fusion (for traces/tuning)."""
        with self._lock:
            return self._stages(self._require(), query, filters or Filters(), mode)

    def _stages(
        self, live: _LiveIndex, query: str, filters: Filters, mode: str,
        mask: np.ndarray | None = None, alternatives: Sequence[tuple[str, float]] = (),
    ) -> RetrievalStages:
        cfg = self.fusion
        lexical: list[tuple[str, float]] = []
        vector: list[tuple[str, float]] = []
        similarities: dict[str, float] = {}
        if mode in ("hybrid", "lexical"):
            depth = cfg.lexical_depth * (1 if filters.is_empty() else 5)
            lexical = [(h.product_id, h.score) for h in live.lexical.search(query, depth, alternatives)]
        if mode in ("hybrid", "vector"):
            query_vector = self.encoder.encode_query(query)
            vector = self._vector_candidates(live, query_vector, filters, mask)
            seen = {pid for pid, _ in vector}
            only_lexical = [pid for pid, _ in lexical if pid not in seen and pid in live.vector]
            if only_lexical:
                sims = live.vector.vectors_for(only_lexical) @ query_vector
                similarities = dict(zip(only_lexical, sims.tolist(), strict=True))
        coverage: dict[str, float] = {}
        if live.terms is not None and cfg.coverage_weight and mode == "hybrid":
            ids = list(dict.fromkeys([p for p, _ in lexical] + [p for p, _ in vector]))
            coverage = live.terms.coverage(query, ids)
        return RetrievalStages(lexical, vector, similarities, coverage)

    def _retrieve(
        self, live: _LiveIndex, query: str, request: SearchRequest, mask: np.ndarray,
        alternatives: Sequence[tuple[str, float]] = (),
    ) -> _Retrieved:
        stages = self._stages(live, query, request.filters, request.mode, mask, alternatives)
        fused = fuse(stages, self.fusion, request.fusion)
        row_of, alive = live.table.row_of, live.table.live
        fused = [c for c in fused if c.product_id in row_of and alive[row_of[c.product_id]]]
        return _Retrieved(fused, live.table.rows([c.product_id for c in fused]))

    def _vector_candidates(
        self, live: _LiveIndex, query_vector: np.ndarray, filters: Filters,
        mask: np.ndarray | None = None,
    ) -> list[tuple[str, float]]:
        depth = self.fusion.vector_depth
        hits = live.vector.search(query_vector, depth)[0]
        out = [(h.product_id, h.similarity) for h in hits]
        if not filters.is_empty():
            allowed = live.table.id_array[live.table.mask(filters) if mask is None else mask]
            if allowed.size:
                extra = live.vector.search(query_vector, depth, allowed=allowed)[0]
                seen = {pid for pid, _ in out}
                out += [(h.product_id, h.similarity) for h in extra if h.product_id not in seen]
        return out

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
        query_coverage=candidate.coverage,
        fusion="rrf" if method == "rrf" else "weighted",
        fused_score=candidate.score if candidate.fused_score is None else candidate.fused_score,
        rerank_grade=candidate.rerank_grade,
        filters_applied=applied,
    )


def _page(
    live: _LiveIndex, retrieved: _Retrieved, keep: np.ndarray, start: int, size: int
) -> list[FusedCandidate]:
    """The page's candidates among those passing the filters; browsing builds only the page's."""
    if retrieved.candidates is None:
        rows = retrieved.rows[keep][start : start + size]
        return [FusedCandidate(live.table.ids[r], 0.0, None, None, None, None) for r in rows.tolist()]
    passing = [c for c, kept in zip(retrieved.candidates, keep.tolist(), strict=True) if kept]
    return passing[start : start + size]


def _title_terms(lexical: LexicalIndex, products: list[Product]) -> TitleTerms:
    terms = TitleTerms(lexical.analyze)
    terms.update(products)
    return terms


def _text_hashes(products: list[Product]) -> dict[str, str]:
    return {p.product_id: text_hash(p.text()) for p in products}


def _stage(progress: Progress, stage: str) -> Callable[[int, int], None]:
    return lambda done, total: progress(stage, done, total)


__all__ = ["IndexNotReadyError", "RefreshStats", "SearchEngine"]

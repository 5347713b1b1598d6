"""A search engine whose catalog lives in shards: what a Serve replica runs with `cluster serve
--shards` (issue 29). It opens, of the published index version, only what does not grow with
the catalog's products: the manifest, the lexical analysis and the saved query understanding.
The lexical and vector indexes and the products are the shards' (`sharded.py`,
`shard_catalog.py`); hits are read from the shop's catalog store (PostgreSQL) as always.

Searches read a table of the products recalled so far (at most `VIEW_PRODUCTS`; then it starts
again, empty, at the next search), coding brands, categories and attribute values in the whole
catalog's order (merged from the shards' once at open), and their title terms: after each
recall, the candidates' products it lacks are asked of their shards. Every step after recall
(filters, facets, totals, query-term coverage, category intent, negations, reranking, sorting,
pages) reads only the candidates' rows, so it gives one index's answer. A browse (no query) is
the shards' parts merged: totals, facets and the page (`shard_catalog.merge_browse`).

What needs the whole catalog's title terms or every title raises `ShardedModeError` naming it:
learned fusion, translating a query written in another script than the catalog's, pinyin
spelling over a Chinese catalog; so do a version without a saved query understanding and an
index build. The shards are the version's catalog when they started: a catalog write through
the replica is stored (PostgreSQL) and searchable with the next version (`refresh` applies
nothing)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import tantivy

from shelfwise.index import IndexManifest, LexicalIndex, VectorIndex
from shelfwise.index.lexical import LexicalAnalysis
from shelfwise.index.lexical_plan import FIELDS
from shelfwise.index.shards import shard_of
from shelfwise.progress import Progress
from shelfwise.query.translate import Translation, has_han
from shelfwise.records import SearchRequest, SearchResult
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.cross_lingual import CrossLingual
from shelfwise.search.engine import SearchEngine
from shelfwise.search.fusion import FusedCandidate
from shelfwise.search.learned_fusion import LearnedFusion
from shelfwise.search.live_index import SCRIPTS_NOTE, LiveIndex, RefreshStats
from shelfwise.search.normalize import normalize_query
from shelfwise.search.retrieval import Recalled
from shelfwise.search.saved_understanding import saved_understanding
from shelfwise.search.shard_catalog import BrowsePart, BrowseQuery, merge_browse, merge_vocabulary
from shelfwise.search.sharded import ShardedRecall
from shelfwise.search.table import ProductTable
from shelfwise.search.version_build import lexical_language


class ShardedModeError(RuntimeError):
    """What a replica whose catalog lives in shards cannot do without the whole index."""


class ShardedSearchEngine(SearchEngine):
    """`SearchEngine` over shards (`recall`), opening only the version's manifest, analysis
    and saved understanding (see the module's docstring)."""

    VIEW_PRODUCTS = 100_000
    """the most products the table of recalled products holds before it starts again"""

    def __init__(self, *args: Any, recall: ShardedRecall, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.recall = self.shards = recall
        self.cross_lingual = _NoCatalogTranslation(self.encoder, self.fusion.match.script_min_share)
        self._vocabulary: dict[str, list[str]] = {}
        self._learned_refused(self.learned_fusion)

    # ----- what is opened --------------------------------------------------------------------

    def open(self, progress: Progress | None = None, build: bool = True) -> IndexManifest | None:
        """The published version's manifest, analysis and saved understanding, and the shards'
        vocabularies; None when no version is published (an index build is refused)."""
        with self._write_lock:
            current = self.registry.current()
            if current is None:
                if build:
                    raise ShardedModeError("index builds are unavailable in sharded mode: publish a version")
                return None
            version, path = current
            manifest = self.registry.read_manifest(path / "manifest.json")
            if manifest.encoder != self.encoder.encoder.version:
                built, ours = manifest.encoder, self.encoder.encoder.version
                raise ShardedModeError(
                    f"index {version} was built by {built}, not {ours}: no rebuild in sharded mode"
                )
            analysis = LexicalAnalysis.load(path / "lexical")
            if analysis.language != lexical_language(self.language):
                raise ShardedModeError(
                    f"index {version} reads {analysis.language} text, the catalog is {self.language}"
                )
            lexical = _ShardedTerms.create(None, self.lexical_config, analysis)
            assert isinstance(lexical, _ShardedTerms)
            lexical.shards = self.shards
            understanding, understood_at = self._saved_understanding(path, manifest)
            self._vocabulary = self._shard_vocabulary()
            template = LiveIndex(version, path, manifest, lexical, VectorIndex(1, self.vector_config),
                                 ProductTable.coding(self._vocabulary), understanding=understanding,
                                 understanding_seq=understood_at, writable=False)  # fmt: skip
            self._swap(template)
            return manifest

    def _saved_understanding(self, path: Path, manifest: IndexManifest) -> tuple[Any, int]:
        if not self.understanding.enabled:
            return None, manifest.store_seq
        snapshot = saved_understanding(path, self.understanding)
        if snapshot is None:
            raise ShardedModeError(f"{path}: no saved query understanding; sharded mode loads it, "
                                   "it cannot build one without the whole catalog")  # fmt: skip
        scripts = manifest.notes.get(SCRIPTS_NOTE) or {}
        if self.understanding.spelling and scripts.get("Han", 0.0) > 0:
            raise ShardedModeError(
                "pinyin spelling over a Chinese catalog reads every title: "
                "unavailable in sharded mode (set understanding.spelling false)"
            )
        return snapshot.understanding, snapshot.store_seq

    def _shard_vocabulary(self) -> dict[str, list[str]]:
        every = {s: () for s in range(self.shards.fanout.shards)}
        parts = self.shards.fanout.call("vocabulary", every)
        if len(parts) != len(every):
            raise RuntimeError(f"shards {sorted(set(every) - set(parts))} did not answer")
        return merge_vocabulary(parts[s] for s in sorted(parts))  # type: ignore[misc]

    def _require(self) -> LiveIndex:
        """The version with the products recalled so far; emptied first once they pass
        `VIEW_PRODUCTS` (under the lock every search holds: none is reading them then)."""
        live = super()._require()
        if live.terms is None or len(live.table.ids) > self.VIEW_PRODUCTS:
            with self._lock:  # a suggestion's call waits for the search in progress
                live.table = ProductTable.coding(self._vocabulary)
                live.terms = TitleTerms(live.lexical.analyze)
        return live

    def _recalled(self, live: LiveIndex, found: Recalled) -> Recalled:
        """The candidates' products the table lacks, from their shards; a shard that does not
        send them is missing from the answer (its candidates cannot be shown)."""
        wanted = [pid for pid in dict.fromkeys(p for p, _ in (*found.lexical, *found.vector))
                  if pid not in live.table.row_of]  # fmt: skip
        count = self.shards.fanout.shards
        asked: dict[int, tuple[list[str]]] = {}
        for pid in wanted:
            asked.setdefault(shard_of(pid, count), ([],))[0].append(pid)
        sent = self.shards.fanout.call("products", asked)
        new = [p for products in sent.values() for p in products.values()]  # type: ignore[attr-defined]
        if new:
            live.table = live.table.with_changes(new, [])
            assert live.terms is not None
            live.terms.update(new)
        lost = set(asked) - set(sent)
        return replace(found, missing=found.missing | lost) if lost else found

    # ----- what never changes here -----------------------------------------------------------

    def refresh(self, progress: Progress | None = None) -> RefreshStats:
        """Nothing to apply: the shards hold the version's catalog (a write is searchable with
        the next version)."""
        live = super()._require()
        return RefreshStats(0, 0, 0, live.manifest.store_seq)

    def catch_up(self) -> RefreshStats | None:
        return None

    def rebuild(self, progress: Progress | None = None) -> IndexManifest:
        raise ShardedModeError("index builds are unavailable in sharded mode: publish a version")

    def _learned_fusion_for(self, request: SearchRequest) -> LearnedFusion | None:
        self._learned_refused(self.learned_fusion)
        return None

    @staticmethod
    def _learned_refused(model: LearnedFusion | None) -> None:
        if model is not None:
            raise ShardedModeError(f"learned fusion ({model.version}) reads the whole catalog's title terms: "
                                   "unavailable in sharded mode (set fusion.learned false)")  # fmt: skip

    # ----- browsing --------------------------------------------------------------------------

    def search_reporting(self, request: SearchRequest) -> tuple[SearchResult, frozenset[int]]:
        if normalize_query(request.query):
            return super().search_reporting(request)
        return self._browse(request)

    def _browse(self, request: SearchRequest) -> tuple[SearchResult, frozenset[int]]:
        """No query: every shard's total, facet counts and first products, merged."""
        started = time.perf_counter()
        with self._lock:
            live = self._require()
            start = (request.page - 1) * request.page_size
            query = BrowseQuery(
                request.filters, tuple(request.facets), request.sort, start + request.page_size
            )
            every = range(self.shards.fanout.shards)
            parts = self.shards.fanout.call("browse", {s: (query,) for s in every})
            answered = [part for _, part in sorted(parts.items()) if isinstance(part, BrowsePart)]
            total, facets, ids = merge_browse(answered, query, start, self._vocabulary)
            page = [FusedCandidate(pid, 0.0, None, None, None, None) for pid in ids]
            found = self._hits(live, "", request, page, start)
            missing = frozenset(every) - set(parts)
        result = SearchResult(
            query=request.query, normalized_query="", total=total, page=request.page,
            page_size=request.page_size, hits=found, facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 3), index_version=live.version,
            missing_shards=sorted(missing),
        )  # fmt: skip
        return result, missing


class _ShardedTerms(LexicalIndex):
    """An empty lexical index for its analysis (title terms, the terms an explanation shows),
    whose fuzzy matching reads the shards' document frequencies."""

    shards: ShardedRecall | None = None

    def _fuzzy_applies(self, token: str, searcher: tantivy.Searcher) -> bool:
        if self.shards is None:
            return super()._fuzzy_applies(token, searcher)
        counts = self.shards.doc_freqs([(field, token) for field in FIELDS])
        return self.reader(searcher).fuzzy_applies(token, lambda field, term: counts[(field, term)])


class _NoCatalogTranslation(CrossLingual):
    """Translating a query into the catalog's script reads the whole catalog's title terms."""

    def translate(
        self, version: str, shares: Mapping[str, float], terms: TitleTerms | None, query: str
    ) -> Translation | None:
        if query and shares and has_han(query) != (shares.get("Han", 0.0) >= self._min_share):
            raise ShardedModeError(
                "translating a query written in another script than the catalog's reads "
                "the whole catalog's title terms: unavailable in sharded mode"
            )
        return None

"""SearchEngine: lexical + vector retrieval, fusion, filters, facets, pagination and explanations."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from shelfwise.config import UnderstandingConfig
from shelfwise.query.suggest import Suggestion
from shelfwise.query.understand import QueryReading, merge_filters
from shelfwise.records import (
    FacetValue,
    Filters,
    FusionMethod,
    Hit,
    HitMatch,
    MatchQuality,
    QueryInterpretation,
    SearchRequest,
    SearchResult,
)
from shelfwise.search.answer import Retrieved, facet_rows, hits, page_of, sorted_by, unreadable
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.cross_lingual import Translated, with_translation
from shelfwise.search.engine_steps import below_reranked, explicit_method, remasked, shown_query
from shelfwise.search.feedback import Similarity, feedback, surface_words
from shelfwise.search.fusion import FusedCandidate, RetrievalStages, fuse
from shelfwise.search.intent import CategoryPrediction, category_boosts, predict_categories
from shelfwise.search.learned_fusion import LearnedFusion, QueryEvidence
from shelfwise.search.lenient_filters import admit_unknowns, inferred_fields
from shelfwise.search.lifecycle import IndexLifecycle
from shelfwise.search.live_index import IndexNotReadyError, LiveIndex, RefreshStats
from shelfwise.search.match_floor import MatchFloor, reads_every_script
from shelfwise.search.normalize import normalize_query
from shelfwise.search.rerank import Reranker
from shelfwise.search.retrieval import LocalRecall, Recall, Recalled, RecallRequest
from shelfwise.search.review_signals import AspectReader, ReviewSignals, boost_praised, with_ratings
from shelfwise.search.understanding import (
    added_filters,
    boost_categories,
    demote_negated,
    interpretation,
    named_category_predictions,
)


@dataclass(frozen=True)
class _Plan:
    """What a search runs on: the request as applied (parsed filters added), its mask over the
    table, the candidates, and the rows let in without stating an attribute read from the query."""

    request: SearchRequest
    mask: np.ndarray
    retrieved: Retrieved
    relaxed: bool = False
    admitted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


class SearchEngine(IndexLifecycle):
    """Answers SearchRequests over the published index: query understanding, retrieval,
    fusion, reranking, filters, facets, pagination and explanations."""

    recall: Recall | None = None
    """where candidates come from: None, the live index itself; a `ShardedRecall`, index shards"""
    reviews: ReviewSignals | None = None
    """the published review features and summaries (None: reviews change no order)"""
    _aspect_reader: AspectReader | None = None

    # ----- search ----------------------------------------------------------------------------

    def search(self, request: SearchRequest) -> SearchResult:
        return self.search_reporting(request)[0]

    def search_reporting(self, request: SearchRequest) -> tuple[SearchResult, frozenset[int]]:
        """The answer and the index shards missing from its recall (empty: a complete answer)."""
        started = time.perf_counter()
        with self._lock:
            live = self._require()
            typed = normalize_query(request.query)
            translation, query, beside = self.cross_lingual.searched(
                live.version,
                live.title_scripts,
                live.terms,
                typed,
                self.understanding,
                self._reads_every_script(),
            )
            floor = self.match_floor(live)
            unread = floor.unreadable_scripts(query, request.mode) if floor and query else None
            if floor is not None and unread:
                return unreadable(
                    request, query, floor.unreadable(query, unread), live.version, started
                ), frozenset()
            reading = None
            if query and request.understand and live.understanding is not None:
                reading = live.understanding.read(query)
            translated = self.cross_lingual.retrieval(translation, self.understanding)
            plan = self._retrieve_understood(live, query, request, reading, beside, translated)
            if translated is not None:
                plan = self._fed_back(live, query, request, reading, beside, translated, plan)
            retrieved, keep, categories, aspects = self._ranked(live, query, request, reading, plan)
            effective = plan.request
            facets = {name: _facet(live, retrieved, plan, name) for name in request.facets}
            start = (request.page - 1) * request.page_size
            page = page_of(live.table, retrieved, keep, start, request.page_size)
            quality, matches = self._judge(live, floor, query, reading, retrieved, keep, request.mode)
            found = self._hits(live, query, effective, page, start, matches)
            total, version, missing = int(keep.sum()), live.version, plan.retrieved.missing
        result = SearchResult(
            query=request.query,
            normalized_query=typed,
            total=total,
            page=request.page,
            page_size=request.page_size,
            hits=found,
            facets=facets,
            took_ms=round((time.perf_counter() - started) * 1000, 3),
            index_version=version,
            interpretation=with_translation(
                _interpretation(request, reading, plan, categories, aspects, self.understanding),
                translation,
                query,
            ),
            match=quality,
            missing_shards=sorted(missing),
        )
        return result, missing

    def _ranked(
        self, live: LiveIndex, query: str, request: SearchRequest, reading: QueryReading | None, plan: _Plan
    ) -> tuple[Retrieved, np.ndarray, list[CategoryPrediction], list[str]]:
        """The plan's candidates in the order shown and which of them pass the filters: the
        reading's negations, category intent and praised aspects applied, the head reranked, then
        sorted when the request asks for another order. Returns them with the category
        predictions and the aspects the query names."""
        mask, retrieved = plan.mask, plan.retrieved
        keep = mask[retrieved.rows]
        categories: list[CategoryPrediction] = []
        aspects: list[str] = []
        if reading is not None and retrieved.candidates:
            retrieved, categories = self._apply_reading(live, reading, retrieved, mask)
            self._aspect_reader = self._aspect_reader or AspectReader()
            aspects = self._aspect_reader.read(query, self.reviews, self.fusion.reviews)
            if aspects and self.reviews is not None and retrieved.candidates:
                boost = self.fusion.reviews.aspect_boost
                boosted = boost_praised(retrieved.candidates, aspects, self.reviews, boost)
                rows = live.table.rows([c.product_id for c in boosted])
                retrieved = Retrieved(boosted, rows, retrieved.missing)
            keep = mask[retrieved.rows]
        if query and self.reranker is not None and request.rerank is not False:
            rerank_query = reading.did_you_mean or query if reading is not None else query
            retrieved = self._rerank(self.reranker, rerank_query, retrieved, keep)
        if request.sort != "relevance":
            retrieved = sorted_by(live.table, retrieved, request.sort)
            keep = mask[retrieved.rows]
        return retrieved, keep, categories, aspects

    def _reads_every_script(self) -> bool:
        """A multilingual encoder reads a query as typed: its vectors are never replaced by a
        dictionary translation's (`CrossLingual.searched`)."""
        return reads_every_script(self.encoder.encoder.version)

    def match_floor(self, live: LiveIndex | None = None) -> MatchFloor | None:
        """What answers are judged by (None when the floor is off): the active encoder's cosine
        floor, whether it reads every script, and the scripts of the catalog's titles."""
        config = self.fusion.match
        if not config.enabled:
            return None
        live = live or self._require()
        return MatchFloor.of(config, self.encoder.encoder.version, live.title_scripts)

    def _judge(
        self,
        live: LiveIndex,
        floor: MatchFloor | None,
        query: str,
        reading: QueryReading | None,
        retrieved: Retrieved,
        keep: np.ndarray,
        mode: str,
    ) -> tuple[MatchQuality | None, dict[str, HitMatch]]:
        """The answer's match quality over the candidates passing the filters, and each one's
        match: their titles and brands are checked for the query's terms as read (spelling
        corrected, price and negated phrases removed) and its synonyms' terms."""
        if floor is None or not query or retrieved.candidates is None:
            return None, {}
        passing = [c for c, kept in zip(retrieved.candidates, keep.tolist(), strict=True) if kept]
        covered: dict[str, float] | None = None
        if mode != "lexical":
            covered = {}
            if live.terms is not None and passing:
                text, alternatives = (query, []) if reading is None else self._matched_text(query, reading)
                words = " ".join([text, *(alternative for alternative, _ in alternatives)])
                covered = live.terms.coverage(words, [c.product_id for c in passing])
        return floor.judge(shown_query(query, reading), passing, covered)

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        """Autocomplete for a typed prefix: popular queries, title phrases, brands, categories
        and products; [] when autocomplete is off."""
        live = self._require()
        if live.understanding is None or live.understanding.suggester is None:
            return []
        return live.understanding.suggest(prefix, limit)

    def _retrieve_understood(
        self,
        live: LiveIndex,
        query: str,
        request: SearchRequest,
        reading: QueryReading | None,
        beside: Sequence[tuple[str, float]] = (),
        translated: Translated | None = None,
    ) -> _Plan:
        """The request with the query's parsed filters added, its mask and the candidates; the
        parsed filters are dropped (`relaxed`) when nothing passes them. `beside`: lexical
        alternatives added to the query's own (a translation searched beside it); `translated`: how
        a translated Han query is retrieved (`CrossLingual.retrieval`)."""
        if not query:
            mask = live.table.mask(request.filters)
            return _Plan(request, mask, Retrieved(None, np.flatnonzero(live.table.live)))
        if reading is None:
            mask = live.table.mask(request.filters)
            retrieved = self._retrieve(live, query, request, mask, beside, translated)
            return _Plan(request, remasked(live, mask, request.filters), retrieved)
        text, alternatives = self._matched_text(query, reading)
        alternatives += beside
        effective = request.model_copy(update={"filters": merge_filters(request.filters, reading.filters)})
        mask = live.table.mask(effective.filters)
        retrieved = self._retrieve(live, text, effective, mask, alternatives, translated)
        mask = remasked(live, mask, effective.filters)
        inferred = inferred_fields(request, effective)
        mask, admitted = admit_unknowns(live.table, live.terms, effective, inferred, mask, retrieved.rows)
        if effective.filters == request.filters or not self.understanding.relax_empty:
            return _Plan(effective, mask, retrieved, admitted=admitted)
        if mask[retrieved.rows].any():
            return _Plan(effective, mask, retrieved, admitted=admitted)
        mask = live.table.mask(request.filters)
        retrieved = self._retrieve(live, text, request, mask, alternatives, translated)
        return _Plan(request, remasked(live, mask, request.filters), retrieved, relaxed=True)

    def _fed_back(
        self,
        live: LiveIndex,
        query: str,
        request: SearchRequest,
        reading: QueryReading | None,
        beside: Sequence[tuple[str, float]],
        translated: Translated,
        plan: _Plan,
    ) -> _Plan:
        """A translated query retrieved again with the pseudo-relevance feedback of its first
        answers passing the filters (`CrossLingual.feedback`); the plan as it was
        when feedback is off or adds nothing."""
        config = self.cross_lingual.feedback
        candidates = plan.retrieved.candidates
        if config.docs <= 0 or not candidates or live.terms is None:
            return plan
        passing = np.flatnonzero(plan.mask[plan.retrieved.rows])[: config.docs].tolist()
        searched = [query, *(text for text, _ in beside)]
        answers = [candidates[i].product_id for i in passing]
        similarity = self._similarity(query, live.terms, answers) if config.min_similarity > 0 else None
        found = feedback(live.terms, live.vector, searched, answers, config, similarity)
        if not found.alternatives and found.centroid is None:
            return plan
        again = replace(translated, feedback=found)
        return self._retrieve_understood(live, query, request, reading, (*beside, *found.alternatives), again)

    def _similarity(self, query: str, terms: TitleTerms, answers: Sequence[str]) -> Similarity:
        """Cosines between terms' vectors and the query's: each term encoded as the answers' titles
        write it (`surface_words`)."""
        titles = [p.title for p in self.store.get_many(answers).values()]
        words = surface_words(titles, terms.analyze)

        def cosines(wanted: Sequence[str]) -> np.ndarray:
            texts = [words.get(term, term) for term in wanted]
            return self.encoder.encoder.encode(texts, kind="query") @ self.encoder.encode_query(query)

        return cosines

    def _matched_text(self, query: str, reading: QueryReading) -> tuple[str, list[tuple[str, float]]]:
        """What retrieval matches for a read query: its text (price and negated phrases removed,
        spelling corrected) and its synonyms' alternatives with their weights."""
        weight = self.understanding.synonym_weight
        alternatives = [(e.alternative, weight * e.weight) for e in reading.synonyms]
        return normalize_query(reading.text) or query, alternatives

    def _apply_reading(
        self, live: LiveIndex, reading: QueryReading, retrieved: Retrieved, mask: np.ndarray
    ) -> tuple[Retrieved, list[CategoryPrediction]]:
        """Demote candidates with negated words; predict the category intent from the passing
        candidates and boost its products."""
        assert retrieved.candidates is not None
        candidates = retrieved.candidates
        if live.terms is not None and reading.negative_terms:
            candidates = demote_negated(
                candidates, live.terms, reading.negative_terms, self.understanding.negation_penalty
            )
        named = named_category_predictions(reading)
        if named and self.understanding.entity_boost > 0:
            rows = live.table.rows([c.product_id for c in candidates])
            boosts = category_boosts(live.table, rows, named)
            candidates = boost_categories(candidates, boosts, self.understanding.entity_boost)
        rows = live.table.rows([c.product_id for c in candidates])
        passing = np.flatnonzero(mask[rows])
        intent = self.understanding.intent
        predictions = predict_categories(
            live.table, rows[passing], np.array([candidates[i].score for i in passing.tolist()]), intent
        )
        if predictions and intent.boost > 0:
            candidates = boost_categories(
                candidates, category_boosts(live.table, rows, predictions), intent.boost
            )
            rows = live.table.rows([c.product_id for c in candidates])
        return Retrieved(candidates, rows), predictions

    def _rerank(self, reranker: Reranker, query: str, retrieved: Retrieved, keep: np.ndarray) -> Retrieved:
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
        return Retrieved(below_reranked(candidates, done), rows)

    def stages(self, query: str, filters: Filters | None = None, mode: str = "hybrid") -> RetrievalStages:
        """Each retriever's candidates for a normalised query, before fusion (for traces/tuning)."""
        with self._lock:
            return self._stages(self._require(), query, filters or Filters(), mode)

    def _stages(
        self,
        live: LiveIndex,
        query: str,
        filters: Filters,
        mode: str,
        mask: np.ndarray | None = None,
        alternatives: Sequence[tuple[str, float]] = (),
        translated: Translated | None = None,
    ) -> RetrievalStages:
        cfg = self.fusion
        query_vector = None
        if mode in ("hybrid", "vector"):
            query_vector = self.cross_lingual.blend(self.encoder.encode_query(query), translated)
        allowed, filtered = None, None
        if query_vector is not None and not filters.is_empty():
            filtered = filters
            if self.recall is None:
                allowed = live.table.mask(filters) if mask is None else mask
        lexical_depth = (
            cfg.lexical_depth * (1 if filters.is_empty() else 5) if mode in ("hybrid", "lexical") else 0
        )
        wanted = RecallRequest(
            query, alternatives, lexical_depth, query_vector, cfg.vector_depth, allowed, filtered
        )
        found = self._recalled(live, (self.recall or LocalRecall()).recall(live, wanted))
        coverage: dict[str, float] = {}
        if live.terms is not None and cfg.coverage_weight and mode == "hybrid":
            ids = list(dict.fromkeys([p for p, _ in found.lexical] + [p for p, _ in found.vector]))
            coverage = live.terms.coverage(query, ids)
        return RetrievalStages(found.lexical, found.vector, found.similarities, coverage, found.missing)

    def _recalled(self, live: LiveIndex, found: Recalled) -> Recalled:
        """The recall once the index holds its candidates: as it is, for an index of the whole
        catalog (`sharded_engine.py` adds the candidates' products to a table of them)."""
        return found

    def _retrieve(
        self,
        live: LiveIndex,
        query: str,
        request: SearchRequest,
        mask: np.ndarray,
        alternatives: Sequence[tuple[str, float]] = (),
        translated: Translated | None = None,
    ) -> Retrieved:
        stages = self._stages(live, query, request.filters, request.mode, mask, alternatives, translated)
        learned = self._learned_fusion_for(request)
        fusion = self.fusion if translated is None else translated.fusion(self.fusion)
        fused = fuse(stages, fusion, "weighted" if learned else explicit_method(request))
        row_of, alive = live.table.row_of, live.table.live
        fused = [c for c in fused if c.product_id in row_of and alive[row_of[c.product_id]]]
        if learned is not None:
            fused = learned.fuse(fused, self._evidence(live, query))
        if self.reviews is not None:
            fused = with_ratings(fused, self.reviews.features, self.fusion.reviews)
        return Retrieved(fused, live.table.rows([c.product_id for c in fused]), stages.missing)

    def _learned_fusion_for(self, request: SearchRequest) -> LearnedFusion | None:
        """The learned fusion model when it applies: hybrid retrieval, and no explicit request
        for rank or weighted fusion."""
        if self.learned_fusion is None or request.mode != "hybrid":
            return None
        return self.learned_fusion if request.fusion in (None, "learned") else None

    @staticmethod
    def _evidence(live: LiveIndex, query: str) -> QueryEvidence:
        return QueryEvidence.of(query, live.terms)

    def fusion_candidates(
        self, query: str, understand: bool = True
    ) -> tuple[list[FusedCandidate], QueryEvidence]:
        """Weighted fusion's candidates for a query as search reads it (spelling, synonyms;
        no filters), with the evidence a learned fusion needs: what `train fusion` learns from."""
        with self._lock:
            live = self._require()
            text = normalize_query(query)
            alternatives: list[tuple[str, float]] = []
            if understand and text and live.understanding is not None:
                text, alternatives = self._matched_text(text, live.understanding.read(text))
            request = SearchRequest(query=text)
            mask = live.table.mask(request.filters)
            stages = self._stages(live, text, request.filters, "hybrid", mask, alternatives)
            row_of, alive = live.table.row_of, live.table.live
            fused = [
                c
                for c in fuse(stages, self.fusion, "weighted")
                if c.product_id in row_of and alive[row_of[c.product_id]]
            ]
            return fused, self._evidence(live, text)

    def _hits(
        self,
        live: LiveIndex,
        query: str,
        request: SearchRequest,
        page: list[FusedCandidate],
        offset: int,
        matches: dict[str, HitMatch] | None = None,
    ) -> list[Hit]:
        products = self.store.get_many([c.product_id for c in page])
        method: FusionMethod = request.fusion or self.fusion.method
        if self._learned_fusion_for(request) is not None:
            method = "learned"
        found = [(c, products[c.product_id]) for c in page if c.product_id in products]
        matched: list[dict[str, list[str]]] = [{} for _ in found]
        if request.explain and query:
            matched = live.lexical.matched_terms_many(query, [product for _, product in found])
        explained = (method, request.filters.describe()) if request.explain else None
        return hits(found, matched, offset, explained, matches or {})


def _facet(live: LiveIndex, retrieved: Retrieved, plan: _Plan, name: str) -> list[FacetValue]:
    rows = facet_rows(live.table, retrieved, plan.request, name, plan.mask, plan.admitted)
    return live.table.facet(name, rows, plan.request.filters)


def _interpretation(
    request: SearchRequest,
    reading: QueryReading | None,
    plan: _Plan,
    categories: list[CategoryPrediction],
    aspects: list[str],
    understanding: UnderstandingConfig,
) -> QueryInterpretation | None:
    """What the answer says it read in the query (None when it was not read); the categories it
    names when search boosts them."""
    if reading is None:
        return None
    added = added_filters(request.filters, plan.request.filters)
    read = interpretation(reading, added, plan.relaxed, categories, understanding.entity_boost > 0)
    return read.model_copy(update={"aspects": aspects}) if aspects else read


__all__ = ["IndexNotReadyError", "RefreshStats", "SearchEngine"]

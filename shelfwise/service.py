"""Shelfwise: the one object the CLI and the HTTP layer talk to (catalog, indexes, search)."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, JsonValue

from shelfwise.catalog import FieldMapping, IngestReport, ingest_feed, ingest_products
from shelfwise.config import RecommendConfig, Settings, UnderstandingConfig
from shelfwise.events import AppendOutcome, EventListener, EventRecorder, EventStore
from shelfwise.experiments import Experiments
from shelfwise.experiments.settings import (
    StageSettings,
    apply_to_recommend,
    apply_to_search,
    check_settings,
    stage_settings,
)
from shelfwise.impressions import (
    BufferedImpressionLog,
    Impression,
    ImpressionLog,
    ShownItem,
)
from shelfwise.index import IndexManifest
from shelfwise.language.catalog import resolve_catalog_language, with_language
from shelfwise.models import CachedEncoder, Encoder
from shelfwise.models.reranker import load_reranker
from shelfwise.query.suggest import Suggestion
from shelfwise.recommend.answer_cache import AnswerCache, AnswerCacheStats
from shelfwise.recommend.live import LiveRecommender, Recommended, active_recommender, recommender_registry
from shelfwise.recommend.recommender import FitReport, RecommenderConfig
from shelfwise.records import Event, Product, SearchRequest, SearchResult
from shelfwise.search import RefreshStats, SearchEngine
from shelfwise.search.learned_fusion import LearnedFusion
from shelfwise.search.rerank import PairScorer, Reranker
from shelfwise.service_personal import PersonalStages, actor_of
from shelfwise.service_privacy import ShopperPrivacy
from shelfwise.storage.shop_data import ShopData
from shelfwise.store import EmbeddingCache, ReadCachedStore, Store
from shelfwise.train.fusion import active_fusion
from shelfwise.train.jobs import active_reranker_path, data_dir_encoder

logger = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


class _StoreView(Mapping[str, Product]):
    """Products by id, read from the store on demand (recommendation rules look up a few)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def __getitem__(self, product_id: str) -> Product:
        product = self._store.get(product_id)
        if product is None:
            raise KeyError(product_id)
        return product

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        return self._store.get_many(product_ids)

    def __iter__(self) -> Iterator[str]:
        return (p.product_id for p in self._store.iter_products())

    def __len__(self) -> int:
        return self._store.count()


class Health(BaseModel):
    status: str
    products: int
    index_version: str | None
    indexed_products: int
    store_seq: int
    index_seq: int | None
    encoder: str
    language: str = Field(default="en", description="the catalog's language (en, zh, multi)")
    language_source: str = Field(
        default="default", description="configured, detected (from the titles), or default (no products yet)"
    )
    reranker: str | None = None
    ranker: str | None = Field(default=None, description="the published CTR/CVR ranking model, if any")
    experiments_running: list[str] = Field(default_factory=list)


def _understanding_for(settings: Settings, language: str) -> UnderstandingConfig:
    """The multilingual encoder serves queries in many languages; correcting their words against
    an English catalog's vocabulary would break them ("correr" -> "corner"), so spelling is off
    with it unless configured explicitly. A Chinese catalog keeps it: its spelling step reads
    homophone typos and pinyin against the catalog's own Chinese words."""
    config = settings.understanding
    if (
        settings.encoder.name == "multilingual-e5-small"
        and language != "zh"
        and "spelling" not in config.model_fields_set
    ):
        return config.model_copy(update={"spelling": False})
    return config


class Shelfwise(PersonalStages, ShopperPrivacy):
    """Owns the store, the encoder and the search engine for one shop's data folder."""

    def __init__(
        self,
        settings: Settings,
        encoder: Encoder | None = None,
        store: Store | None = None,
        embedding_cache: EmbeddingCache | None = None,
        reranker: PairScorer | None = None,
        events: EventStore | None = None,
        learned_fusion: LearnedFusion | None = None,
        impressions: ImpressionLog | None = None,
        experiments: Experiments | None = None,
    ) -> None:
        """`reranker` defaults to the configured one (the data folder's active reranker), and
        `learned_fusion` to the data folder's active one for this encoder (`fusion.learned`).
        `experiments` default to the data folder's `experiments.json` (checked here: a variant
        setting no surface can apply is an `ExperimentDefinitionError`) and `experiments.db`."""
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        self.data = ShopData.open(settings)  # the stores not given here, one URL each
        self.experiments = experiments if experiments is not None else self._default_experiments(settings)
        try:
            check_settings(self.experiments.registry)
        except ValueError:
            self.experiments.close()
            self.data.close()
            raise
        self.store: Store = store or self.data.store
        self.language = resolve_catalog_language(settings.catalog.language, settings.data_dir, self._titles)
        self.settings = settings = with_language(settings, self.language.language)
        self._own_encoder = encoder is None
        if settings.serve.product_read_cache:
            self.store = ReadCachedStore(self.store, settings.serve.product_read_cache)
        self.events = events if events is not None else self.data.events
        self.impressions = impressions if impressions is not None else self._default_impressions(settings)
        self._event_recorder = EventRecorder(self.events)
        self._recommender: LiveRecommender | None = None
        self._init_stages()  # profiles and the ranking model, loaded on first use
        self._answers = self._answer_cache(settings.recommend, settings.data_dir)
        self._init_privacy()  # pseudonyms, the forget log
        cache = embedding_cache or self.data.embeddings
        if encoder is None:
            encoder = data_dir_encoder(settings.encoder, settings.data_dir)
        self.encoder = CachedEncoder(encoder, cache)
        if reranker is None:
            reranker = load_reranker(settings.rerank, active_reranker_path(settings.data_dir))
        if learned_fusion is None and settings.fusion.learned:
            learned_fusion = active_fusion(settings.data_dir, encoder.version, logger.warning)
        self.engine = SearchEngine(
            self.store,
            self.encoder,
            settings.index_root,
            lexical=settings.lexical,
            vector=settings.vector,
            fusion=settings.fusion,
            reranker=None if reranker is None else Reranker(reranker, settings.rerank),
            understanding=_understanding_for(settings, self.language.language),
            learned_fusion=learned_fusion,
            language=self.language.language,
        )

    # ----- catalog -----------------------------------------------------------------------------

    def ingest(
        self,
        path: Path,
        mapping: FieldMapping | None = None,
        progress: Progress | None = None,
        extract_attributes: bool = False,
        strict: bool = False,
    ) -> IngestReport:
        """Validate and upsert a feed file; an existing index catches up incrementally. With
        `extract_attributes`, attributes the feed leaves out (brand, colour, material, sizes,
        pack counts...) are read from titles and descriptions, and marked as extracted. With
        `strict`, a row with a bad optional field is rejected instead of stored without it."""
        feed_progress = None if progress is None else lambda done, total: progress("ingest", done, total)
        extractor = None
        if extract_attributes:
            from shelfwise.catalog.extract import AttributeExtractor, ExtractionConfig, known_brands

            extractor = AttributeExtractor(ExtractionConfig(brands=known_brands(self.store.iter_products())))
        report = ingest_feed(
            path, self.store, mapping=mapping, progress=feed_progress, extractor=extractor, strict=strict
        )
        self._refresh_if_indexed(progress)
        return report

    def upsert_products(self, products: Sequence[Product]) -> IngestReport:
        """Upsert built products (API writes); the last feed's report stays the one on record."""
        report = ingest_products(self.store, list(products), save_report=False)
        self._refresh_if_indexed(None)
        return report

    def delete_products(self, product_ids: Sequence[str]) -> list[str]:
        gone = self.store.delete(list(dict.fromkeys(product_ids)))
        self._refresh_if_indexed(None)
        return gone

    def get_product(self, product_id: str) -> Product | None:
        return self.store.get(product_id)

    def last_ingest_report(self) -> IngestReport | None:
        raw = self.store.get_document("ingest:last")
        return None if raw is None else IngestReport.model_validate_json(raw)

    # ----- events ------------------------------------------------------------------------------

    def record_events(self, events: Sequence[Event]) -> list[AppendOutcome]:
        """Store events (durable on return; a stored event_id comes back DUPLICATE), then tell the
        `on_events` listeners about the newly accepted ones. Ids are pseudonymized first when
        `privacy.pseudonymize_key` is set."""
        return self._event_recorder.record([self.pseudonyms.event(event) for event in events])

    def on_events(self, callback: EventListener) -> None:
        """Call `callback` with each batch of newly accepted events recorded by this process."""
        self._event_recorder.subscribe(callback)

    # ----- recommendations -----------------------------------------------------------------------

    @property
    def recommender(self) -> LiveRecommender | None:
        """The data folder's active recommender, loaded on first use."""
        if self._recommender is None:
            self._recommender = active_recommender(self.settings.data_dir)
        return self._recommender

    def train_recommender(
        self, config: RecommenderConfig | None = None, log: Callable[[str], None] | None = None
    ) -> tuple[str, FitReport]:
        """Fit a recommender on every stored event and the catalog, publish it and serve it."""
        products = list(self.store.iter_products())
        events = [stored.event for stored in self.events.iter_events()]
        vectors = self.encoder.encode_products(products) if products else None
        live, report = LiveRecommender.train(products, events, vectors, config, log)
        registry = recommender_registry(self.settings.data_dir)
        version, path = registry.new_version()
        live.save(
            path,
            {
                "version": version,
                "events": len(events),
                "products": len(products),
                "events_seq": self.events.last_seq(),
                "fit": dataclasses.asdict(report),
            },
        )
        registry.publish(version)
        live.version = version
        self._recommender = live
        return version, report

    def serve_model_version(self, kind: str, version: str) -> None:
        """Publish a kept recommender or ranking-model version (`kind` "recommender" or
        "ranker") and serve it from this process at once; other server processes switch when
        they restart. FileNotFoundError for a version that is not kept."""
        from shelfwise.rank import ranker_registry

        registries = {"recommender": recommender_registry, "ranker": ranker_registry}
        if kind not in registries:
            raise ValueError(f"no model kind '{kind}': recommender or ranker")
        registry = registries[kind](self.settings.data_dir)
        if not version or not registry.path_of(version).is_dir():
            raise FileNotFoundError(f"no kept {kind} version '{version}'")
        registry.publish(version)
        if kind == "recommender":
            self._recommender = LiveRecommender.load(registry.path_of(version))
        else:
            self._release_ranking()

    def recommend(
        self,
        actor: str | None = None,
        items: Sequence[str] = (),
        k: int = 10,
        exclude: Sequence[str] = (),
    ) -> list[Recommended]:
        """Home feed of an actor ('user:<id>' or 'session:<id>', read live from the event log)
        followed by `items` (recent products sent with the request)."""
        actor = None if actor is None else self.pseudonyms.actor(actor)
        return self._recommend_with(
            self._require_recommender(), actor, items, k, exclude, self.settings.recommend
        )

    def _recommend_with(
        self,
        live: LiveRecommender,
        actor: str | None,
        items: Sequence[str],
        k: int,
        exclude: Sequence[str],
        config: RecommendConfig,
    ) -> list[Recommended]:
        history = [] if actor is None else self.events.recent(actor, config.history_events)
        indices = live.history_of(history).tolist() + [live.index[i] for i in items if i in live.index]
        return live.for_history(
            np.array(indices, dtype=np.int64), k, self._catalog_view(), config, set(exclude)
        )

    def channel_candidates(
        self, actor: str | None = None, product_id: str | None = None, depth: int = 10
    ) -> dict[str, list[tuple[str, float]]]:
        """Each recall channel's own best items for an actor's live history (or after one
        product), before fusion and rules: the recommendation explorer's view per channel."""
        live = self._require_recommender()
        if product_id is not None:
            history = np.array([live.index[product_id]] if product_id in live.index else [], dtype=np.int64)
        else:
            wanted = self.settings.recommend.history_events
            actor = None if actor is None else self.pseudonyms.actor(actor)
            history = live.history_of([] if actor is None else self.events.recent(actor, wanted))
        return live.channel_candidates(history, depth)

    def similar_items(self, product_id: str, k: int = 10) -> list[Recommended]:
        return self._require_recommender().similar_items(
            product_id, k, self._catalog_view(), self.settings.recommend
        )

    def bought_together(self, product_id: str, k: int = 10) -> list[Recommended]:
        return self._require_recommender().bought_with(
            product_id, k, self._catalog_view(), self.settings.recommend
        )

    # ----- served answers: experiments and impressions --------------------------------------------

    def serve_search(
        self,
        request: SearchRequest,
        request_id: str,
        at: datetime | None = None,
        settings: Mapping[str, JsonValue] | None = None,
    ) -> SearchResult:
        """A shopper's search: runs under its experiment variants and logs what it showed.
        The result carries `request_id` (for the events it leads to) and the variants.
        `settings` (variant settings decided elsewhere, e.g. by a simulation's own experiment)
        apply over the experiments' overrides."""
        at = at or datetime.now(UTC)
        request = self.pseudonyms.search(request)
        self.catch_up_profiles()
        decision = self.experiments.decide(
            surface="search",
            request_id=request_id,
            at=at,
            user_id=request.user_id,
            session_id=request.session_id,
        )
        overrides = {**decision.overrides(), **(settings or {})}
        result = self._personal_search(apply_to_search(request, overrides), stage_settings(overrides), at)
        self.experiments.record(decision)  # served: a request that failed is never counted
        variants = {a.experiment: a.variant for a in decision.assignments}
        self._log_impression(
            Impression(
                request_id=request_id,
                surface="search",
                timestamp=at,
                user_id=request.user_id,
                session_id=request.session_id,
                query=request.query,
                items=tuple(ShownItem(product_id=h.product.product_id, position=h.rank - 1, score=h.score)
                            for h in result.hits),
                variants=variants,
                context={"page": request.page, "mode": request.mode, "total": result.total},
            )
        )  # fmt: skip
        return result.model_copy(update={"request_id": request_id, "variants": variants})

    def serve_recommendations(
        self,
        surface: str,
        request_id: str,
        *,
        user_id: str | None = None,
        session_id: str | None = None,
        items: Sequence[str] = (),
        product_id: str | None = None,
        k: int = 10,
        at: datetime | None = None,
    ) -> tuple[list[Recommended], dict[str, str]]:
        """A shopper's recommendations on `surface` ('recommend': the feed of the user, else of the
        session; 'similar' or 'bought_together' of `product_id`) under its experiment variants,
        logged as an impression; returns the items and the variants served. Without `at` (a live
        request) a current cached answer to the same request is reused (`recommend.answer_cache_*`)."""
        live_request = at is None  # a simulation or replay names its moment: never cached
        at = at or datetime.now(UTC)
        user_id, session_id = self.pseudonyms.maybe(user_id), self.pseudonyms.maybe(session_id)
        decision = self.experiments.decide(
            surface=surface, request_id=request_id, at=at, user_id=user_id, session_id=session_id
        )
        overrides = decision.overrides()
        live = self._require_recommender()
        actor = actor_of(user_id, session_id)
        if surface not in ("recommend", "similar", "bought_together") or (
            surface != "recommend" and product_id is None
        ):
            raise ValueError(f"unknown recommendation surface '{surface}' (or no product_id)")
        settings_key = json.dumps(overrides, sort_keys=True, default=str)
        models = (live.version, self._ranking_key(stage_settings(overrides)))
        key = (surface, actor, tuple(items), product_id, k, settings_key, models)
        use_cache = live_request and self._answers.enabled
        marker = (0, 0)
        if use_cache:  # a new event of the shopper's or a catalog change: answer again
            marker = (self.events.actor_seq(actor) if actor is not None else 0, self.store.last_seq())
        found = self._answers.get(key, marker, owner=actor) if use_cache else None
        cached = found is not None
        if found is None:
            found = self._fresh_recommendations(live, surface, overrides, actor, user_id, session_id,
                                                items, product_id, k, at)  # fmt: skip
            if use_cache:
                self._answers.put(key, marker, found, owner=actor)
        self.experiments.record(decision)  # served: a request that failed is never counted
        variants = {a.experiment: a.variant for a in decision.assignments}
        context: dict[str, JsonValue] = {"anchor": product_id} if product_id else {}
        if cached:
            context["cached"] = True  # served from the answer cache
        self._log_impression(
            Impression(
                request_id=request_id,
                surface=surface,
                timestamp=at,
                user_id=user_id,
                session_id=session_id,
                items=tuple(ShownItem(product_id=r.product.product_id, position=i, score=r.score)
                            for i, r in enumerate(found)),
                variants=variants,
                context=context,
            )
        )  # fmt: skip
        return found, variants

    def _fresh_recommendations(
        self,
        live: LiveRecommender,
        surface: str,
        overrides: Mapping[str, JsonValue],
        actor: str | None,
        user_id: str | None,
        session_id: str | None,
        items: Sequence[str],
        product_id: str | None,
        k: int,
        at: datetime,
    ) -> list[Recommended]:
        """What `serve_recommendations` computes when no cached answer is current."""
        self.catch_up_profiles()
        config = apply_to_recommend(self.settings.recommend, overrides)
        final = self._recommendation_stage(stage_settings(overrides), surface, user_id, session_id, at, k)
        wanted = k if final is None else min(100, 3 * k)  # the model picks k among 3k candidates
        if surface == "recommend":
            found = self._recommend_with(live, actor, items, wanted, (), config)
        else:
            answer = live.similar_items if surface == "similar" else live.bought_with
            found = answer(str(product_id), wanted, self._catalog_view(), config)
        return final(found) if final is not None else found

    def _ranking_key(self, stage: StageSettings) -> str:
        """Which ranking model answers under these settings use, the same in every process:
        'off' when the settings switch it off (nothing is loaded), else its version (loaded now
        if it is not yet, as computing the answer would), 'none' when none is published."""
        ranking = self.settings.ranking
        if (stage.ranking or (ranking.objective if ranking.enabled else "off")) == "off":
            return "off"
        model = self.ranking_stage
        return model.ranker.version if model is not None else "none"

    def _answer_cache(self, config: RecommendConfig, data_dir: Path) -> AnswerCache[list[Recommended]]:
        """This process's served answers, in front of the ones the server's processes share
        (`recommend.shared_answer_cache`): those are stored as ids and read back through the store."""
        shared = None
        if config.shared_answer_cache and config.answer_cache_entries and config.answer_cache_seconds:
            data_dir.mkdir(parents=True, exist_ok=True)
            shared = self.data.answers(config.answer_cache_seconds)

        def encode(found: list[Recommended]) -> str:
            return json.dumps([[r.product.product_id, r.score, r.reason, r.reason_kind, r.anchor_id]
                               for r in found])  # fmt: skip

        def decode(text: str) -> list[Recommended] | None:
            rows = json.loads(text)
            products = self.store.get_many([row[0] for row in rows])
            if len(products) < len({row[0] for row in rows}):
                return None  # a product was deleted since: compute the answer again
            return [Recommended(products[pid], score, reason, kind, anchor)
                    for pid, score, reason, kind, anchor in rows]  # fmt: skip

        return AnswerCache(config.answer_cache_entries, config.answer_cache_seconds,
                           shared=shared, codec=(encode, decode))  # fmt: skip

    def recommendation_cache_stats(self) -> AnswerCacheStats:
        """Hits and misses of this process's served-answer cache (`recommend.answer_cache_*`)."""
        return self._answers.stats()

    def _default_experiments(self, settings: Settings) -> Experiments:
        return Experiments.open(settings.data_dir, log=self.data.exposures)

    def _default_impressions(self, settings: Settings) -> ImpressionLog:
        log = self.data.impressions
        flush = settings.serve.impression_flush_seconds
        return log if flush == 0 else BufferedImpressionLog(log, interval=flush)

    def _log_impression(self, impression: Impression) -> None:
        """Impressions are the service's own log: a failed write is logged, the answer still goes out."""
        try:
            self.impressions.record([impression])
        except Exception:
            logger.exception("could not log impression %s", impression.request_id)

    def _require_recommender(self) -> LiveRecommender:
        live = self.recommender
        if live is None:
            raise LookupError("no recommender trained yet: run `shelfwise train recommender`")
        return live

    def _catalog_view(self) -> _StoreView:
        return _StoreView(self.store)

    # ----- index and search ------------------------------------------------------------------

    def _titles(self) -> Iterator[str]:
        return (product.title for product in self.store.iter_products())

    def _settle_language(self) -> None:
        """A shop that had no products when it started decides its language before its first
        index: the encoder is switched then (never under an index built by another one)."""
        if self.language.settled:
            return
        settings = self.settings
        decision = resolve_catalog_language(settings.catalog.language, settings.data_dir, self._titles)
        if decision.language == self.language.language or self.engine.manifest() is not None:
            self.language = decision
            return
        self.language = decision
        self.settings = with_language(settings, decision.language)
        self.engine.language = decision.language
        self.engine.understanding = _understanding_for(self.settings, decision.language)
        if self._own_encoder and self.settings.encoder.name != settings.encoder.name:
            encoder = data_dir_encoder(self.settings.encoder, self.settings.data_dir)
            self.encoder = self.engine.encoder = CachedEncoder(encoder, self.encoder.cache)
            if settings.fusion.learned:
                self.engine.learned_fusion = active_fusion(settings.data_dir, encoder.version, logger.warning)
        logger.info("catalog language %s: encoder %s", decision.language, self.encoder.encoder.version)

    def open_index(self, progress: Progress | None = None) -> IndexManifest:
        """Load the published index, catching up with the store; builds one when there is
        none, when the encoder changed, or when the index files are unusable."""
        self._settle_language()
        manifest = self.engine.open(progress, build=True)
        assert manifest is not None  # build=True always ends with an index
        return manifest

    def load_index(self) -> IndexManifest | None:
        """Load the published index if it is usable as it is; never builds (None instead)."""
        return self.engine.open(build=False)

    def rebuild_index(self, progress: Progress | None = None) -> IndexManifest:
        self._settle_language()
        return self.engine.rebuild(progress)

    def refresh_index(self, progress: Progress | None = None) -> RefreshStats:
        return self.engine.refresh(progress)

    def _refresh_if_indexed(self, progress: Progress | None) -> None:
        """Bring an existing index up to date. If another process (a running server) owns the
        index files, this process only updates its own memory; the owner catches up by itself."""
        if self.engine.manifest() is None:
            self.engine.open(progress, build=False)
        else:
            self.engine.refresh(progress)
        self.catch_up_ranking()  # the ranking model scores a new or changed product at once

    def catch_up(self) -> RefreshStats | None:
        """Apply what other processes did: a newly published index version, catalog changes made
        by `shelfwise ingest` beside a server, or an index whose owning process has exited; and
        events stored since into the shoppers' profiles; and shoppers forgotten by another process."""
        self.catch_up_profiles()
        try:
            self.apply_forgotten()
        except Exception:  # the next round retries from the same place in the forget log
            logger.exception("applying the forget log failed")
        stats = self.engine.catch_up()
        self.catch_up_ranking()  # after the index, whose refresh encodes the changed texts
        self._catch_up_recommender()
        return stats

    def _catch_up_recommender(self) -> None:
        """Serve the recommender version a worker (or another process) published since this one
        was loaded; one never loaded yet is loaded on first use, as always."""
        live = self._recommender
        current = recommender_registry(self.settings.data_dir).current()
        if live is not None and current is not None and current[0] != live.version:
            self._recommender = LiveRecommender.load(current[1])
            logger.info("recommender %s loaded: published since %s", current[0], live.version)

    def search(self, request: SearchRequest) -> SearchResult:
        """Relevance only: retrieval, fusion, reranking (no final stage, nothing logged)."""
        return self.engine.search(request)

    def search_as_shopper(
        self,
        request: SearchRequest,
        settings: Mapping[str, JsonValue] | None = None,
        at: datetime | None = None,
    ) -> SearchResult:
        """What `serve_search` would show this shopper under `settings` (search settings and the
        final stage's `personalize` / `ranking`), without experiments or logging: for replays."""
        chosen = dict(settings or {})
        request = self.pseudonyms.search(request)
        self.catch_up_profiles()
        return self._personal_search(
            apply_to_search(request, chosen), stage_settings(chosen), at or datetime.now(UTC)
        )

    def suggest(self, prefix: str, limit: int = 10) -> list[Suggestion]:
        return self.engine.suggest(prefix, limit)

    def health(self) -> Health:
        from shelfwise.rank import active_ranker_path

        ranker = active_ranker_path(self.settings.data_dir)
        manifest = self.engine.manifest()
        store_seq = self.store.last_seq()
        ready = manifest is not None and manifest.store_seq == store_seq
        return Health(
            status="ok" if ready else ("indexing" if manifest is not None else "no-index"),
            products=self.store.count(),
            index_version=None if manifest is None else manifest.version,
            indexed_products=0 if manifest is None else manifest.product_count,
            store_seq=store_seq,
            index_seq=None if manifest is None else manifest.store_seq,
            encoder=self.encoder.encoder.version,
            language=self.language.language,
            language_source=self.language.source,
            reranker=None if self.engine.reranker is None else self.engine.reranker.version,
            ranker=None if ranker is None else ranker.name,
            experiments_running=[
                e.name for e in self.experiments.registry if e.is_running(datetime.now(UTC))
            ],
        )

    def close(self) -> None:
        self._answers.close()
        self.engine.close()
        self.store.close()
        self.encoder.cache.close()
        self.events.close()
        self.impressions.close()
        self.experiments.close()
        self.forget_log.close()
        self.data.close()

"""The serving role: `Serving` assembles, from a shop's stores (`ShopData`) and its published
artifacts, the search engine, the live recommender, the final ranking stage (profiles and the
CTR/CVR model, `service_personal.py`), experiment assignment and impression logging, and
answers searches and recommendations with them.

It never trains and never builds an index from scratch: it loads the published index version (or
waits for one) and, at each `catch_up`, applies other processes' catalog changes and swaps in the
index, recommender and ranking-model versions that workers (`shelfwise worker`) or the CLI
published since. It writes only logs: events, impressions, exposures (and the index files'
incremental refresh when it owns them). `ShopServer` (shop_server.py, the HTTP process's role)
adds catalog writes, index builds and swapping in kept versions; `Shelfwise` (service.py, the
CLI's and the worker's) adds training on top of that.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import cached_property
from typing import Any

from pydantic import BaseModel, Field, JsonValue

from shelfwise.aspects.features import ReviewFeatureSet
from shelfwise.aspects.served import result_with_praise
from shelfwise.catalog import IngestReport
from shelfwise.config import Settings, UnderstandingConfig
from shelfwise.disk_full import is_disk_full
from shelfwise.events import AppendOutcome, EventListener, EventRecorder, EventStore
from shelfwise.experiments import Experiments
from shelfwise.experiments.settings import (
    apply_to_search,
    check_settings,
    stage_settings,
)
from shelfwise.graph import GraphService, PublishedGraph
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
from shelfwise.published_models import (
    active_fusion,
    active_reranker_path,
    data_dir_encoder,
    load_query_student,
)
from shelfwise.query.suggest import Suggestion
from shelfwise.recommend.live import LiveRecommender
from shelfwise.records import Event, Product, SearchRequest, SearchResult
from shelfwise.reviews.stars import result_with_stars
from shelfwise.search import RefreshStats, SearchEngine
from shelfwise.search.learned_fusion import LearnedFusion
from shelfwise.search.rerank import PairScorer, Reranker
from shelfwise.search.retrieval import Recall
from shelfwise.search.sharded import ShardedRecall
from shelfwise.search.sharded_engine import ShardedSearchEngine
from shelfwise.service_personal import PersonalStages
from shelfwise.service_privacy import ShopperPrivacy
from shelfwise.serving_recommend import RecommendationServing
from shelfwise.shop_data import ShopData
from shelfwise.store import EmbeddingCache, ReadCachedStore, Store

logger = logging.getLogger(__name__)


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


def understanding_for(settings: Settings, language: str) -> UnderstandingConfig:
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


class Serving(RecommendationServing, PersonalStages, ShopperPrivacy):
    """Serves one shop: search, recommendations, the final stage, experiments and the logs."""

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
        recall: Recall | None = None,
    ) -> None:
        """`reranker` defaults to the data folder's active reranker, `learned_fusion` to its
        active one for this encoder (`fusion.learned`), `experiments` to its `experiments.json`
        (checked: a variant setting no surface applies is an `ExperimentDefinitionError`) and
        `experiments.db`; `recall` (None: this process's index) to a `ShardedRecall`'s shards,
        which hold the catalog: the engine then opens no index (`ShardedSearchEngine`)."""
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
        self.engine = self._search_engine(encoder.version, reranker, learned_fusion, recall)
        student = load_query_student(settings.data_dir, encoder.version, logger.warning)
        self.engine.cross_lingual.use_student(student, settings.understanding.student_weight)

    def _search_engine(
        self,
        encoder_version: str,
        reranker: PairScorer | None,
        fusion: LearnedFusion | None,
        recall: Recall | None,
    ) -> SearchEngine:
        """The engine over the data folder's index (the configured reranker and learned fusion
        unless given), recalling through `recall` when given."""
        settings = self.settings
        if reranker is None:
            reranker = load_reranker(settings.rerank, active_reranker_path(settings.data_dir))
        if fusion is None and settings.fusion.learned:
            fusion = active_fusion(settings.data_dir, encoder_version, logger.warning)
        parts: dict[str, Any] = dict(
            lexical=settings.lexical,
            vector=settings.vector,
            fusion=settings.fusion,
            reranker=None if reranker is None else Reranker(reranker, settings.rerank),
            understanding=understanding_for(settings, self.language.language),
            learned_fusion=fusion,
            language=self.language.language,
        )
        if isinstance(recall, ShardedRecall):  # the catalog lives in the shards: opens no index
            return ShardedSearchEngine(self.store, self.encoder, settings.index_root, recall=recall, **parts)
        engine = SearchEngine(self.store, self.encoder, settings.index_root, **parts)
        engine.recall = recall
        engine.reviews = _FirstUse(self)  # the review features and summaries it may rank on
        return engine

    @cached_property
    def product_graph(self) -> GraphService:
        """Answers from the published product graph (loaded on first use, newer ones at catch-up)."""
        return GraphService(PublishedGraph(self.settings.data_dir), self.store, self.language.language)

    def get_product(self, product_id: str) -> Product | None:
        return self.store.get(product_id)

    def last_ingest_report(self) -> IngestReport | None:
        raw = self.store.get_document("ingest:last")
        return None if raw is None else IngestReport.model_validate_json(raw)

    def record_events(self, events: Sequence[Event]) -> list[AppendOutcome]:
        """Store events (durable on return; a stored event_id comes back DUPLICATE), then tell the
        `on_events` listeners about the newly accepted ones. Ids are pseudonymized first when
        `privacy.pseudonymize_key` is set."""
        return self._event_recorder.record([self.pseudonyms.event(event) for event in events])

    def on_events(self, callback: EventListener) -> None:
        """Call `callback` with each batch of newly accepted events recorded by this process."""
        self._event_recorder.subscribe(callback)

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
        result = result_with_praise(result, self.review_summaries)  # the praise the query asked for
        result = self._with_stars(result)
        return result.model_copy(update={"request_id": request_id, "variants": variants})

    def _with_stars(self, result: SearchResult) -> SearchResult:
        """The page's stars in one query; without them (logged) when the review store cannot be
        opened because the disk is full: a search only reads, and stars are not worth a 507."""
        try:
            return result_with_stars(result, self.data.reviews)
        except Exception as error:
            if not is_disk_full(error):
                raise
            logger.warning("search answered without stars: the review store cannot open (%s)", error)
            return result

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

    def _titles(self) -> Iterator[str]:
        return (product.title for product in self.store.iter_products())

    def load_index(self) -> IndexManifest | None:
        """Load the published index if it is usable as it is; never builds (None instead)."""
        return self.engine.open(build=False)

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
        self._catch_up_ranker_version()
        self.catch_up_ranking()  # after the index, whose refresh encodes the changed texts
        self._catch_up_recommender()
        self._catch_up_summaries()
        self.product_graph.catch_up()
        return stats

    def _catch_up_ranker_version(self) -> None:
        """Load the ranking model version published since this one was loaded (a worker's
        `train-ranker`, or another process's swap) here, not in a shopper's request."""
        from shelfwise.rank import active_ranker_path

        loaded = self._ranking
        if loaded is None:  # not loaded yet: the first use loads the active one
            return
        active = active_ranker_path(self.settings.data_dir)
        if (active.name if active else None) != (loaded.ranker.version if loaded else None):
            self._release_ranking()
            stage = self.ranking_stage
            logger.info("ranking model %s loaded", stage.ranker.version if stage else "none")

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


class _FirstUse:
    """The service's review summaries as the engine reads them, loaded on first use (as the
    product pages and explanations load them), not when the service starts."""

    def __init__(self, serving: Serving) -> None:
        self._serving = serving

    @property
    def features(self) -> ReviewFeatureSet | None:
        return self._serving.review_summaries.features

    def praised(self, product_id: str, aspect: str) -> int:
        return self._serving.review_summaries.praised(product_id, aspect)

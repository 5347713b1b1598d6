"""The final ranking stage of the serving role: shoppers' profiles, the CTR/CVR ranking
model, and how they re-order a search's first places or a recommendation list.

A mixin of `Serving` (serving.py), kept apart so that the role stays readable; it uses the
serving role's settings, store, encoder, event store, impression log and engine.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from shelfwise.config import Settings
from shelfwise.events import EventStore
from shelfwise.experiments.settings import StageSettings
from shelfwise.impressions import (
    AttributionConfig,
    AttributionStats,
    ImpressionLog,
    LabeledImpression,
    attribute,
)
from shelfwise.models import CachedEncoder
from shelfwise.personalize import ProfileConfig, Profiles, UserProfile, VectorTable, build_profiles
from shelfwise.personalize.hits import personalize_hits
from shelfwise.personalize.provider import ProfileFeatures
from shelfwise.privacy.pseudonym import Pseudonymizer
from shelfwise.recommend.live import Recommended
from shelfwise.records import Event, Hit, SearchRequest, SearchResult
from shelfwise.store import Store

if TYPE_CHECKING:
    from shelfwise.search import SearchEngine

logger = logging.getLogger("shelfwise.service")


def actor_of(user_id: str | None, session_id: str | None) -> str | None:
    """Whose profile and history count: the signed-in user, else the visit (as `Event.actor`)."""
    if user_id:
        return f"user:{user_id}"
    return f"session:{session_id}" if session_id else None


class PersonalStages:
    """Profiles and the ranking model over the facade's data (see the module)."""

    settings: Settings
    store: Store
    encoder: CachedEncoder
    events: EventStore
    impressions: ImpressionLog
    engine: SearchEngine
    pseudonyms: Pseudonymizer

    def _init_stages(self) -> None:
        self._profiles: Profiles | None = None
        self._profiles_seq = 0  # the event log's seq that the profiles include
        self._profiles_lock = threading.Lock()
        self._ranking: Any = None  # RankingStage, False when none is published, None before loading
        self._ranking_sync: Any = None  # CatalogSync: the stage's catalog follows the store's changes

    @property
    def profiles(self) -> Profiles:
        """Every shopper's profile, built from the event log on first use, then kept current by
        following the log (`catch_up_profiles`)."""
        with self._profiles_lock:
            if self._profiles is None:
                self._profiles, self._profiles_seq = self._new_profiles()
            else:
                self._fold_new_events()
            return self._profiles

    def _new_profiles(self, over: Profiles | None = None) -> tuple[Profiles, int]:
        """Profiles built from the whole event log (over the catalog of `over` when given), and
        the log's seq they include."""
        config = ProfileConfig(half_life_days=self.settings.personalize.half_life_days)
        seq = 0
        catalog: Any = None if over is None else over.catalog
        table = None
        if catalog is None:
            catalog = list(self.store.iter_products())
            vectors = self.encoder.encode_products(catalog) if catalog else None
            table = None if vectors is None else VectorTable([p.product_id for p in catalog], vectors)

        def events() -> Iterator[Event]:
            nonlocal seq
            for stored in self.events.iter_events():
                seq = stored.seq
                yield stored.event

        return build_profiles(events(), catalog, table, config), seq

    def rebuild_profiles(self) -> None:
        """Build the profiles afresh from the event log (after a retention purge: the windows
        kept purged events) and swap them in place; requests meanwhile read the old ones."""
        with self._profiles_lock:
            current = self._profiles
        if current is None:
            return
        fresh, seq = self._new_profiles(current)
        with self._profiles_lock:
            current.adopt(fresh)
            self._profiles_seq = seq
            self._fold_new_events()

    def catch_up_profiles(self) -> None:
        """Fold the events stored since the profiles were last current into them: this process's
        and every other's (a server's workers share one event log), each once. Searches and
        recommendations call it before reading profiles; the server also calls it every second,
        so /events answers without waiting for it."""
        with self._profiles_lock:
            if self._profiles is not None:
                self._fold_new_events()

    def _fold_new_events(self) -> None:
        assert self._profiles is not None  # the caller holds the lock and has built them
        if self.events.last_seq() != self._profiles_seq:
            self._profiles.update(list(self._events_after(self._profiles_seq)))

    def _events_after(self, seq: int) -> Iterator[Event]:
        """The log's events after `seq`, noting the last one read as what the profiles include."""
        for stored in self.events.iter_events(after_seq=seq):
            self._profiles_seq = stored.seq
            yield stored.event

    def profile(self, actor: str) -> UserProfile | None:
        """'user:<id>' or 'session:<id>' (a raw id: pseudonymized when that is on); None when
        nothing is known about them."""
        actor = self.pseudonyms.actor(actor)
        profiles = self.profiles
        return profiles.profile(actor) if actor in profiles else None

    def labeled_impressions(
        self, attribution: AttributionConfig | None = None
    ) -> tuple[list[LabeledImpression], AttributionStats]:
        """Every logged shown item with what the shopper did with it (`impressions.attribute`)."""
        events = (stored.event for stored in self.events.iter_events())
        return attribute(self.impressions.iter_impressions(), events, attribution)

    def _release_ranking(self) -> None:
        """The next request loads the ranking model that is active then."""
        self._ranking = self._ranking_sync = None

    @property
    def ranking_stage(self) -> Any:
        """The data folder's published ranking model (a `RankingStage`), None before one exists;
        its catalog features follow the store's changes (`catch_up_ranking`)."""
        if self._ranking is None:
            self._ranking = self._load_ranking() or False
        elif self._ranking:
            self._ranking_sync.catch_up(wait=False)  # a large batch is applied by the writer
        return self._ranking or None

    def catch_up_ranking(self) -> None:
        """Apply the store's product changes to a loaded ranking model's catalog features (the
        service's writes call it, as they refresh the search index, and so does `catch_up`)."""
        if self._ranking:
            self._ranking_sync.catch_up()

    def _load_ranking(self) -> Any:
        from shelfwise.rank import RankingStage, active_ranker_path
        from shelfwise.rank.live_catalog import CatalogSync

        seq = self.store.last_seq()  # read first: a change made while loading is applied again
        products = list(self.store.iter_products()) if active_ranker_path(self.settings.data_dir) else []
        if not products:
            return None
        try:
            stage = RankingStage.active(
                self.settings.data_dir, products, self.encoder.encode_products(products),
                self.encoder, ProfileFeatures(self.profiles),
            )  # fmt: skip
        except (ValueError, FileNotFoundError, RuntimeError) as error:
            logger.warning("the published ranking model is not used: %s", error)
            return None
        if stage is not None:
            self._ranking_sync = CatalogSync(self.store, self.encoder.encode_products,
                                             stage.ranker.builder.catalog, seq)  # fmt: skip
            self._ranking_sync.catch_up()
        return stage

    def _final_stage(
        self, request: SearchRequest, stage: StageSettings, at: datetime
    ) -> Callable[[list[Hit]], list[Hit]] | None:
        """What re-orders this request's first places: the ranking model when one is published
        (and not switched off), else the profile boost for a shopper the profiles know, else
        nothing (None)."""
        from shelfwise.rank import RankContext
        from shelfwise.rank.search_stage import rank_hits

        config, ranking = self.settings.personalize, self.settings.ranking
        personalize = config.enabled if stage.personalize is None else stage.personalize
        actor = actor_of(request.user_id, request.session_id)
        objective = stage.ranking or (ranking.objective if ranking.enabled else "off")
        model = self.ranking_stage if objective != "off" else None
        if model is not None:
            blend = self._blend(objective)
            context = RankContext(actor=actor if personalize else None, query=request.query or None, at=at)
            profiles = self.profiles if personalize else None
            return lambda hits: rank_hits(
                hits, model, context, blend, config.depth, profiles, request.explain
            )
        if personalize and actor is not None and actor in self.profiles:
            profiles = self.profiles
            return lambda hits: personalize_hits(
                hits, profiles, actor, config.boost_weight, config.depth, request.explain
            )
        return None

    def _blend(self, objective: str) -> Any:
        from shelfwise.rank import BlendConfig

        ranking = self.settings.ranking
        return BlendConfig(
            objective=objective,  # type: ignore[arg-type]
            relevance_exponent=ranking.relevance_exponent,
            probability_exponent=ranking.probability_exponent,
            value_exponent=ranking.value_exponent,
        )

    def _recommendation_stage(
        self,
        stage: StageSettings,
        surface: str,
        user_id: str | None,
        session_id: str | None,
        at: datetime,
        k: int,
    ) -> Callable[[list[Recommended]], list[Recommended]] | None:
        """The ranking model over a recommendation list, when one is published and not off."""
        from shelfwise.rank import RankContext
        from shelfwise.rank.search_stage import rank_recommendations

        ranking, personalize = self.settings.ranking, self.settings.personalize.enabled
        objective = stage.ranking or (ranking.objective if ranking.enabled else "off")
        model = self.ranking_stage if objective != "off" else None
        if model is None:
            return None
        if stage.personalize is not None:
            personalize = stage.personalize
        actor = actor_of(user_id, session_id)
        blend = self._blend(objective)
        context = RankContext(actor=actor if personalize else None, surface=surface, at=at)
        return lambda found: rank_recommendations(found, model, context, blend, k)

    def _personal_search(self, request: SearchRequest, stage: StageSettings, at: datetime) -> SearchResult:
        """The search with its first `personalize.depth` places re-ordered by the final stage;
        pages past 100 results keep the relevance order."""
        shown_until = request.page * request.page_size
        chose_order = request.sort != "relevance"  # the shopper's order, not the ranking model's
        final = None if chose_order or shown_until > 100 else self._final_stage(request, stage, at)
        if final is None:
            return self.engine.search(request)
        depth = min(100, max(self.settings.personalize.depth, shown_until))
        result = self.engine.search(request.model_copy(update={"page": 1, "page_size": depth}))
        start = (request.page - 1) * request.page_size
        hits = final(result.hits)[start:shown_until]
        return result.model_copy(update={"hits": hits, "page": request.page, "page_size": request.page_size})

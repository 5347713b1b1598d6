"""Recommendations in the serving role: the live recommender (loaded on first use, swapped for
a newer published version at catch-up), the home feed, similar and bought-together items, the
channels' own candidates, and `serve_recommendations` (experiments, the final stage, the answer
cache and the impression log).

A mixin of `Serving` (serving.py), beside `PersonalStages` and `ShopperPrivacy`; it uses the
serving role's settings, stores, experiments, pseudonyms and final stage.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import JsonValue

from shelfwise.aspects.artifact import summaries_root
from shelfwise.aspects.served import ServedSummaries, reasons_with_praise
from shelfwise.config import RecommendServingConfig, Settings
from shelfwise.events import EventStore
from shelfwise.experiments import Experiments, ExposureDecision
from shelfwise.experiments.settings import StageSettings, apply_to_recommend, stage_settings
from shelfwise.graph import GraphService
from shelfwise.graph.reasons import as_recommended, reasons_with_paths
from shelfwise.graph.wording import Anchor
from shelfwise.impressions import Impression, ShownItem
from shelfwise.privacy.pseudonym import Pseudonymizer
from shelfwise.recommend.answer_cache import AnswerCache, AnswerCacheStats
from shelfwise.recommend.interactions import PURCHASE_TYPES
from shelfwise.recommend.live import LiveRecommender, Recommended, active_recommender, recommender_registry
from shelfwise.records import Product
from shelfwise.service_personal import actor_of
from shelfwise.shop_data import ShopData
from shelfwise.store import Store

logger = logging.getLogger("shelfwise.serving")


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


class RecommendationServing:
    """The recommendation half of `Serving` (see the module)."""

    settings: Settings
    data: ShopData
    store: Store
    events: EventStore
    experiments: Experiments
    pseudonyms: Pseudonymizer
    _recommender: LiveRecommender | None
    _review_summaries: ServedSummaries | None = None  # loaded on first use
    _answers: AnswerCache[list[Recommended]]
    catch_up_profiles: Callable[[], None]  # PersonalStages
    _recommendation_stage: Callable[..., Any]  # PersonalStages
    ranking_stage: Any  # PersonalStages
    _log_impression: Callable[[Impression], None]  # Serving

    @property
    def product_graph(self) -> GraphService:
        """The published product graph's answers (`Serving` holds them)."""
        raise NotImplementedError

    @property
    def recommender(self) -> LiveRecommender | None:
        """The data folder's active recommender, loaded on first use."""
        if self._recommender is None:
            self._recommender = active_recommender(self.settings.data_dir)
        return self._recommender

    @property
    def review_summaries(self) -> ServedSummaries:
        """The data folder's published review summaries, loaded on first use (`catch_up` then
        loads each newer version)."""
        if self._review_summaries is None:
            self._review_summaries = ServedSummaries(summaries_root(self.settings.data_dir))
        return self._review_summaries

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
        config: RecommendServingConfig,
    ) -> list[Recommended]:
        history = [] if actor is None else self.events.recent(actor, config.history_events)
        indices = live.history_of(history).tolist() + [live.index[i] for i in items if i in live.index]
        return live.for_history(
            np.array(indices, dtype=np.int64), k, self._catalog_view(), config, set(exclude), actor or ""
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
        fresh = partial(self._fresh_recommendations, live, surface, overrides, actor, user_id, session_id,
                        items, product_id, k, at)  # fmt: skip
        found, cached = self._answer(key, actor, live_request, fresh)
        found = reasons_with_paths(found, self.product_graph, self._anchor_kind(surface, actor))
        found = reasons_with_praise(found, self.review_summaries)  # told after caching: never ranked on
        context: dict[str, JsonValue] = {"anchor": product_id} if product_id else {}
        if cached:
            context["cached"] = True  # served from the answer cache
        variants = self._served(decision, request_id, surface, at, user_id, session_id, found, context)
        return found, variants

    def _served(
        self,
        decision: ExposureDecision,
        request_id: str,
        surface: str,
        at: datetime,
        user_id: str | None,
        session_id: str | None,
        found: Sequence[Recommended],
        context: dict[str, JsonValue],
    ) -> dict[str, str]:
        """Count the experiment decision and log the impression of a served list; the variants."""
        self.experiments.record(decision)  # served: a request that failed is never counted
        variants = {a.experiment: a.variant for a in decision.assignments}
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
        return variants

    def _anchor_kind(self, surface: str, actor: str | None) -> Callable[[str], Anchor]:
        """How the shopper knows a reason's product: on the feed, one they bought or viewed
        (their recent events say which); on a product page, the page's product (said by name)."""
        if surface != "recommend" or actor is None:
            return lambda product_id: None
        recent = self.events.recent(actor, self.settings.recommend.history_events)
        bought = {e.product_id for e in recent if e.type in PURCHASE_TYPES}
        return lambda product_id: "bought" if product_id in bought else "viewed"

    def serve_goes_with(
        self,
        request_id: str,
        items: Sequence[str],
        *,
        cart: bool = False,
        user_id: str | None = None,
        session_id: str | None = None,
        k: int = 4,
        at: datetime | None = None,
    ) -> tuple[list[Recommended], dict[str, str], str]:
        """Complements of a product (its page) or of a cart's `items` from the product graph,
        each with its path in words, under the `goes_with` surface's experiment variants and
        ranking stage, logged as an impression; the items, the variants and the graph version.
        `GraphNotBuilt` (a LookupError) before a graph is published."""
        at = at or datetime.now(UTC)
        user_id, session_id = self.pseudonyms.maybe(user_id), self.pseudonyms.maybe(session_id)
        decision = self.experiments.decide(
            surface="goes_with", request_id=request_id, at=at, user_id=user_id, session_id=session_id
        )
        version = self.product_graph.graph().version
        final = self._recommendation_stage(
            stage_settings(decision.overrides()), "goes_with", user_id, session_id, at, k
        )
        wanted = k if final is None else min(100, 3 * k)
        anchor: Anchor = "cart" if cart else None
        found = as_recommended(self.product_graph.goes_with(items, wanted, anchor=anchor))
        found = (final(found) if final is not None else found)[:k]
        context: dict[str, JsonValue] = {"cart" if cart else "anchor": list(items) if cart else items[0]}
        variants = self._served(decision, request_id, "goes_with", at, user_id, session_id, found, context)
        return found, variants, version

    def _answer(
        self, key: Hashable, actor: str | None, live_request: bool, fresh: Callable[[], list[Recommended]]
    ) -> tuple[list[Recommended], bool]:
        """The current cached answer under `key` for a live request, else `fresh()`'s (cached
        when the cache is on); and whether it came from the cache."""
        use_cache = live_request and self._answers.enabled
        marker = (0, 0)
        if use_cache:  # a new event of the shopper's or a catalog change: answer again
            marker = (self.events.actor_seq(actor) if actor is not None else 0, self.store.last_seq())
        found = self._answers.get(key, marker, owner=actor) if use_cache else None
        if found is not None:
            return found, True
        found = fresh()
        if use_cache:
            self._answers.put(key, marker, found, owner=actor)
        return found, False

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

    def _answer_cache(self, config: RecommendServingConfig, data_dir: Path) -> AnswerCache[list[Recommended]]:
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

    def _require_recommender(self) -> LiveRecommender:
        live = self.recommender
        if live is None:
            raise LookupError("no recommender trained yet: run `shelfwise train recommender`")
        return live

    def _catalog_view(self) -> _StoreView:
        return _StoreView(self.store)

    def _catch_up_summaries(self) -> None:
        """Serve the review summaries published since (`shelfwise aspects summarize`, the demo)."""
        if self._review_summaries is not None:
            self._review_summaries.catch_up()

    def _catch_up_recommender(self) -> None:
        """Serve the recommender version a worker (or another process) published since this one
        was loaded; one never loaded yet is loaded on first use, as always."""
        live = self._recommender
        current = recommender_registry(self.settings.data_dir).current()
        if live is not None and current is not None and current[0] != live.version:
            self._recommender = LiveRecommender.load(current[1])
            logger.info("recommender %s loaded: published since %s", current[0], live.version)

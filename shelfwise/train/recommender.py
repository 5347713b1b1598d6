"""The recommender's training job: fit on every stored event and the catalog, save a new version
folder and publish it (`models/recommender/CURRENT`); serving processes swap it in at their next
catch-up. Run by `shelfwise train recommender`, the demo, and the worker's `train-recommender`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from shelfwise.events import EventStore
from shelfwise.models import CachedEncoder
from shelfwise.recommend.live import LiveRecommender, recommender_registry
from shelfwise.recommend.recommender import FitReport, RecommenderTrainingConfig
from shelfwise.recommend.sequential import SequentialFit
from shelfwise.store import Store


def train_recommender(
    store: Store,
    events: EventStore,
    encoder: CachedEncoder,
    data_dir: Path,
    config: RecommenderTrainingConfig | None = None,
    log: Callable[[str], None] | None = None,
    sequential_fit: SequentialFit | None = None,
) -> tuple[LiveRecommender, FitReport]:
    """The published recommender (its `version` set) and how its fit went; `sequential_fit`, when
    given, trains the sequential channel elsewhere (on a Ray cluster)."""
    products = list(store.iter_products())
    stored = [item.event for item in events.iter_events()]
    vectors = encoder.encode_products(products) if products else None
    live, report = LiveRecommender.train(products, stored, vectors, config, log, sequential_fit)
    registry = recommender_registry(data_dir)
    version, path = registry.new_version()
    live.save(
        path,
        {
            "version": version,
            "events": len(stored),
            "products": len(products),
            "events_seq": events.last_seq(),
            "fit": dataclasses.asdict(report),
        },
    )
    registry.publish(version)
    live.version = version
    return live, report

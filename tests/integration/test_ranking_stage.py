"""The ranking model end to end in a shop: simulated shoppers search it, it logs impressions,
`train ranker` learns from them, and search then ranks with it and explains how."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.rank import ModelConfig
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise
from shelfwise.simulate.loop import (
    ClosedLoopSimulation,
    ShelfwiseRanker,
    TextMatchRanker,
    shop_catalog,
    simulate_closed_loop,
)

END = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def logged_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Shelfwise, Path]]:
    data = Path(tmp_path_factory.mktemp("ranking")) / "data"
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing")))
    products = generate_demo_catalog(400, seed=3)
    shop.upsert_products(products)
    shop.open_index()
    config = ClosedLoopSimulation(n_shoppers=800, days=30, seed=3, end=END)
    feed = TextMatchRanker(shop_catalog(products, config))
    result = simulate_closed_loop(products, config, ShelfwiseRanker(shop, fallback=feed))
    shop.record_events(list(result.events))
    yield shop, data
    shop.close()


def test_the_shop_logs_impressions_trains_on_them_and_ranks_with_the_model(
    logged_shop: tuple[Shelfwise, Path],
) -> None:
    shop, _ = logged_shop
    examples, stats = shop.labeled_impressions()
    assert stats.impressions > 200 and sum(e.clicked for e in examples) > 100
    config = CtrCvrRankerConfig(
        model=ModelConfig(), training=TrainingConfig(epochs=8, batch_size=256, seed=1, importance_rows=0)
    )
    artifact = shop.train_ranker(config, log=lambda _: None)
    assert artifact.published and artifact.report.tasks["ctr"].auc > 0.7  # measured 0.83 on this small log
    assert shop.health().ranker == artifact.version
    user = next(e.user_id for e in examples if e.user_id and e.clicked)
    result = shop.serve_search(SearchRequest(query="lamp", user_id=user, page_size=5), "after-training")
    evidence = [hit.explanation.personal for hit in result.hits if hit.explanation]
    assert evidence and all(
        e is not None and e.stage == "model" and 0 < (e.p_click or 0) < 1 for e in evidence
    )
    assert [hit.rank for hit in result.hits] == list(range(1, len(result.hits) + 1))
    off = shop.serve_search(
        SearchRequest(query="lamp", user_id=user, page_size=5), "off", settings={"ranking": "off"}
    )
    assert all(hit.explanation is None or hit.explanation.personal is None or
               hit.explanation.personal.stage == "profile" for hit in off.hits)  # fmt: skip


def test_train_ranker_command_reports_and_keeps_a_model_that_is_not_better(
    logged_shop: tuple[Shelfwise, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, data = logged_shop
    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    result = CliRunner().invoke(app, ["train", "ranker", "--epochs", "2", "--data-dir", str(data)])
    assert result.exit_code == 0, result.output
    artifact = json.loads(result.output[result.output.index("{") :])
    assert set(artifact["report"]["tasks"]) == {"ctr", "cvr", "ctcvr"}
    assert isinstance(artifact["published"], bool)
    bad = CliRunner().invoke(app, ["train", "ranker", "--architecture", "wide", "--data-dir", str(data)])
    assert bad.exit_code == 2


def test_recommendations_are_reordered_by_the_model_among_three_times_as_many(
    logged_shop: tuple[Shelfwise, Path],
) -> None:
    from shelfwise.experiments.settings import StageSettings
    from shelfwise.recommend import ChannelsConfig, RecommenderTrainingConfig

    shop, _ = logged_shop
    if shop.ranking_stage is None:
        shop.train_ranker(
            CtrCvrRankerConfig(training=TrainingConfig(epochs=3, importance_rows=0)), log=lambda _: None
        )
    channels = ChannelsConfig(enabled=("cooccurrence", "popularity"))
    shop.train_recommender(RecommenderTrainingConfig(channels=channels))
    user = next(e.user_id for e in shop.labeled_impressions()[0] if e.user_id)
    ranked, _ = shop.serve_recommendations("recommend", "rec-model", user_id=user, k=6)
    pool = [r.product_id for r in shop.recommend(actor=f"user:{user}", k=18)]
    assert len(ranked) == 6 and {r.product_id for r in ranked} <= set(pool)
    assert all(r.reason for r in ranked)  # each keeps the reason of its channel
    switched_off = shop._recommendation_stage(StageSettings(ranking="off"), "recommend", user, None, END, 6)
    assert switched_off is None


def test_a_serving_process_swaps_in_a_ranking_model_published_elsewhere(
    logged_shop: tuple[Shelfwise, Path],
) -> None:
    from shelfwise.rank import ranker_registry
    from shelfwise.serving import Serving

    shop, data = logged_shop
    fast = CtrCvrRankerConfig(training=TrainingConfig(epochs=2, importance_rows=0))
    shop.train_ranker(fast, log=lambda _: None)
    shop.train_ranker(fast, log=lambda _: None)
    registry = ranker_registry(data)
    current = registry.current()
    assert current is not None
    other = next(v for v in registry.versions() if v != current[0])
    serving = Serving(shop.settings)
    try:
        assert serving.ranking_stage is not None and serving.ranking_stage.ranker.version == current[0]
        shop.serve_model_version("ranker", other)  # published by another process
        serving.catch_up()
        assert serving.ranking_stage is not None and serving.ranking_stage.ranker.version == other
    finally:
        serving.close()

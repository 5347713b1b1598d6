"""A shopper the published CTR/CVR ranking model learned an embedding for is ranked as a new
shopper as soon as they are forgotten, before any retraining: their digest leaves the loaded
model and every saved version."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.privacy import actor_digest
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


def _answer(shop: Shelfwise, user: str, request_id: str) -> list[tuple[str, float | None]]:
    """The hits and the model's click probability for each (what the user embedding moves)."""
    result = shop.serve_search(SearchRequest(query="lamp", user_id=user, page_size=10), request_id)
    personal = [hit.explanation.personal if hit.explanation else None for hit in result.hits]
    return [(hit.product.product_id, None if p is None else p.p_click)
            for hit, p in zip(result.hits, personal, strict=True)]  # fmt: skip


def test_a_forgotten_shopper_is_new_to_the_published_ranker(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing")))
    products = generate_demo_catalog(200, seed=5)
    shop.upsert_products(products)
    shop.open_index()
    config = ClosedLoopSimulation(n_shoppers=200, days=10, seed=5, end=END)
    result = simulate_closed_loop(products, config, ShelfwiseRanker(shop, fallback=TextMatchRanker(
        shop_catalog(products, config))))  # fmt: skip
    shop.record_events(list(result.events))
    training = TrainingConfig(epochs=2, batch_size=256, seed=1, importance_rows=0)
    ranker_config = CtrCvrRankerConfig(model=ModelConfig(), training=training)
    artifact = shop.train_ranker(ranker_config, log=lambda _: None)
    assert artifact.published
    known = shop.ranking_stage.ranker.builder.known_users
    user = next(e.user_id for e in result.events if e.user_id and actor_digest(f"user:{e.user_id}") in known)
    saved = Path(artifact.path) / "known_users.npy"
    assert actor_digest(f"user:{user}") in np.load(saved)

    assert _answer(shop, user, "r-known") != _answer(shop, "never-seen-shopper", "r-new-0")

    report = shop.forget_shopper(user)
    assert report.ranking_models == 1 and report.events > 0
    assert actor_digest(f"user:{user}") not in shop.ranking_stage.ranker.builder.known_users
    assert actor_digest(f"user:{user}") not in np.load(saved)
    assert len(np.load(saved)) == len(known) - 1
    assert _answer(shop, user, "r-forgotten") == _answer(shop, "never-seen-shopper", "r-new")
    shop.close()

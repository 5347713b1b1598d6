"""Issue 26 (a): a product added while the service runs is scored by the ranking model from its
own fields at once (not as the empty row, pCVR 0, until a restart), in search and in
recommendations, and a changed price reaches the model's features."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.experiments.settings import StageSettings
from shelfwise.personalize.provider import ProfileFeatures
from shelfwise.rank import ModelConfig, RankContext, RankingStage
from shelfwise.rank.search_stage import rank_recommendations
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig
from shelfwise.recommend.live import Recommended
from shelfwise.records import Product, SearchRequest
from shelfwise.service import Shelfwise
from shelfwise.simulate.loop import (
    ClosedLoopSimulation,
    ShelfwiseRanker,
    TextMatchRanker,
    shop_catalog,
    simulate_closed_loop,
)

END = datetime(2026, 6, 1, tzinfo=UTC)
TWIN = "SW-000006"  # a product the model was trained on; the new one is its namesake


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shelfwise]:
    """A 400-product shop whose ranking model learned from simulated shoppers, loaded and serving."""
    data = Path(tmp_path_factory.mktemp("live-catalog")) / "data"
    shop = Shelfwise(Settings(data_dir=data, encoder=EncoderConfig(name="hashing")))
    products = generate_demo_catalog(400, seed=3)
    shop.upsert_products(products)
    shop.open_index()
    config = ClosedLoopSimulation(n_shoppers=800, days=30, seed=3, end=END)
    feed = TextMatchRanker(shop_catalog(products, config))
    logged = simulate_closed_loop(products, config, ShelfwiseRanker(shop, fallback=feed))
    shop.record_events(list(logged.events))
    training = TrainingConfig(epochs=8, batch_size=256, seed=1, importance_rows=0)
    ranker_config = CtrCvrRankerConfig(model=ModelConfig(), training=training)
    artifact = shop.train_ranker(ranker_config, log=lambda _: None)
    assert artifact.published
    assert shop.ranking_stage is not None  # loaded now, as a server loads it at start
    yield shop
    shop.close()


def namesake(shop: Shelfwise, product_id: str, words: str) -> Product:
    twin = shop.get_product(TWIN)
    assert twin is not None
    return twin.model_copy(update={"product_id": product_id, "title": f"{twin.title} {words}"})


def restarted_scores(shop: Shelfwise, ids: list[str], context: RankContext) -> tuple[np.ndarray, np.ndarray]:
    """What the same model gives these products when loaded afresh from today's catalog."""
    products = list(shop.store.iter_products())
    stage = RankingStage.active(
        shop.settings.data_dir,
        products,
        shop.encoder.encode_products(products),
        shop.encoder,
        ProfileFeatures(shop.profiles),
    )
    assert stage is not None
    scores = stage.score(ids, context)
    return scores.pctr, scores.pcvr


def test_a_product_added_while_serving_is_found_first_with_a_prior_like_its_namesake(shop: Shelfwise) -> None:
    new = namesake(shop, "NC-HP", "Zebra Stripe")
    shop.upsert_products([new])
    result = shop.serve_search(SearchRequest(query=new.title, page_size=50, explain=True), "new-product")
    ranks = {hit.product.product_id: hit for hit in result.hits}
    assert "NC-HP" in ranks and ranks["NC-HP"].rank <= 3
    evidence = ranks["NC-HP"].explanation.personal  # type: ignore[union-attr]
    assert evidence is not None and evidence.stage == "model"
    assert evidence.p_conversion is not None and evidence.p_conversion > 0
    # scored as a restart would score it, and within a factor of its namesake the model knows
    stage, context = shop.ranking_stage, RankContext(query=new.title)
    live = stage.score(["NC-HP", TWIN], context)
    pctr, pcvr = restarted_scores(shop, ["NC-HP", TWIN], context)
    np.testing.assert_allclose(live.pctr, pctr, rtol=1e-5)
    np.testing.assert_allclose(live.pcvr, pcvr, rtol=1e-5)
    twin_title = shop.ranking_stage.score(["NC-HP", TWIN], RankContext(query=shop.get_product(TWIN).title))
    assert 0.2 < twin_title.pctcvr[0] / twin_title.pctcvr[1] < 5


def test_recommendations_rank_a_new_product_as_a_restarted_service_would(shop: Shelfwise) -> None:
    """This shop's simulation logs search impressions only, so the model knows nothing of the
    recommend surface: what must hold is that a new product is scored there from its fields,
    the same as after a restart, and that the final order is the restarted one."""
    new = namesake(shop, "NC-REC", "Tiger Stripe")
    shop.upsert_products([new])
    final = shop._recommendation_stage(StageSettings(), "recommend", None, "s-1", END, 10)
    assert final is not None
    kin = [p for p in shop.store.iter_products() if p.category == new.category and p.product_id != TWIN]
    others = kin[:8]
    pool = [shop.get_product(TWIN), *others, shop.get_product("NC-REC")]
    found = [Recommended(p, 1.0 - i / 20, "popular", "popularity", None) for i, p in enumerate(pool) if p]
    context = RankContext(actor="session:s-1", surface="recommend", at=END)
    ids = [r.product_id for r in found]
    live = shop.ranking_stage.score(ids, context)
    pctr, pcvr = restarted_scores(shop, ids, context)
    np.testing.assert_allclose(live.pctr, pctr, rtol=1e-5)
    np.testing.assert_allclose(live.pcvr, pcvr, rtol=1e-5)
    products = list(shop.store.iter_products())
    restarted = RankingStage.active(
        shop.settings.data_dir,
        products,
        shop.encoder.encode_products(products),
        shop.encoder,
        ProfileFeatures(shop.profiles),
    )
    assert restarted is not None
    expected = rank_recommendations(found, restarted, context, shop._blend("conversion"), 10)
    assert [r.product_id for r in final(found)] == [r.product_id for r in expected]


def test_a_changed_price_reaches_the_models_features(shop: Shelfwise) -> None:
    twin = shop.get_product(TWIN)
    assert twin is not None and twin.price is not None
    stage = shop.ranking_stage
    catalog = stage.ranker.builder.catalog
    before = stage.score([TWIN], RankContext(query=twin.title))
    shop.upsert_products([twin.model_copy(update={"price": twin.price * 20})])
    after = shop.ranking_stage.score([TWIN], RankContext(query=twin.title))
    row = catalog.row_of([TWIN])[0]
    assert catalog.price[row] == pytest.approx(twin.price * 20)
    assert catalog.log_price[row] == pytest.approx(np.log1p(twin.price * 20))
    assert after.pctr[0] != before.pctr[0]
    pctr, pcvr = restarted_scores(shop, [TWIN], RankContext(query=twin.title))
    np.testing.assert_allclose(after.pctr, pctr, rtol=1e-5)
    np.testing.assert_allclose(after.pcvr, pcvr, rtol=1e-5)
    gone = namesake(shop, "NC-GONE", "Discontinued")
    shop.upsert_products([gone])
    shop.delete_products(["NC-GONE"])
    assert shop.ranking_stage is stage and catalog.row_of(["NC-GONE"])[0] == catalog.missing_row


def test_another_processs_write_reaches_the_model_in_the_servers_catch_up(shop: Shelfwise) -> None:
    stage = shop.ranking_stage
    catalog = stage.ranker.builder.catalog
    other = namesake(shop, "NC-CLI", "Leopard Print")
    shop.store.upsert([other])  # `shelfwise ingest` beside the server writes the shared store
    assert catalog.row_of(["NC-CLI"])[0] == catalog.missing_row
    shop.catch_up()  # what the server runs every second
    row = catalog.row_of(["NC-CLI"])[0]
    assert row != catalog.missing_row and catalog.price[row] == other.price
    assert catalog.category[row] == catalog.category[catalog.row_of([TWIN])[0]] > 0

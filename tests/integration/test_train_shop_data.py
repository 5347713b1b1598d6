"""Training jobs read the shop's stores through `ShopData`: on a PostgreSQL shop the encoder job
trains on the catalog store and caches the catalog's vectors in the shop's pgvector table, not in
an `embeddings.db` file of the data folder; its model still goes to the data folder's models/."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.config import Settings
from shelfwise.records import Product
from shelfwise.shop_data import ShopData
from shelfwise.train import EncoderTrainingConfig, train_encoder
from shelfwise.train.sources import catalog_digest, training_products
from tests.judged_set import TITLES, write_judged_set

CATALOG = [Product(product_id=k, title=v) for k, v in TITLES.items()]


@pytest.mark.slow
def test_the_encoder_job_trains_on_a_postgresql_shop_and_caches_its_vectors_there(
    tmp_path: Path, postgres_url: str
) -> None:
    _, judgments = write_judged_set(tmp_path)
    folder = tmp_path / "data"
    settings = Settings(data_dir=folder, store_url=postgres_url, embeddings_url=postgres_url)
    config = EncoderTrainingConfig(epochs=1, batch_size=4, validation_fraction=0.3, distractors=5,
                                   encoder_negatives=2)  # fmt: skip
    lines: list[str] = []
    with ShopData.open(settings) as data:
        data.store.upsert(CATALOG)
        artifact = train_encoder(data, folder, None, judgments, config, log=lines.append)
    assert any(line.startswith("mined hard negatives") for line in lines)  # the cache was used
    assert artifact.products_digest == catalog_digest(CATALOG)
    assert Path(artifact.path).is_relative_to(folder / "models" / "encoder")
    assert not (folder / "embeddings.db").exists() and not (folder / "catalog.db").exists()
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SELECT count(*), count(DISTINCT model_version) FROM embeddings").fetchone()
    assert row == (len(CATALOG), 1)  # every catalog product, encoded once by the current encoder


def test_products_come_from_the_file_when_given_else_from_the_catalog_store(tmp_path: Path) -> None:
    products, _ = write_judged_set(tmp_path)
    with ShopData.open(Settings(data_dir=tmp_path, store_url="memory://")) as data:
        data.store.upsert(CATALOG[:3])
        from_file = training_products(data, products)
        from_store = training_products(data, None)
    assert sorted(from_file.catalog) == sorted(TITLES) and from_file.source == str(products)
    assert from_store.catalog == {p.product_id: p for p in CATALOG[:3]}
    assert from_store.digest == catalog_digest(reversed(CATALOG[:3])) != catalog_digest(CATALOG)


def test_training_without_products_on_an_empty_catalog_is_an_input_error(tmp_path: Path) -> None:
    _, judgments = write_judged_set(tmp_path)
    result = CliRunner().invoke(
        app, ["train", "reranker", "--judgments", str(judgments), "--data-dir", str(tmp_path / "data")]
    )
    assert result.exit_code == 2 and "the shop's catalog is empty" in result.output
    assert not (tmp_path / "data" / "models").exists()

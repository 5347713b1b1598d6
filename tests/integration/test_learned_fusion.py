"""Learned fusion end to end with the hashing encoder: `train fusion` learns what weighted fusion
cannot see (here: the judged-relevant products are the long, descriptive titles, while BM25 and
cosine prefer the short ones), publishes only when it wins on held-out queries, and hybrid search
then ranks with it and says so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.bench import open_products_shop, train_fusion
from shelfwise.cli import app
from shelfwise.config import EncoderConfig, Settings
from shelfwise.records import SearchRequest
from shelfwise.train import FusionTrainingConfig, active_fusion

QUERIES = 80
LONG = "deluxe heavy duty steel frame kit"


def _word(i: int, part: str) -> str:
    return f"{part}{chr(97 + i % 26)}{chr(97 + i // 26)}"


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("fusion")
    products, judgments = ["product_id\ttitle\n"], ["query_id\tquery\tproduct_id\trelevance\n"]
    for i in range(QUERIES):
        a, b = _word(i, "zor"), _word(i, "vex")
        products += [f"s{i}\t{a} {b}\n", f"l{i}\t{a} {b} {LONG}\n", f"p{i}\t{a} gadget\n"]
        judgments += [f"q{i}\t{a} {b}\ts{i}\t1\n", f"q{i}\t{a} {b}\tl{i}\t3\n", f"q{i}\t{a} {b}\tp{i}\t1\n"]
    (root / "products.tsv").write_text("".join(products))
    (root / "judgments.tsv").write_text("".join(judgments))
    return root, root / "products.tsv", root / "judgments.tsv"


def _settings(root: Path) -> Settings:
    return Settings(data_dir=root / "data", encoder=EncoderConfig(name="hashing"))


CONFIG = FusionTrainingConfig(min_data_in_leaf=5, trees=200, early_stopping_rounds=30, threads=1, refit=True)


def test_training_learns_what_weighted_fusion_misses(files: tuple[Path, Path, Path]) -> None:
    root, products, judgments = files
    artifact = train_fusion(_settings(root), products, judgments, CONFIG, log=lambda _: None)
    report = artifact.report
    assert report.validation_queries + report.train_queries == QUERIES and report.validation_queries >= 10
    assert report.validation_ndcg10_weighted < 0.8  # the short exact titles come first
    assert report.validation_ndcg10_learned > 0.95
    assert artifact.published
    assert abs(sum(report.feature_importance.values()) - 1.0) < 1e-3
    model = active_fusion(root / "data", "hashing-trigram-256")
    assert model is not None and model.version == artifact.version
    # a second run without refitting does not beat the active one (same data, same seed)
    plain = CONFIG.model_copy(update={"refit": False})  # the default
    first = train_fusion(_settings(root), products, judgments, plain, log=lambda _: None)
    again = train_fusion(_settings(root), products, judgments, plain, log=lambda _: None)
    assert first.published and not again.published
    assert active_fusion(root / "data", "hashing-trigram-256").version == first.version  # type: ignore[union-attr]
    # a refitted model learned from the held-out queries too: the next run is judged against
    # weighted fusion alone, not against it
    said: list[str] = []
    refit_settings = Settings(data_dir=root / "data-refit", encoder=EncoderConfig(name="hashing"))
    refitted = train_fusion(refit_settings, products, judgments, CONFIG, log=lambda _: None)
    after = train_fusion(refit_settings, products, judgments, CONFIG, log=said.append)
    assert refitted.published and after.published
    assert any("compared with weighted fusion only" in line for line in said)


def test_hybrid_search_ranks_with_the_learned_fusion(files: tuple[Path, Path, Path]) -> None:
    root, products, judgments = files
    if active_fusion(root / "data", "hashing-trigram-256") is None:
        train_fusion(_settings(root), products, judgments, CONFIG, log=lambda _: None)
    shop = open_products_shop(_settings(root), products, log=lambda _: None).shop
    try:
        query = f"{_word(3, 'zor')} {_word(3, 'vex')}"
        learned = shop.search(SearchRequest(query=query, explain=True))
        assert learned.hits[0].product.product_id == "l3"
        assert learned.hits[0].explanation is not None and learned.hits[0].explanation.fusion == "learned"
        weighted = shop.search(SearchRequest(query=query, explain=True, fusion="weighted"))
        assert weighted.hits[0].product.product_id == "s3"
        assert weighted.hits[0].explanation.fusion == "weighted"  # type: ignore[union-attr]
        lexical = shop.search(SearchRequest(query=query, mode="lexical"))
        assert lexical.hits[0].product.product_id == "s3"
    finally:
        shop.close()


def test_another_encoder_does_not_use_the_model(files: tuple[Path, Path, Path]) -> None:
    root, products, judgments = files
    if active_fusion(root / "data", "hashing-trigram-256") is None:
        train_fusion(_settings(root), products, judgments, CONFIG, log=lambda _: None)
    said: list[str] = []
    assert active_fusion(root / "data", "another-encoder", said.append) is None
    assert "another-encoder" in said[0]


def test_a_model_from_an_older_version_falls_back_to_weighted_fusion(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, products, judgments = files
    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing"))
    artifact = train_fusion(settings, products, judgments, CONFIG, log=lambda _: None)
    manifest = Path(artifact.path) / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"title_precision"', '"retired_feature"'))
    said: list[str] = []
    assert active_fusion(settings.data_dir, "hashing-trigram-256", said.append) is None
    assert "train fusion" in said[0]
    again = train_fusion(settings, products, judgments, CONFIG, log=lambda _: None)  # not blocked by it
    assert again.published


def test_train_fusion_command(files: tuple[Path, Path, Path], tmp_path: Path) -> None:
    _, products, judgments = files
    result = CliRunner().invoke(
        app,
        [
            "train",
            "fusion",
            "--products",
            str(products),
            "--judgments",
            str(judgments),
            "--candidates",
            "50",
            "--threads",
            "1",
            "--data-dir",
            str(tmp_path / "data"),
        ],
        env={"SHELFWISE_ENCODER__NAME": "hashing"},
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.output[result.output.index("{\n") :])
    assert body["report"]["rows"] <= QUERIES * 50
    assert body["encoder"] == "hashing-trigram-256"


def test_the_encoders_held_out_queries_split_into_both_parts() -> None:
    """Same seed, larger fraction: without its own salt the fusion split would put every query
    the encoder held out on the validation side, leaving nothing to train on."""
    from shelfwise.evaluate.trec import Judgments
    from shelfwise.train.early_stopping import hold_out_queries
    from shelfwise.train.fusion import SPLIT_SALT

    judgments = Judgments.from_grades({f"q{i}": {"p": 3.0} for i in range(2000)})
    _, encoder_held = hold_out_queries(judgments, 0.15, 13)
    training, validation = hold_out_queries(encoder_held, 0.25, 13 + SPLIT_SALT)
    assert len(training) > 0.6 * len(encoder_held) and len(validation) > 0.15 * len(encoder_held)


def test_queries_the_encoder_trained_on_can_be_left_out(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    from shelfwise.train.fusion import ENCODER_QUERIES_FILE
    from shelfwise.train.jobs import encoder_registry

    _, products, judgments = files
    settings = Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing"))
    registry = encoder_registry(settings.data_dir)
    version, folder = registry.new_version()
    trained_on = [f"{_word(i, 'zor')} {_word(i, 'vex')}" for i in range(10)]
    (folder / ENCODER_QUERIES_FILE).write_text(json.dumps(trained_on))
    registry.publish(version)
    config = CONFIG.model_copy(update={"exclude_encoder_queries": True})
    said: list[str] = []
    report = train_fusion(settings, products, judgments, config, log=said.append).report
    assert report.excluded_encoder_queries == 10
    assert report.train_queries + report.validation_queries == QUERIES - 10
    assert any("left out 10 of 80 queries" in line for line in said)
    kept = train_fusion(settings, products, judgments, CONFIG, log=lambda _: None).report
    assert kept.excluded_encoder_queries == 0


def test_tree_shapes_start_with_the_configured_one() -> None:
    from shelfwise.train.fusion import TREE_SHAPES, tree_shapes

    own = FusionTrainingConfig(leaves=31, min_data_in_leaf=100)
    assert tree_shapes(own)[0] == {"leaves": 31, "min_data_in_leaf": 100}
    assert len(tree_shapes(own)) == len(TREE_SHAPES)  # the configured shape is not tried twice
    assert tree_shapes(own.model_copy(update={"shape_search": False})) == [tree_shapes(own)[0]]


def test_without_a_products_file_fusion_learns_over_the_shops_own_catalog(
    files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    from shelfwise.evaluate.tables import product_from_row, read_products_tsv
    from shelfwise.service import Shelfwise
    from shelfwise.train.sources import catalog_digest

    _, products, judgments = files
    settings = Settings(data_dir=tmp_path / "shop", encoder=EncoderConfig(name="hashing"))
    catalog = [product_from_row(row) for row in read_products_tsv(products)]
    shop = Shelfwise(settings)
    try:
        shop.upsert_products(catalog)
    finally:
        shop.close()
    artifact = train_fusion(settings, None, judgments, CONFIG, log=lambda _: None)
    assert artifact.products_digest == catalog_digest(catalog) and artifact.published
    assert artifact.report.validation_ndcg10_learned > 0.95
    assert not (tmp_path / "shop" / "bench").exists()  # no work folder: the shop's own index
    model = active_fusion(tmp_path / "shop", "hashing-trigram-256")
    assert model is not None and model.version == artifact.version

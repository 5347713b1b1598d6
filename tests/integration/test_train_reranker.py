"""The cross-encoder end to end on a tiny judged set: it trains, saves, becomes active, reranks
search results, and scores a pairs file through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.config import RerankConfig, Settings
from shelfwise.models.reranker import CrossEncoderReranker
from shelfwise.records import Product, SearchRequest
from shelfwise.service import Shelfwise
from shelfwise.shop_data import ShopData
from shelfwise.train import RerankerTrainingConfig, active_reranker_path, train_reranker
from tests.judged_set import MORE_QUERIES, TITLES, write_judged_set
from tests.judged_set import QUERIES as EIGHT_QUERIES

pytestmark = pytest.mark.slow

QUERIES = EIGHT_QUERIES + MORE_QUERIES


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    root = tmp_path_factory.mktemp("reranker")
    products, judgments = write_judged_set(root, QUERIES)
    config = RerankerTrainingConfig(
        epochs=8,
        batch_size=8,
        learning_rate=1e-4,
        validation_fraction=0.2,
        mined_negatives=1,
        mined_from_rank=0,
        early_stopping=False,
        threads=2,
    )
    with ShopData.open(Settings(data_dir=root / "data")) as data:
        artifact = train_reranker(data, root / "data", products, judgments, config, log=lambda _: None)
    report = artifact.report
    assert report.pairs >= 20 and report.steps >= 20 and report.validation_queries >= 1
    return root, products, judgments


def test_training_learns_the_judged_order(trained: tuple[Path, Path, Path]) -> None:
    root, _, _ = trained
    folder = Path(next((root / "data" / "models" / "reranker" / "versions").iterdir()))
    model = CrossEncoderReranker(folder)
    agree = total = 0
    for _, query, grades in QUERIES:
        ids = list(grades)
        predicted = model.score(query, [TITLES[p] for p in ids])
        assert np.all((predicted >= 1.0) & (predicted <= 3.0))
        for i, a in enumerate(ids):
            for j, b in enumerate(ids):
                if grades[a] - grades[b] > 0.3:
                    total += 1
                    agree += predicted[i] > predicted[j]
    assert agree / total >= 0.75, f"{agree}/{total} judged pairs in the right order"


def test_trained_model_is_active_only_if_it_beat_bm25(trained: tuple[Path, Path, Path]) -> None:
    root, _, _ = trained
    manifest = json.loads(
        next((root / "data" / "models" / "reranker" / "versions").glob("*/manifest.json")).read_text()
    )
    report = manifest["training"]["report"]
    published = report["validation_ndcg10_after"] > report["validation_ndcg10_bm25"]
    assert manifest["training"]["published"] is published
    assert (active_reranker_path(root / "data") is not None) is published


def test_reranker_reorders_search_and_explains(trained: tuple[Path, Path, Path], minilm) -> None:
    root, _, _ = trained
    folder = next((root / "data" / "models" / "reranker" / "versions").iterdir())
    rerank = RerankConfig(model_path=str(folder), top_k=3, fused_weight=0.0)
    settings = Settings(data_dir=root / "shop", rerank=rerank)
    shop = Shelfwise(settings, encoder=minilm)
    try:
        shop.upsert_products([Product(product_id=k, title=v) for k, v in TITLES.items()])
        shop.open_index()
        assert shop.health().reranker is not None
        result = shop.search(SearchRequest(query="tape measure", page_size=8))
        plain = shop.search(SearchRequest(query="tape measure", page_size=8, rerank=False))
        head = result.hits[:3]
        assert all(h.explanation is not None and h.explanation.rerank_grade is not None for h in head)
        assert [h.score for h in head] == [h.explanation.rerank_grade for h in head if h.explanation]
        assert [h.score for h in head] == sorted((h.score for h in head), reverse=True)
        scores = [h.score for h in result.hits]
        assert scores == sorted(scores, reverse=True)  # hits below the reranked head stay below
        assert all(h.explanation is not None and h.explanation.rerank_grade is None for h in plain.hits)
        ids = [h.product.product_id for h in plain.hits]
        assert {h.product.product_id for h in head} == set(ids[:3])  # only the head is reordered
        assert [h.product.product_id for h in result.hits[3:]] == ids[3:]
    finally:
        shop.close()


def test_bench_and_eval_relevance_commands(trained: tuple[Path, Path, Path]) -> None:
    root, products, judgments = trained
    folder = Path(next((root / "data" / "models" / "reranker" / "versions").iterdir()))
    pairs = root / "pairs.tsv"
    pairs.write_text(
        "query_id\tquery\tproduct_id\n"
        + "".join(f"{q}\t{text}\t{p}\n" for q, text, grades in QUERIES for p in grades)
        + "q99\tmystery\tnot-a-product\n"
    )
    out = root / "scores.tsv"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "bench",
            "relevance",
            "--products",
            str(products),
            "--pairs",
            str(pairs),
            "--out",
            str(out),
            "--model",
            str(folder),
        ],
    )
    assert result.exit_code == 0, result.output
    assert '"unknown_products": 1' in result.output
    lines = out.read_text().splitlines()
    judged = sum(len(grades) for _, _, grades in QUERIES)
    assert lines[0] == "query_id\tproduct_id\tscore" and len(lines) == 1 + judged + 1
    result = runner.invoke(app, ["eval", "relevance", "--judgments", str(judgments), "--scores", str(out)])
    assert result.exit_code == 0, result.output
    assert f'"pairs": {judged}' in result.output and '"missing": 0' in result.output


def test_bench_relevance_without_a_model_says_how_to_get_one(tmp_path: Path) -> None:
    products = tmp_path / "p.tsv"
    products.write_text("product_id\ttitle\n1\tx\n")
    pairs = tmp_path / "c.tsv"
    pairs.write_text("query_id\tquery\tproduct_id\nq\tx\t1\n")
    result = CliRunner().invoke(
        app,
        [
            "bench",
            "relevance",
            "--products",
            str(products),
            "--pairs",
            str(pairs),
            "--out",
            str(tmp_path / "s.tsv"),
            "--data-dir",
            str(tmp_path / "d"),
        ],
    )
    assert result.exit_code != 0 and "train reranker" in " ".join(result.output.replace("│", " ").split())


def test_class_labels_train_a_class_head(tmp_path: Path) -> None:
    from shelfwise.evaluate.trec import Judgments
    from shelfwise.models import bundled_minilm_path
    from shelfwise.models.reranker import RELEVANCE_CLASSES
    from shelfwise.train import RerankerTrainer

    products = {k: Product(product_id=k, title=v) for k, v in TITLES.items()}
    judgments = Judgments(
        queries={q: text for q, text, _ in QUERIES}, grades={q: grades for q, _, grades in QUERIES}
    )
    labels = {
        (q, p): "exact" if g >= 2.9 else "substitute" if g >= 2 else "irrelevant"
        for q, _, grades in QUERIES
        for p, g in grades.items()
    }
    config = RerankerTrainingConfig(
        epochs=2, batch_size=8, validation_fraction=0.2, mined_negatives=0, early_stopping=False, threads=2
    )
    trainer = RerankerTrainer.from_base(bundled_minilm_path(), config, RELEVANCE_CLASSES, log=lambda _: None)
    report = trainer.fit(judgments, products, labels)
    assert report.classes == list(RELEVANCE_CLASSES)
    trainer.save(tmp_path / "model")
    prediction = CrossEncoderReranker(tmp_path / "model").predict(["tape measure"], [TITLES["9"]])
    assert prediction.class_probabilities is not None
    assert prediction.class_probabilities.shape == (1, 4)
    assert abs(float(prediction.class_probabilities.sum()) - 1.0) < 1e-5
    assert prediction.label(0) in RELEVANCE_CLASSES
    for runtime, int8, tolerance in (("onnx", False, 1e-3), ("onnx", True, 0.25)):
        onnx = CrossEncoderReranker(tmp_path / "model", runtime=runtime, int8=int8)
        got = onnx.predict(["tape measure"], [TITLES["9"]])
        assert got.class_probabilities is not None
        np.testing.assert_allclose(got.grades, prediction.grades, atol=tolerance)
        np.testing.assert_allclose(got.class_probabilities, prediction.class_probabilities, atol=tolerance)


def test_onnx_runtime_scores_like_torch_and_int8_ranks_alike(trained: tuple[Path, Path, Path]) -> None:
    root = trained[0]
    folder = next((root / "data" / "models" / "reranker" / "versions").iterdir())
    queries = [text for _, text, grades in QUERIES for _ in grades]
    texts = [TITLES[p] for _, _, grades in QUERIES for p in grades]
    torch_grades = CrossEncoderReranker(folder).predict(queries, texts).grades
    fp32 = CrossEncoderReranker(folder, runtime="onnx")
    assert fp32.version == CrossEncoderReranker(folder).version  # same scores, same version
    np.testing.assert_allclose(fp32.predict(queries, texts).grades, torch_grades, atol=1e-3)
    assert (folder / "onnx" / "reranker.fp32.onnx").is_file()
    int8 = CrossEncoderReranker(folder, runtime="onnx", int8=True)
    assert int8.version.endswith("+onnx-int8")
    int8_grades = int8.predict(queries, texts).grades
    assert np.abs(int8_grades - torch_grades).max() < 0.25
    assert np.corrcoef(int8_grades, torch_grades)[0, 1] > 0.95
    size = (folder / "onnx" / "reranker.int8.onnx").stat().st_size
    assert size < (folder / "onnx" / "reranker.fp32.onnx").stat().st_size / 3
    from shelfwise.models import load_reranker

    loaded = load_reranker(RerankConfig(runtime="onnx", int8=True), folder)
    assert loaded is not None and loaded.runtime == "onnx" and loaded.version == int8.version
    two_threads = load_reranker(RerankConfig(runtime="onnx", int8=True, threads=2), folder)
    assert two_threads is not None and two_threads.version == int8.version  # same grades
    np.testing.assert_allclose(two_threads.predict(queries, texts).grades, int8_grades, atol=1e-4)
    session = two_threads._onnx_scorer()._session
    assert session.get_session_options().intra_op_num_threads == 2


def test_a_student_keeps_fewer_layers_learns_from_the_teacher_and_loads(
    trained: tuple[Path, Path, Path],
) -> None:
    from shelfwise.train import DistillationConfig, train_reranker_student

    root, products, judgments = trained
    teacher = next((root / "data" / "models" / "reranker" / "versions").iterdir())
    config = DistillationConfig(
        layers=2,
        max_length=24,
        extra_candidates=2,
        max_relative_loss=0.99,  # tiny data: publish it
        training=RerankerTrainingConfig(
            epochs=4,
            batch_size=8,
            learning_rate=1e-4,
            validation_fraction=0.2,
            mined_negatives=1,
            mined_from_rank=0,
            early_stopping=False,
            threads=2,
        ),
    )
    lines: list[str] = []
    with ShopData.open(Settings(data_dir=root / "data")) as data:
        artifact = train_reranker_student(data, root / "data", products, judgments, config,
                                          teacher=teacher, log=lines.append)  # fmt: skip
    report = artifact.report
    assert report.layers_kept == [0, 5] and report.teacher_layers == 6
    assert report.teacher_graded_pairs > report.pairs - 1 and report.student.steps >= 4
    assert artifact.published and active_reranker_path(root / "data") == Path(artifact.path)
    student = CrossEncoderReranker(Path(artifact.path))
    assert student.network.backbone.config.num_hidden_layers == 2
    assert len(student.network.backbone.encoder.layer) == 2
    assert student.spec.max_length == 24  # it reads shorter inputs than its teacher (64)
    grades = student.score("tape measure", [TITLES["9"], TITLES["5"]])
    assert grades.shape == (2,) and np.all((grades >= 1) & (grades <= 3))
    assert any("held-out NDCG@10: teacher" in line for line in lines)
    strict = DistillationConfig(max_relative_loss=0.0)
    from shelfwise.train.distill import student_is_good_enough

    better_teacher = report.student.validation_ndcg10_after + 0.1
    worse = report.model_copy(update={"teacher_validation_ndcg10": better_teacher})
    assert not student_is_good_enough(worse, strict)


def test_a_serving_cap_on_input_tokens_truncates_and_names_itself(trained: tuple[Path, Path, Path]) -> None:
    folder = next((trained[0] / "data" / "models" / "reranker" / "versions").iterdir())
    full = CrossEncoderReranker(folder, runtime="onnx", int8=True)
    capped = CrossEncoderReranker(folder, runtime="onnx", int8=True, max_length=12)
    assert capped.spec.max_length == 12 and capped.version == full.version + "+len12"
    assert CrossEncoderReranker(folder, max_length=512).version == CrossEncoderReranker(folder).version
    text = TITLES["9"] + " with a belt clip, a magnetic hook and a shock-absorbing rubber case"
    grades = capped.score("tape measure", [text, text + " for contractors", TITLES["9"]])
    assert grades[0] == pytest.approx(grades[1], abs=1e-6)  # both cut after 12 tokens
    assert full.score("tape measure", [text])[0] != pytest.approx(grades[0], abs=1e-6)


def test_kept_layers_are_evenly_spaced_and_end_with_the_last() -> None:
    from shelfwise.train.distill import kept_layers

    assert kept_layers(6, 3) == [0, 2, 5] and kept_layers(12, 4) == [0, 4, 7, 11]
    assert kept_layers(6, 1) == [5] and kept_layers(6, 6) == list(range(6))
    with pytest.raises(ValueError, match="1 to 6"):
        kept_layers(6, 7)

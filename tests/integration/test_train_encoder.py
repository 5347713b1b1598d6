"""Fine-tuning the bundled MiniLM on a tiny judged set: it learns, saves, and becomes active."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.models import load_encoder
from shelfwise.shop_data import ShopData
from shelfwise.train import EncoderTrainingConfig, active_encoder_path, train_encoder
from tests.judged_set import write_judged_set

pytestmark = pytest.mark.slow


def test_train_encoder_publishes_a_model_the_service_loads(tmp_path: Path) -> None:
    products, judgments = write_judged_set(tmp_path)
    config = EncoderTrainingConfig(
        epochs=2, batch_size=4, validation_fraction=0.3, distractors=5, learning_rate=5e-5, patience=4
    )
    with ShopData.open(Settings(data_dir=tmp_path / "data")) as data:
        artifact = train_encoder(data, tmp_path / "data", products, judgments, config, log=lambda _: None)
    report = artifact.report
    assert report.validation_queries >= 1 and report.examples >= 8
    assert [h["step"] for h in report.history] == sorted(h["step"] for h in report.history)
    assert Path(artifact.path, "shelfwise_manifest.json").is_file()
    active = active_encoder_path(tmp_path / "data")
    checkpoint = tmp_path / "data" / "models" / "encoder" / "checkpoints"
    if report.validation_ndcg10_after > report.validation_ndcg10_before:
        progress = json.loads((checkpoint / "progress.json").read_text())
        assert progress["step"] == report.best_step and progress["history"]
        onnx = tmp_path / "onnx"  # where the int8 encoder exports its graph
        resumed = load_encoder(EncoderConfig(model_path=str(checkpoint / "best")), onnx_root=onnx)
        assert resumed.encode(["angle bracket"]).shape == (1, 384)
        assert active == Path(artifact.path)
        encoder = load_encoder(EncoderConfig(), active, onnx)
        assert encoder.version.startswith("fine-tuned:")
        assert encoder.encode(["angle bracket"]).shape == (1, 384)
    else:
        assert active is None and not (checkpoint / "best").exists()


def test_a_teacher_grades_the_mined_negatives_first(tmp_path: Path) -> None:
    from shelfwise.models import bundled_minilm_path
    from shelfwise.models.reranker import RelevanceNetwork, RerankerSpec

    products, judgments = write_judged_set(tmp_path)
    teacher = tmp_path / "teacher"  # untrained heads: its grades mean nothing, the path is what runs
    RelevanceNetwork.from_base(bundled_minilm_path(), RerankerSpec()).save(teacher)
    config = EncoderTrainingConfig(epochs=1, batch_size=4, validation_fraction=0.3, distractors=5,
                                   teacher_candidates=3)  # fmt: skip
    lines: list[str] = []
    with ShopData.open(Settings(data_dir=tmp_path / "data")) as data:
        artifact = train_encoder(data, tmp_path / "data", products, judgments, config, log=lines.append,
                                 teacher=teacher)  # fmt: skip
    graded = [line for line in lines if line.startswith("the teacher graded")]
    assert graded and "mined products" in graded[0]
    assert artifact.report.examples >= 5

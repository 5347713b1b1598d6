"""Fine-tuning the bundled MiniLM on a tiny judged set: it learns, saves, and becomes active."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.config import EncoderConfig, Settings
from shelfwise.models import load_encoder
from shelfwise.shop_data import ShopData
from shelfwise.train import EncoderTrainingConfig, active_encoder_path, train_encoder

pytestmark = pytest.mark.slow

TITLES = {
    "1": "Simpson Strong-Tie 12-Gauge Angle",
    "2": "Everbilt 3 in. Zinc-Plated Corner Brace",
    "3": "BEHR Premium Textured DeckOver 1-gal. Tugboat",
    "4": "Rust-Oleum Deck Restore Paint",
    "5": "Moen Rain Shower Head Chrome",
    "6": "Delta Single Handle Shower Faucet",
    "7": "Charlotte Pipe 1/2 in. x 10 ft. PVC Pipe",
    "8": "SharkBite 1/2 in. Push-to-Connect Elbow",
    "9": "Husky 25 ft. Tape Measure",
    "10": "DEWALT 20V Cordless Drill",
}
QUERIES = [
    ("q1", "angle bracket", {"1": 3, "2": 2.67, "9": 1}),
    ("q2", "deck paint", {"3": 3, "4": 2.67, "10": 1}),
    ("q3", "rain shower head", {"5": 3, "6": 2, "7": 1}),
    ("q4", "pvc pipe", {"7": 3, "8": 2.33, "5": 1}),
    ("q5", "tape measure", {"9": 3, "1": 1}),
    ("q6", "cordless drill", {"10": 3, "9": 1}),
    ("q7", "corner brace", {"2": 3, "1": 2.33, "3": 1}),
    ("q8", "shower faucet", {"6": 3, "5": 2.33, "8": 1}),
]


def _write_judged_set(folder: Path) -> tuple[Path, Path]:
    products = folder / "products.tsv"
    products.write_text("product_id\ttitle\n" + "".join(f"{k}\t{v}\n" for k, v in TITLES.items()))
    judgments = folder / "judgments.tsv"
    judgments.write_text(
        "query_id\tquery\tproduct_id\trelevance\n"
        + "".join(f"{q}\t{text}\t{p}\t{g}\n" for q, text, grades in QUERIES for p, g in grades.items())
    )
    return products, judgments


def test_train_encoder_publishes_a_model_the_service_loads(tmp_path: Path) -> None:
    products, judgments = _write_judged_set(tmp_path)
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

    products, judgments = _write_judged_set(tmp_path)
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

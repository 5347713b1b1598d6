"""A document student of the bundled MiniLM: it learns to place catalog texts where the encoder
does, is published only when close enough, and is then served for catalog texts only."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from shelfwise.cli import app
from shelfwise.config import EncoderConfig, Settings
from shelfwise.models import SentenceTransformerEncoder, SplitEncoder, load_encoder, onnx_root_of
from shelfwise.shop_data import ShopData
from shelfwise.train import (
    DocumentStudentConfig,
    active_document_student,
    data_dir_encoder,
    train_encoder_student,
)

pytestmark = pytest.mark.slow

BRANDS = ["Husky", "DEWALT", "Moen", "BEHR", "Everbilt", "Delta"]
THINGS = [
    "Cordless Drill",
    "Shower Head",
    "Deck Paint",
    "Corner Brace",
    "Tape Measure",
    "PVC Elbow",
    "Ceiling Fan",
    "Door Hinge",
]
DETAILS = ["in Chrome", "1-gal.", "20V", "25 ft.", "3 in. Zinc-Plated", "with Light Kit"]


def _catalog(folder: Path) -> tuple[Path, Path]:
    products = folder / "products.tsv"
    rows = [f"{b} {t} {d}" for b, t, d in itertools.product(BRANDS, THINGS, DETAILS)]
    products.write_text("product_id\ttitle\n" + "".join(f"p{i}\t{r}\n" for i, r in enumerate(rows)))
    judgments = folder / "judgments.tsv"
    lines = []
    for q, thing in enumerate(THINGS):
        for i, row in enumerate(rows):
            if thing in row and i % 3 == 0:
                lines.append(f"q{q}\t{thing.lower()}\tp{i}\t3\n")
    judgments.write_text("query_id\tquery\tproduct_id\trelevance\n" + "".join(lines))
    return products, judgments


def test_a_student_far_from_the_encoder_is_kept_but_not_served(tmp_path: Path) -> None:
    products, _ = _catalog(tmp_path)
    config = DocumentStudentConfig(layers=1, epochs=1, batch_size=16, held_out=40, min_cosine=0.9999)
    with ShopData.open(Settings(data_dir=tmp_path / "data")) as data:
        artifact = train_encoder_student(data, tmp_path / "data", products, config, log=lambda _: None)
    assert not artifact.published and Path(artifact.path, "shelfwise_manifest.json").is_file()
    assert active_document_student(tmp_path / "data") is None
    assert isinstance(data_dir_encoder(EncoderConfig(), tmp_path / "data"), SentenceTransformerEncoder)


def test_the_student_learns_is_published_and_encodes_only_the_catalog(tmp_path: Path) -> None:
    products, judgments = _catalog(tmp_path)
    data = tmp_path / "data"
    result = CliRunner().invoke(app, [
        "train", "encoder-student", "--products", str(products), "--judgments", str(judgments),
        "--layers", "1", "--epochs", "3", "--min-cosine", "0.5", "--max-relative-loss", "0.9",
        "--data-dir", str(data),
    ])  # fmt: skip
    assert result.exit_code == 0, result.output
    artifact = json.loads(result.output[result.output.index("{\n") :])
    report = artifact["report"]
    assert artifact["published"] and report["layers_kept"] == [5] and report["teacher_layers"] == 6
    assert report["held_out_cosine_after"] > report["held_out_cosine_before"] + 0.05
    assert report["judged_queries"] == len(THINGS)
    assert 0 < report["vector_ndcg10_student"] <= 1 and 0 < report["vector_ndcg10_teacher"] <= 1

    served = data_dir_encoder(EncoderConfig(), data)
    plain = load_encoder(EncoderConfig(), None, onnx_root_of(data))
    assert isinstance(served, SplitEncoder) and served.version != plain.version
    texts = ["Husky Cordless Drill 20V", "Moen Shower Head in Chrome"]
    np.testing.assert_allclose(served.encode(texts[:1], kind="query"), plain.encode(texts[:1], kind="query"))
    student = load_encoder(EncoderConfig(precision="fp32", query_runtime="torch", document_runtime="torch"),
                           active_document_student(data))  # fmt: skip
    cosines = (served.encode(texts) * student.encode(texts)).sum(axis=1)
    assert cosines.min() > 0.97  # the student's own vectors (int8 as served)
    assert ((served.encode(texts) * plain.encode(texts)).sum(axis=1) < 0.9999).all()  # not the encoder's
    off = data_dir_encoder(EncoderConfig(document_student=False), data)
    assert off.version == plain.version

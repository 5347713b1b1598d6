"""Queries through the encoder, catalog texts through its document student."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shelfwise.models import HashingEncoder, SentenceTransformerEncoder, SplitEncoder, bundled_minilm_path
from shelfwise.models.split_encoder import TEACHER_FILE, teacher_of, with_document_student


def test_each_kind_goes_to_its_side_and_the_pair_has_a_version_of_its_own() -> None:
    queries, documents = HashingEncoder(64), HashingEncoder(64)
    split = SplitEncoder(queries, documents, "student-1")
    text = ["cordless drill 18v"]
    assert split.version == "hashing-trigram-64+docs:student-1" != queries.version
    assert split.dim == 64
    np.testing.assert_array_equal(split.encode(text, kind="query"), queries.encode(text))
    seen: list[str] = []

    class Recording(HashingEncoder):
        def encode(self, texts, kind="document", progress=False):  # noqa: ANN001, ANN202
            seen.append(kind)
            return super().encode(texts, kind, progress)

    split = SplitEncoder(queries, Recording(64), "student-1")
    split.encode(text)  # a single product's text (a real-time update) is still a document
    split.encode(text * 100, kind="document")
    assert seen == ["document", "document"]


def test_a_student_of_another_size_is_refused() -> None:
    with pytest.raises(ValueError, match="16-d vectors, the encoder 64-d"):
        SplitEncoder(HashingEncoder(64), HashingEncoder(16), "student")


def test_a_student_is_used_only_with_the_encoder_it_was_distilled_from(tmp_path: Path) -> None:
    encoder = SentenceTransformerEncoder(bundled_minilm_path())  # loads nothing until it encodes
    student = tmp_path / "student"
    student.mkdir()
    made: list[Path] = []

    def make(folder: Path) -> HashingEncoder:
        made.append(folder)
        return HashingEncoder(encoder.dim)

    assert teacher_of(student) is None
    assert with_document_student(encoder, student, make) is encoder  # no teacher recorded
    (student / TEACHER_FILE).write_text(json.dumps({"teacher_network": "fine-tuned:old@123"}))
    assert with_document_student(encoder, student, make) is encoder and not made
    (student / TEACHER_FILE).write_text(json.dumps({"teacher_network": encoder.network_version}))
    split = with_document_student(encoder, student, make)
    assert isinstance(split, SplitEncoder) and made == [student]
    assert split.version.startswith(encoder.version + "+docs:")

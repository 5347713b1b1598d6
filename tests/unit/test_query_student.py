"""The cross-lingual query student: features, the pickle-free artifact, a tiny training that
must move vectors toward their targets, and search as before when no student is published."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shelfwise.config import FusionConfig, UnderstandingConfig
from shelfwise.models import CachedEncoder, HashingEncoder
from shelfwise.models.query_student import QueryStudent, StudentManifest, bucket_ids, ngrams
from shelfwise.published_models import load_query_student, query_student_registry
from shelfwise.query.translate import Translation
from shelfwise.search.cross_lingual import CrossLingual, Translated
from shelfwise.store import MemoryEmbeddingCache
from shelfwise.train.query_student import QueryStudentConfig, fit, teacher_vectors


def _student(buckets: int = 64, hidden: int = 8, dim: int = 12, teacher: str = "t@1") -> QueryStudent:
    rng = np.random.default_rng(0)
    manifest = StudentManifest(teacher, buckets, 3, dim, hidden)
    return QueryStudent(manifest, rng.normal(size=(buckets, hidden)).astype(np.float32),
                        rng.normal(size=(hidden, dim)).astype(np.float32))  # fmt: skip


def test_ngrams_read_han_runs_and_latin_words() -> None:
    grams = ngrams("无线电钻 18V ＤＲＩＬＬ")
    assert {"无", "无线", "无线电", "电钻", "线电钻"} <= set(grams)
    assert "无线电钻" not in grams
    assert {"#18v", "#drill"} <= set(grams)
    assert ngrams("") == [] and ngrams("😀！") == []
    assert bucket_ids("电钻", 97).tolist() == bucket_ids("电钻", 97).tolist()
    assert all(0 <= b < 97 for b in bucket_ids("电钻 drill", 97).tolist())


def test_encode_shapes_and_norms() -> None:
    student = _student()
    vectors = student.encode(["电钻", "drill", "😀"])
    assert vectors.shape == (3, 12) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-5)
    assert not vectors[2].any() and not student.reads("😀")


def test_save_load_round_trip_and_tampering(tmp_path: Path) -> None:
    student = _student()
    student.save(tmp_path / "s")
    loaded = QueryStudent.load(tmp_path / "s")
    assert loaded.manifest == student.manifest
    assert np.array_equal(loaded.encode(["喷水器"]), student.encode(["喷水器"]))
    np.save(tmp_path / "s" / "table.npy", np.zeros((64, 8), np.float32), allow_pickle=False)
    with pytest.raises(ValueError, match="table.npy"):
        QueryStudent.load(tmp_path / "s")
    with pytest.raises(ValueError, match="no query student manifest"):
        QueryStudent.load(tmp_path / "missing")
    with pytest.raises(ValueError, match="do not match"):
        QueryStudent(student.manifest, student.table[:10], student.projection)


def test_a_tiny_training_moves_vectors_toward_their_targets() -> None:
    words = ["电钻", "水管", "灯泡", "油漆", "地毯", "门锁", "风扇", "梯子"]
    rng = np.random.default_rng(1)
    targets = rng.normal(size=(len(words), 16)).astype(np.float32)
    targets /= np.linalg.norm(targets, axis=1, keepdims=True)
    config = QueryStudentConfig(buckets=512, hidden=16, epochs=60, batch_size=8, learning_rate=0.05)
    untrained = fit(words, targets, config.__class__(**{**config.__dict__, "epochs": 0}), "t", lambda _: None)
    trained = fit(words, targets, config, "t", lambda _: None)
    before = np.sum(untrained.encode(words) * targets, axis=1)
    after = np.sum(trained.encode(words) * targets, axis=1)
    assert after.mean() > before.mean() + 0.5
    assert (np.argmax(trained.encode(words) @ targets.T, axis=1) == np.arange(len(words))).all()
    assert trained.manifest.teacher == "t" and trained.manifest.pairs == len(words)


def test_teacher_vectors_are_cached(tmp_path: Path) -> None:
    calls: list[int] = []

    def encode(texts):  # type: ignore[no-untyped-def]
        calls.append(len(texts))
        return np.ones((len(texts), 4), np.float32)

    cache = tmp_path / "teacher.npy"
    first = teacher_vectors(["drill", "hose"], encode, cache, lambda _: None)
    again = teacher_vectors(["drill", "hose"], encode, cache, lambda _: None)
    assert calls == [2] and np.array_equal(first, again)
    teacher_vectors(["drill", "lamp"], encode, cache, lambda _: None)
    assert calls == [2, 2]


def test_an_absent_or_foreign_student_leaves_search_as_it_was(tmp_path: Path) -> None:
    messages: list[str] = []
    assert load_query_student(tmp_path, "t@1", messages.append) is None
    registry = query_student_registry(tmp_path)
    version, folder = registry.new_version()
    _student(teacher="other@2").save(folder)
    registry.publish(version)
    assert load_query_student(tmp_path, "t@1", messages.append) is None
    assert messages and "other@2" in messages[0]
    assert load_query_student(tmp_path, "other@2", messages.append) is not None
    (folder / "projection.npy").write_bytes(b"not an array")
    assert load_query_student(tmp_path, "other@2", messages.append) is None
    assert "projection.npy" in messages[-1]


def test_cross_lingual_blends_only_with_a_student() -> None:
    encoder = HashingEncoder(dim=12)
    xling = CrossLingual(CachedEncoder(encoder, MemoryEmbeddingCache()))
    translation = Translation(query="喷水器", text="sprinkler", words=())
    vector = encoder.encode(["sprinkler"], kind="query")[0]
    off = UnderstandingConfig(translated_vector_weight=0)
    assert xling.retrieval(translation, off) == Translated(None, None)
    assert xling.blend(vector, xling.retrieval(translation, off)) is vector
    with pytest.raises(ValueError, match="cannot serve"):
        xling.use_student(_student(teacher="other"))
    xling.use_student(_student(teacher=encoder.version), 0.5)
    translated = xling.retrieval(translation, off)
    assert translated is not None and translated.student is not None and translated.student.shape == (12,)
    assert xling.retrieval(None, off) is None
    assert xling.retrieval(Translation(query="drill", text="电钻", words=()), off) is None
    mixed = xling.blend(vector, translated)
    assert np.isclose(np.linalg.norm(mixed), 1.0, atol=1e-5)
    assert float(mixed @ translated.student) > float(vector @ translated.student)


def test_a_translated_query_gets_its_own_vector_weight() -> None:
    xling = CrossLingual(CachedEncoder(HashingEncoder(dim=12), MemoryEmbeddingCache()))
    translation = Translation(query="喷水器", text="sprinkler", words=())
    fusion = FusionConfig()
    translated = xling.retrieval(translation, UnderstandingConfig(translated_vector_weight=0.6))
    assert translated is not None
    weighted = translated.fusion(fusion)
    assert (weighted.vector_weight, weighted.lexical_weight) == (0.6, pytest.approx(0.4))
    assert Translated(None, None).fusion(fusion) is fusion

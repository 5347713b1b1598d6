"""The models a data folder has published, as serving loads them: the active fine-tuned encoder
(with its ONNX exports and document student), the active cross-encoder reranker, the learned
fusion trained with the served encoder and the cross-lingual query student. Training writes these
versions (`shelfwise.train`); serving only reads them, so a server process never imports a
trainer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from shelfwise.config import EncoderConfig
from shelfwise.index import IndexVersions
from shelfwise.models import Encoder, load_encoder, onnx_root_of
from shelfwise.models.query_student import QueryStudent
from shelfwise.search.learned_fusion import LearnedFusion

Log = Callable[[str], None]


def encoder_registry(data_dir: Path) -> IndexVersions:
    """Versioned encoder folders with an atomic CURRENT pointer (the same mechanism as indexes)."""
    return IndexVersions(data_dir / "models" / "encoder")


def active_encoder_path(data_dir: Path) -> Path | None:
    current = encoder_registry(data_dir).current()
    return None if current is None else current[1]


def encoder_student_registry(data_dir: Path) -> IndexVersions:
    """Versioned document students of the bi-encoder (`train encoder-student`)."""
    return IndexVersions(data_dir / "models" / "encoder-student")


def active_document_student(data_dir: Path) -> Path | None:
    current = encoder_student_registry(data_dir).current()
    return None if current is None else current[1]


def data_dir_encoder(config: EncoderConfig, data_dir: Path) -> Encoder:
    """The encoder a data folder serves: its active fine-tuned model (else the bundled one), its
    ONNX exports, and its published document student when that was distilled from this encoder."""
    return load_encoder(config, active_encoder_path(data_dir), onnx_root_of(data_dir),
                        active_document_student(data_dir))  # fmt: skip


def reranker_registry(data_dir: Path) -> IndexVersions:
    return IndexVersions(data_dir / "models" / "reranker")


def active_reranker_path(data_dir: Path) -> Path | None:
    current = reranker_registry(data_dir).current()
    return None if current is None else current[1]


def fusion_registry(data_dir: Path) -> IndexVersions:
    return IndexVersions(data_dir / "models" / "fusion")


def active_fusion(data_dir: Path, encoder_version: str, log: Log | None = None) -> LearnedFusion | None:
    """The data folder's published learned fusion, if it was trained with `encoder_version`."""
    current = fusion_registry(data_dir).current()
    if current is None:
        return None
    try:
        model = LearnedFusion.load(current[1])
    except ValueError as error:  # trained by an older version with other features
        if log is not None:
            log(f"{error}; weighted fusion is used meanwhile")
        return None
    if model.encoder_version != encoder_version:
        if log is not None:
            log(
                f"learned fusion {model.version} was trained with encoder {model.encoder_version}, "
                f"not {encoder_version}: weighted fusion is used until `shelfwise train fusion` runs again"
            )
        return None
    return model


def query_student_registry(data_dir: Path) -> IndexVersions:
    """Versioned query students under the data folder."""
    return IndexVersions(data_dir / "models" / "query-student")


def active_query_student(data_dir: Path) -> Path | None:
    current = query_student_registry(data_dir).current()
    return None if current is None else current[1]


def load_query_student(data_dir: Path, teacher_version: str, log: Log) -> QueryStudent | None:
    """The data folder's published query student when there is one and it was distilled from
    `teacher_version` (another encoder's student, or one whose files do not check, is skipped
    with a message: search goes on without it); else None."""
    folder = active_query_student(data_dir)
    if folder is None:
        return None
    try:
        student = QueryStudent.load(folder)
    except ValueError as error:
        log(f"query student {folder.name} unused: {error}")
        return None
    if student.manifest.teacher != teacher_version:
        log(
            f"query student {folder.name} was distilled from {student.manifest.teacher}, "
            f"not {teacher_version}: unused"
        )
        return None
    return student

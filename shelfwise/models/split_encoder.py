"""Queries through the bi-encoder, catalog texts through a smaller student of it.

A catalog is encoded in bulk (every product, again after each new encoder), queries one at a time.
The document student (`shelfwise train encoder-student`, train/encoder_student.py) keeps a few of
the encoder's layers and is trained to put each catalog text where the full encoder would; queries
still go through the full encoder, so they keep its understanding, and the two meet in the same
vector space. The pair has a version of its own (catalog vectors differ from the full encoder's),
so an index, an embedding cache entry or a learned fusion made for one is never used for the other.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from shelfwise.models.encoder import Encoder, SentenceTransformerEncoder, TextKind

logger = logging.getLogger(__name__)


class SplitEncoder:
    """`queries` encodes kind="query" texts, `documents` (the student) everything else."""

    def __init__(self, queries: Encoder, documents: Encoder, student_id: str) -> None:
        if queries.dim != documents.dim:
            raise ValueError(f"the document student makes {documents.dim}-d vectors, "
                             f"the encoder {queries.dim}-d: they cannot share an index")  # fmt: skip
        self.queries = queries
        self.documents = documents
        self._version = f"{queries.version}+docs:{student_id}"

    @property
    def version(self) -> str:
        return self._version

    @property
    def dim(self) -> int:
        return self.queries.dim

    @property
    def runtime(self) -> str:
        """For reports: where each side runs."""

        def runtime_of(encoder: Encoder) -> str:
            return str(getattr(encoder, "runtime", type(encoder).__name__))

        return f"queries {runtime_of(self.queries)}; documents {runtime_of(self.documents)} (student)"

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        side = self.queries if kind == "query" else self.documents
        return side.encode(texts, kind=kind, progress=progress)


TEACHER_FILE = "document_student.json"
"""Written into a student's folder by its training: {"teacher_network": the encoder's network version}."""


def teacher_of(student_folder: Path) -> str | None:
    """The network version of the encoder a document student was distilled from (None if unknown)."""
    try:
        value = json.loads((student_folder / TEACHER_FILE).read_text(encoding="utf-8")).get("teacher_network")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, str) else None


def with_document_student(
    encoder: SentenceTransformerEncoder, student_folder: Path, make_student: Callable[[Path], Encoder]
) -> Encoder:
    """`encoder` with catalog texts going through the student at `student_folder`, when that
    student was distilled from this very network; otherwise `encoder` alone (with a warning: the
    student belongs to an encoder that is no longer active, and `train encoder-student` makes one
    for this one)."""
    teacher = teacher_of(student_folder)
    if teacher != encoder.network_version:
        logger.warning("document student %s was distilled from %s, not from the active encoder %s; "
                       "catalog texts use the encoder itself", student_folder, teacher,
                       encoder.network_version)  # fmt: skip
        return encoder
    student = make_student(student_folder)
    return SplitEncoder(encoder, student, student.version)

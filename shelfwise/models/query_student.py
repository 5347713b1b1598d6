"""A cross-lingual query student: Chinese text -> a vector in the bi-encoder's (English) space.

Multilingual knowledge distillation (Reimers & Gurevych, 2020) at its cheapest: the student reads
a query as a bag of hashed character n-grams (Han runs: 1- to 3-grams; Latin words and numbers
whole, lower case), averages their rows of an embedding table and projects the mean into the
teacher's dimension. It is trained (`shelfwise.train.query_student`) so that the student's vector
of a Chinese headword lies close to the teacher's vector of its English senses: a Chinese query
can then be searched against the catalog's existing English vectors, with no re-encoding.

Inference is numpy only (no torch). The artifact is pickle-free: `table.npy`, `projection.npy`
(float32, read with allow_pickle=False) and `manifest.json` (teacher version, hashing settings,
SHA-256 of each array file).
"""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.artifact_files import file_sha256

FORMAT = "shelfwise-query-student/1"
MANIFEST = "manifest.json"
_ARRAYS = ("table", "projection")
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
_LATIN = re.compile(r"[a-z0-9]+")


def ngrams(text: str, longest: int = 3) -> list[str]:
    """The student's features of a text: every 1..`longest` gram of each Han run (a run of one
    letter gives that letter), and each Latin word or number whole, marked with a leading "#"."""
    folded = unicodedata.normalize("NFKC", text).lower()
    out: list[str] = []
    for run in _HAN_RUN.findall(folded):
        for size in range(1, longest + 1):
            out.extend(run[i : i + size] for i in range(len(run) - size + 1))
    out.extend("#" + word for word in _LATIN.findall(_HAN_RUN.sub(" ", folded)))
    return out


def bucket_ids(text: str, buckets: int, longest: int = 3) -> np.ndarray:
    """The hashed rows of a text's n-grams (CRC-32, stable across processes and machines)."""
    grams = ngrams(text, longest)
    return np.array([zlib.crc32(g.encode("utf-8")) % buckets for g in grams], dtype=np.int64)


@dataclass(frozen=True)
class StudentManifest:
    """What a student artifact is: the teacher whose space it maps into and its features."""

    teacher: str
    """the teacher encoder's version: the student only applies where the index uses it"""
    buckets: int
    longest: int
    dim: int
    hidden: int
    pairs: int = 0
    """training pairs it was distilled from (for reports)"""
    source: str = ""


@dataclass(frozen=True)
class QueryStudent:
    """Bag of hashed n-grams -> mean row of `table` -> `projection` -> L2-normalised vector."""

    manifest: StudentManifest
    table: np.ndarray
    """(buckets, hidden) float32"""
    projection: np.ndarray
    """(hidden, dim) float32"""

    def __post_init__(self) -> None:
        m = self.manifest
        if self.table.shape != (m.buckets, m.hidden) or self.projection.shape != (m.hidden, m.dim):
            raise ValueError(
                f"query student arrays {self.table.shape} and {self.projection.shape} do not match "
                f"the manifest's buckets={m.buckets}, hidden={m.hidden}, dim={m.dim}"
            )

    def reads(self, text: str) -> bool:
        """Whether the text has any feature the student reads."""
        return bool(ngrams(text, self.manifest.longest))

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) L2-normalised float32 vectors; a text without features gets zeros."""
        m = self.manifest
        out = np.zeros((len(texts), m.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            rows = bucket_ids(text, m.buckets, m.longest)
            if rows.size:
                vector = self.table[rows].mean(axis=0) @ self.projection
                norm = float(np.linalg.norm(vector))
                out[i] = vector / norm if norm > 0 else vector
        return out

    def save(self, folder: Path) -> None:
        """Write the arrays and the manifest (with their SHA-256) into `folder`."""
        folder.mkdir(parents=True, exist_ok=True)
        digests = {}
        for name in _ARRAYS:
            path = folder / f"{name}.npy"
            np.save(path, np.ascontiguousarray(getattr(self, name), dtype=np.float32), allow_pickle=False)
            digests[name] = file_sha256(path)
        body = {"format": FORMAT, **self.manifest.__dict__, "sha256": digests}
        (folder / MANIFEST).write_text(json.dumps(body, indent=1), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> QueryStudent:
        """A saved student; a missing file, another format or a changed array raises ValueError."""
        path = folder / MANIFEST
        if not path.is_file():
            raise ValueError(f"no query student manifest at {path}")
        body = json.loads(path.read_text(encoding="utf-8"))
        if body.pop("format", None) != FORMAT:
            raise ValueError(f"{path}: not a {FORMAT} artifact")
        digests = body.pop("sha256", {})
        arrays = {}
        for name in _ARRAYS:
            array_path = folder / f"{name}.npy"
            if not array_path.is_file() or digests.get(name) != file_sha256(array_path):
                raise ValueError(f"{array_path}: missing or not the array its manifest names")
            arrays[name] = np.load(array_path, allow_pickle=False).astype(np.float32, copy=False)
        return cls(StudentManifest(**body), arrays["table"], arrays["projection"])


__all__ = ["QueryStudent", "StudentManifest", "bucket_ids", "ngrams"]

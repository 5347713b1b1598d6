"""The vector index's files: the state of a saved folder, its delta files (read and checked),
and the atomic writes every file goes through (a temporary name, fsync, os.replace). The folder
layout is described in vector.py."""

from __future__ import annotations

import os
import uuid
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import faiss
import numpy as np

MAX_DELTAS = 256
DELTA_PATTERN = "delta-*.npz"


@dataclass(frozen=True)
class SavedState:
    """What the folder at `path` holds: the whole save `token` (made at `layout`), then `deltas`
    delta files holding `delta_rows` rows between them, up to row count `rows`."""

    path: Path
    token: str
    layout: int
    rows: int
    deltas: int
    delta_rows: int


@dataclass(frozen=True)
class Delta:
    """One delta file: rows appended from `first_row` on (an empty id for a row already
    tombstoned), flat rows replaced in place, rows tombstoned."""

    path: Path
    first_row: int
    ids: list[str | None]
    vectors: np.ndarray
    replaced_rows: np.ndarray
    replaced_vectors: np.ndarray
    dead_rows: np.ndarray

    def check_rows(self, rows: int) -> None:
        """ValueError unless this delta follows an index of `rows` rows."""
        if self.first_row != rows:
            raise ValueError(f"{self.path}: starts at row {self.first_row}, the index has {rows}")
        after = rows + len(self.ids)
        if len(self.dead_rows) and (self.dead_rows.min() < 0 or self.dead_rows.max() >= after):
            raise ValueError(f"{self.path}: a tombstoned row outside the index's {after} rows")
        if len(self.replaced_rows) and (self.replaced_rows.min() < 0 or self.replaced_rows.max() >= rows):
            raise ValueError(f"{self.path}: a replaced row outside the index's {rows} rows")


def delta_name(number: int) -> str:
    return f"delta-{number:05d}.npz"


def read_deltas(path: Path, token: str, dim: int) -> list[Delta]:
    """The delta files that follow the whole save `token`, in order; files of another token are
    left over from before that save. ValueError for a damaged file or a gap in the numbers."""
    deltas: list[Delta] = []
    numbers = sorted(int(p.stem[6:]) for p in path.glob(DELTA_PATTERN) if p.stem[6:].isdigit())
    for number in numbers:
        file = path / delta_name(number)
        try:
            with np.load(file, allow_pickle=False) as data:
                if str(data["token"]) != token:
                    continue
                arrays = {name: data[name] for name in data.files}
        except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError) as error:
            raise ValueError(f"{file}: unreadable vector index delta ({error})") from error
        if number != len(deltas) + 1:
            raise ValueError(f"{file}: delta {number} follows delta {len(deltas)}; one is missing")
        deltas.append(_delta_of(file, arrays, dim))
    return deltas


def _delta_of(file: Path, arrays: dict[str, np.ndarray], dim: int) -> Delta:
    try:
        ids: list[str | None] = [str(pid) or None for pid in arrays["ids"].tolist()]
        vectors = np.ascontiguousarray(arrays["vectors"], dtype=np.float32)
        replaced_rows = arrays["replaced_rows"].astype(np.int64)
        replaced_vectors = np.ascontiguousarray(arrays["replaced_vectors"], dtype=np.float32)
        delta = Delta(file, int(arrays["first_row"]), ids, vectors, replaced_rows, replaced_vectors,
                       arrays["dead_rows"].astype(np.int64))  # fmt: skip
    except KeyError as error:
        raise ValueError(f"{file}: vector index delta without {error}") from error
    if vectors.shape != (len(ids), dim) or replaced_vectors.shape != (len(replaced_rows), dim):
        raise ValueError(f"{file}: vectors do not match the rows they are for")
    return delta


def file_crc32(path: Path) -> int:
    checksum = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 24):
            checksum = zlib.crc32(chunk, checksum)
    return checksum


def _temp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def atomic_write(path: Path, write: Any) -> None:
    temp = _temp_name(path)
    try:
        with open(temp, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def atomic_write_faiss(path: Path, index: faiss.Index) -> None:
    temp = _temp_name(path)
    try:
        faiss.write_index(index, str(temp))
        with open(temp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)

"""Compact string columns for the graph's node names: one UTF-8 byte blob and an offsets array
(no Python object per node), so a million product ids cost their bytes plus 8 a row. A table
built from sorted strings answers `find` by binary search."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from shelfwise.recommend.artifact import load_array, save_array


@dataclass(frozen=True)
class StringTable(Sequence[str]):
    """Strings by position; `find` needs the table built from sorted strings (`sorted_of`)."""

    blob: np.ndarray  # uint8
    offsets: np.ndarray  # int64, len(strings) + 1

    @classmethod
    def of(cls, values: Sequence[str]) -> StringTable:
        encoded = [value.encode("utf-8") for value in values]
        lengths = np.fromiter((len(e) for e in encoded), dtype=np.int64, count=len(encoded))
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        return cls(np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets)

    @classmethod
    def sorted_of(cls, values: Sequence[str]) -> StringTable:
        """The distinct values in code-point order (the order `find` searches)."""
        return cls.of(sorted(set(values)))

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def __getitem__(self, index: int) -> str:  # type: ignore[override]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        index %= len(self)
        return bytes(self.blob[self.offsets[index] : self.offsets[index + 1]]).decode("utf-8")

    def find(self, value: str) -> int:
        """The position of `value` in a sorted table, -1 if absent."""
        at = bisect.bisect_left(self, value)
        return at if at < len(self) and self[at] == value else -1

    @property
    def nbytes(self) -> int:
        return int(self.blob.nbytes + self.offsets.nbytes)

    def save(self, folder: Path, name: str) -> None:
        save_array(folder, f"{name}.blob", self.blob)
        save_array(folder, f"{name}.offsets", self.offsets)

    @classmethod
    def load(cls, folder: Path, name: str) -> StringTable:
        table = cls(load_array(folder, f"{name}.blob"), load_array(folder, f"{name}.offsets"))
        if len(table.offsets) == 0 or int(table.offsets[-1]) != len(table.blob):
            raise ValueError(f"{folder}: {name} offsets do not match its bytes")
        return table


class Finder(Protocol):
    """Positions of strings, -1 when absent: a sorted `StringTable`, or its build-time `Positions`."""

    def find(self, value: str) -> int: ...

    def __len__(self) -> int: ...


class Positions:
    """A dict over a table's strings, for builds that look up millions of ids (a binary search
    decodes about 20 strings a lookup); dropped once the build is done."""

    def __init__(self, table: StringTable) -> None:
        self._index = {value: i for i, value in enumerate(table)}

    def find(self, value: str) -> int:
        return self._index.get(value, -1)

    def __len__(self) -> int:
        return len(self._index)

"""Sorted word-boundary keys: prefix search over every suggestion from every one of its words.

Each suggestion's folded words are joined with spaces and end with a space ("stainless steel
sink "); it gets one key per word position, the text from that word on, cut to `key_bytes` UTF-8
bytes. Keys live in one sorted fixed-width bytes array, so the suggestions whose words, from some
word on, start with a typed prefix form one contiguous range found by two binary searches. Position
0 marks a match from the first word. A prefix as long as the keys matches a superset, which callers
check against the full text.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

PREFIX_END = b"\xff"  # never in UTF-8, so it sorts after every continuation of a prefix


def _skipped(
    buffer: np.ndarray, space: np.ndarray, positions: np.ndarray, starts: np.ndarray, words: Collection[str]
) -> np.ndarray:
    """Which word positions (not first in their suggestion) hold one of the words."""
    encoded = [word.encode("utf-8") for word in words]
    width = max(len(word) for word in encoded)
    ends = np.flatnonzero(space)
    sizes = ends[np.searchsorted(ends, positions)] - positions
    inner = np.ones(len(positions), dtype=bool)
    inner[np.searchsorted(positions, starts[starts < len(space)])] = False
    candidates = np.flatnonzero(inner & (sizes <= width))
    heads = np.lib.stride_tricks.sliding_window_view(buffer, width)[positions[candidates]]
    heads[np.arange(width)[None, :] >= sizes[candidates][:, None]] = 0
    found = np.isin(
        np.ascontiguousarray(heads).view(f"S{width}").ravel(), np.array(encoded, dtype=f"S{width}")
    )
    skip = np.zeros(len(positions), dtype=bool)
    skip[candidates[found]] = True
    return skip


@dataclass(frozen=True)
class KeyRange:
    lo: int
    hi: int
    complete: bool  # False: the prefix was cut to the key width and the range is a superset

    def __len__(self) -> int:
        return self.hi - self.lo


@dataclass(frozen=True)
class KeyIndex:
    keys: np.ndarray  # S<key_bytes>, sorted
    entry: np.ndarray  # int32 row of the suggestion
    pos: np.ndarray  # uint16 word position where the key starts

    @property
    def key_bytes(self) -> int:
        return int(self.keys.dtype.itemsize)

    def __len__(self) -> int:
        return len(self.keys)

    @classmethod
    def build(
        cls,
        word_lists: Sequence[Sequence[str]],
        key_bytes: int,
        first_entry: int = 0,
        skip_inner: Collection[str] = (),
    ) -> KeyIndex:
        """Keys of every word position; an inner position whose word is in skip_inner gets none."""
        encoded = [(" ".join(found) + " ").encode("utf-8") if found else b"" for found in word_lists]
        lengths = np.fromiter((len(item) for item in encoded), dtype=np.int64, count=len(encoded))
        total = int(lengths.sum())
        if total == 0:
            return cls.empty(key_bytes)
        ends = np.cumsum(lengths)
        starts = ends - lengths
        buffer = np.frombuffer(b"".join(encoded) + bytes(key_bytes), dtype=np.uint8)
        space = buffer[:total] == 32
        word_start = np.ones(total, dtype=bool)
        word_start[1:] = space[:-1]
        positions = np.flatnonzero(word_start)
        if skip_inner:
            positions = positions[~_skipped(buffer, space, positions, starts, skip_inner)]
        rows = np.searchsorted(starts, positions, side="right") - 1
        spaces_before = np.concatenate(([0], np.cumsum(space)))
        word_pos = spaces_before[positions] - spaces_before[starts[rows]]
        sizes = np.minimum(ends[rows] - positions, key_bytes)
        windows = np.lib.stride_tricks.sliding_window_view(buffer, key_bytes)[positions]
        windows[np.arange(key_bytes)[None, :] >= sizes[:, None]] = 0
        keys = np.ascontiguousarray(windows).view(f"S{key_bytes}").ravel()
        order = np.argsort(keys)
        return cls(
            keys=keys[order],
            entry=(rows[order] + first_entry).astype(np.int32),
            pos=np.minimum(word_pos[order], np.iinfo(np.uint16).max).astype(np.uint16),
        )

    @classmethod
    def empty(cls, key_bytes: int) -> KeyIndex:
        return cls(
            np.zeros(0, dtype=f"S{key_bytes}"), np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.uint16)
        )

    def merged(self, other: KeyIndex) -> KeyIndex:
        """Both indexes' keys in one sorted index (other is usually small)."""
        if self.key_bytes != other.key_bytes:
            raise ValueError("key widths differ")
        at = np.searchsorted(self.keys, other.keys, side="right")
        return KeyIndex(
            keys=np.insert(self.keys, at, other.keys),
            entry=np.insert(self.entry, at, other.entry),
            pos=np.insert(self.pos, at, other.pos),
        )

    def prefix_range(self, prefix: bytes) -> KeyRange:
        """Keys that start with prefix."""
        complete = len(prefix) < self.key_bytes
        if not complete:
            prefix = prefix[: self.key_bytes - 1]
        lo = int(np.searchsorted(self.keys, prefix, side="left"))
        hi = int(np.searchsorted(self.keys, prefix + PREFIX_END, side="left"))
        return KeyRange(lo, hi, complete)

    def equal_range(self, key: bytes) -> KeyRange:
        """Keys equal to key, which must be shorter than the key width."""
        if len(key) >= self.key_bytes:
            return KeyRange(0, 0, False)
        lo = int(np.searchsorted(self.keys, key, side="left"))
        hi = int(np.searchsorted(self.keys, key, side="right"))
        return KeyRange(lo, hi, True)

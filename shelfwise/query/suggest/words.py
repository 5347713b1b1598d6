"""Which words each suggestion holds, and which suggestions hold each word (two CSR arrays).

Used when the typed words do not appear next to each other in any suggestion: the rows holding all
of them are an intersection of word postings, and the words of those rows say how the word being
typed is most often completed next to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting: numpy 2.4's hash-based unique is ~100x slower on many distinct ints."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


def _starts(sizes: np.ndarray) -> np.ndarray:
    starts = np.zeros(len(sizes) + 1, dtype=np.int64)
    np.cumsum(sizes, out=starts[1:])
    return starts


@dataclass(frozen=True)
class WordRows:
    row_start: np.ndarray  # int64, rows + 1: row r's words are row_word[row_start[r]:row_start[r + 1]]
    row_word: np.ndarray  # int32 word ids, each word once per row
    word_start: np.ndarray  # int64, words + 1
    word_row: np.ndarray  # int32 rows holding each word, ascending

    @classmethod
    def from_rows(cls, row_start: np.ndarray, row_word: np.ndarray, n_words: int) -> WordRows:
        rows = np.repeat(np.arange(len(row_start) - 1, dtype=np.int32), np.diff(row_start))
        order = np.argsort(row_word, kind="stable")
        word_start = _starts(np.bincount(row_word, minlength=n_words))
        return cls(row_start, row_word, word_start, rows[order])

    @classmethod
    def build(cls, word_lists: Sequence[Sequence[str]], ids: Mapping[str, int]) -> WordRows:
        sizes = np.fromiter(map(len, word_lists), dtype=np.int64, count=len(word_lists))
        flat = list(chain.from_iterable(word_lists))
        words = np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat))
        rows = np.repeat(np.arange(len(word_lists), dtype=np.int64), sizes)
        pairs = sorted_unique(rows * max(len(ids), 1) + words)  # by row, each word once per row
        row_start = _starts(np.bincount(pairs // max(len(ids), 1), minlength=len(word_lists)))
        return cls.from_rows(row_start, (pairs % max(len(ids), 1)).astype(np.int32), len(ids))

    def appended(self, word_lists: Sequence[Sequence[str]], ids: Mapping[str, int]) -> WordRows:
        """Rows added after the existing ones; postings grow in place of a full re-sort."""
        more = WordRows.build(word_lists, ids)
        first_row = len(self.row_start) - 1
        row_start = np.concatenate([self.row_start[:-1], more.row_start + self.row_start[-1]])
        old_start = np.concatenate(
            [self.word_start, np.full(len(ids) + 1 - len(self.word_start), self.word_start[-1])]
        )
        more_words = np.repeat(np.arange(len(ids)), np.diff(more.word_start))
        word_row = np.insert(self.word_row, old_start[more_words + 1], more.word_row + first_row)
        return WordRows(
            row_start=row_start,
            row_word=np.concatenate([self.row_word, more.row_word]),
            word_start=old_start + more.word_start,
            word_row=word_row.astype(np.int32),
        )

    def rows_with(self, word_id: int) -> np.ndarray:
        if word_id + 1 >= len(self.word_start):
            return np.zeros(0, dtype=np.int32)
        return self.word_row[self.word_start[word_id] : self.word_start[word_id + 1]]

    def rows_with_all(self, word_ids: Sequence[int]) -> np.ndarray:
        """Rows holding every one of the words, ascending."""
        postings = sorted((self.rows_with(word_id) for word_id in set(word_ids)), key=len)
        if not postings:
            return np.zeros(0, dtype=np.int32)
        found = postings[0]
        for more in postings[1:]:
            if len(found) == 0:
                break
            found = np.intersect1d(found, more, assume_unique=True)
        return found

    def pairs(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(row, word id) for every word of the given rows."""
        starts = self.row_start[rows]
        sizes = self.row_start[rows + 1] - starts
        total = int(sizes.sum())
        offsets = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return np.repeat(rows, sizes), self.row_word[np.repeat(starts, sizes) + offsets]

"""Frequent title phrases: word n-grams that many product titles share ("stainless steel", "french
door refrigerator"), so that suggestions read like searches rather than 150-character titles.

Counting is vectorised: each title becomes word ids with -1 between segments, an n-gram at a
position gets an id from the (n-1)-gram there plus the next word, and document frequencies come
from unique (title, n-gram) pairs. Longer n-grams are only counted where both of their (n-1)-grams
are frequent. A phrase must start and end with a real word (a letter, two characters, not a
stopword or unit) and is dropped when one longer phrase covers most of its titles ("stainless" when
"stainless steel" is in nearly all the same titles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.query.suggest.text import BREAK
from shelfwise.query.suggest.words import sorted_unique

# words that end a phrase ("... refrigerator in stainless steel")
PHRASE_BREAKS = frozenset({"in", "with", "for", "featuring", "includes", "including", "from"})
# words a phrase may not start or end with: function words and units
EDGE_STOPWORDS = frozenset(
    {
        *("a", "an", "and", "or", "the", "of", "in", "on", "for", "with", "to", "by", "at", "from"),
        *("into", "over", "under", "w", "x", "is", "are", "not", "no", "only", "per", "plus"),
        *("ft", "lb", "lbs", "oz", "gal", "sq", "cu", "mm", "cm", "yd", "qt", "pt", "pk", "ct"),
        *("amp", "amps", "volt", "watt", "btu", "mph", "pc", "pcs"),
    }
)


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]
    products: int


@dataclass(frozen=True, slots=True)
class _Level:
    gram: np.ndarray  # n-gram id starting at each position, -1 where none is counted
    df: np.ndarray  # titles per n-gram id
    first: np.ndarray  # a position where each n-gram id occurs


def _edge_ok(word: str) -> bool:
    return len(word) >= 2 and word not in EDGE_STOPWORDS and any(ch.isalpha() for ch in word)


def _encode(titles: Sequence[Sequence[str]]) -> tuple[list[str], np.ndarray, np.ndarray]:
    flat: list[str] = []
    sizes: list[int] = []
    for title in titles:
        flat.extend(title)
        flat.append(BREAK)
        sizes.append(len(title) + 1)
    vocab = [word for word in dict.fromkeys(flat) if word != BREAK and word not in PHRASE_BREAKS]
    ids = {word: index for index, word in enumerate(vocab)}
    ids.update(dict.fromkeys([BREAK, *PHRASE_BREAKS], -1))
    tokens = np.fromiter(map(ids.__getitem__, flat), dtype=np.int64, count=len(flat))
    owner = np.repeat(np.arange(len(titles), dtype=np.int64), sizes)
    return vocab, tokens, owner


def _document_frequency(gram: np.ndarray, owner: np.ndarray, n_grams: int) -> np.ndarray:
    counted = gram >= 0
    distinct = sorted_unique(owner[counted] * n_grams + gram[counted])
    return np.bincount(distinct % max(n_grams, 1), minlength=n_grams)


def _first_level(tokens: np.ndarray, owner: np.ndarray, n_words: int) -> _Level:
    positions = np.flatnonzero(tokens >= 0)
    first = np.zeros(n_words, dtype=np.int64)
    first[tokens[positions[::-1]]] = positions[::-1]
    return _Level(tokens.copy(), _document_frequency(tokens, owner, n_words), first)


def _next_level(prev: _Level, tokens: np.ndarray, owner: np.ndarray, n: int, min_df: int) -> _Level:
    """n-grams (n >= 2) whose leading and trailing (n-1)-grams are both frequent."""
    size = len(tokens)
    frequent = np.zeros(size, dtype=bool)
    frequent[prev.gram >= 0] = prev.df[prev.gram[prev.gram >= 0]] >= min_df
    positions = np.flatnonzero(frequent[: size - 1] & frequent[1:])
    codes = prev.gram[positions] * (int(tokens.max()) + 1) + tokens[positions + n - 1]
    unique, first, inverse = np.unique(codes, return_index=True, return_inverse=True)
    gram = np.full(size, -1, dtype=np.int64)
    gram[positions] = inverse
    df = _document_frequency(gram, owner, len(unique))
    return _Level(gram, df, positions[first])


def _selected(level: _Level, tokens: np.ndarray, n: int, edge_ok: np.ndarray, min_df: int) -> np.ndarray:
    if len(level.df) == 0:
        return np.zeros(0, dtype=bool)
    keep = (level.df >= min_df) & edge_ok[tokens[level.first]] & edge_ok[tokens[level.first + n - 1]]
    return keep


def extract_phrases(
    titles: Sequence[Sequence[str]],
    min_products: int = 3,
    max_words: int = 4,
    max_phrases: int = 50_000,
    subsume_ratio: float = 0.8,
) -> list[Phrase]:
    """Phrases of 1..max_words words found in at least min_products titles, most frequent first.

    `titles` holds, per title, its folded words with BREAK between segments
    (`text.words_and_breaks`).
    """
    vocab, tokens, owner = _encode(titles)
    if not vocab or max_phrases == 0:
        return []
    edge_ok = np.array([_edge_ok(word) for word in vocab], dtype=bool)
    unigram_ok = edge_ok & np.array([len(word) >= 3 for word in vocab], dtype=bool)
    levels = [_first_level(tokens, owner, len(vocab))]
    for n in range(2, max_words + 1):
        levels.append(_next_level(levels[-1], tokens, owner, n, min_products))
    keeps = [
        _selected(level, tokens, n, unigram_ok if n == 1 else edge_ok, min_products)
        for n, level in enumerate(levels, 1)
    ]
    for n in range(len(levels), 1, -1):
        level, below, keep = levels[n - 1], levels[n - 2], keeps[n - 1]
        covered = np.zeros(len(below.df), dtype=np.int64)
        starts = level.first[keep]
        np.maximum.at(covered, below.gram[starts], level.df[keep])
        np.maximum.at(covered, below.gram[starts + 1], level.df[keep])
        keeps[n - 2] &= covered < subsume_ratio * below.df
    found: list[tuple[int, int, tuple[str, ...]]] = []
    for n, (level, keep) in enumerate(zip(levels, keeps, strict=True), 1):
        starts = level.first[keep]
        grams = tokens[starts[:, None] + np.arange(n)[None, :]].tolist()
        found.extend(
            (-count, n, tuple(vocab[t] for t in gram))
            for count, gram in zip(level.df[keep].tolist(), grams, strict=True)
        )
    found.sort()
    return [Phrase(gram, -count) for count, _, gram in found[:max_phrases]]

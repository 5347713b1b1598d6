"""The words of all suggestions, with a deletion-neighbourhood index for typo tolerance.

For every word and every position i (up to `MAX_VARIANT_CHARS`), the word with its i-th character
deleted goes into a sorted list for position i. A typed word with up to k characters deleted is
then looked up there (SymSpell's symmetric deletion), by equality for a complete word and by prefix
for the word being typed; a typed deletion at j and a word deletion at i is one substitution when
i == j and one transposition when the two characters swap places. Prefix matches are reported as
corrected prefixes ("refridg" -> "refrig", "stel" -> "ste"), so that the key search covers every
word that starts with the correction. With two edits (long words), a double omission or a double
substitution is not found: the index holds single deletions only.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from shelfwise.query.suggest.text import osa_distance, stem

MAX_VARIANT_CHARS = 24
MIN_VARIANT_CHARS = 3
PREFIX_END = "\U0010ffff"
SHORT_PREFIX = 4  # typed prefixes this short look deletions up per position: fewer to filter


@dataclass(frozen=True, slots=True)
class WordOption:
    """A word (or word prefix) to search for in place of what was typed."""

    text: str
    cost: int  # edits from the typed word
    mass: float  # frequency of the most frequent vocabulary word it stands for


def _deletions(word: str, max_edits: int) -> Iterator[tuple[str, tuple[int, ...]]]:
    yield word, ()
    for edits in range(1, max_edits + 1):
        if len(word) - edits < MIN_VARIANT_CHARS - 1:
            return
        for dropped in combinations(range(len(word)), edits):
            kept = [ch for index, ch in enumerate(word) if index not in dropped]
            yield "".join(kept), dropped


def _edit_cost(typed: str, dropped: tuple[int, ...], i: int, target: str) -> int:
    """Edits between typed and target when typed minus `dropped` equals target minus target[i]."""
    if not dropped:
        return 1
    if len(dropped) == 1:
        j = dropped[0]
        if i == j or (abs(i - j) == 1 and i < len(target) and typed[j] == target[i]):
            return 1
        return 2
    return osa_distance(typed, target)


@dataclass(frozen=True)
class _Variants:
    """Words with one character deleted, sorted; `position` is where the character was."""

    text: list[str]
    word: list[str]
    position: list[int]

    @classmethod
    def of(cls, triples: list[tuple[str, int, str]]) -> _Variants:
        triples.sort()
        return cls([t[0] for t in triples], [t[2] for t in triples], [t[1] for t in triples])

    def with_triples(self, triples: list[tuple[str, int, str]]) -> _Variants:
        """A copy with more variants: inserted one by one when few, else sorted again."""
        if len(triples) * 20 > len(self.text):
            return _Variants.of(list(zip(self.text, self.position, self.word, strict=True)) + triples)
        text, word, position = list(self.text), list(self.word), list(self.position)
        for variant, at_char, source in sorted(triples):
            at = bisect_right(text, variant)
            text.insert(at, variant)
            word.insert(at, source)
            position.insert(at, at_char)
        return _Variants(text, word, position)

    def equal(self, typed: str) -> range:
        return range(bisect_left(self.text, typed), bisect_right(self.text, typed))

    def starting(self, typed: str) -> range:
        return range(bisect_left(self.text, typed), bisect_left(self.text, typed + PREFIX_END))


def _triples(words: list[str]) -> tuple[list[tuple[str, int, str]], list[list[tuple[str, int, str]]]]:
    """All single-deletion variants, and those deleting position i for i < SHORT_PREFIX."""
    every: list[tuple[str, int, str]] = []
    short: list[list[tuple[str, int, str]]] = [[] for _ in range(SHORT_PREFIX)]
    for word in words:
        if MIN_VARIANT_CHARS <= len(word) <= MAX_VARIANT_CHARS:
            mine = [(word[:i] + word[i + 1 :], i, word) for i in range(len(word))]
            every.extend(mine)
            for i, triple in enumerate(mine[:SHORT_PREFIX]):
                short[i].append(triple)
    return every, short


class Vocabulary:
    """Words with stable ids (first-seen order) and frequencies, sorted for prefix search.

    Read-only once built; `merged` returns a new one in which old words keep their ids.
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self.by_id = list(self.counts)
        self.ids = {word: index for index, word in enumerate(self.by_id)}
        self.words = sorted(self.by_id)
        self._sort_arrays()
        every, short = _triples(self.words)
        self._variants = _Variants.of(every)
        self._short_variants = [_Variants.of(triples) for triples in short]
        self._stems: dict[str, list[str]] = {}
        for word in self.words:
            self._stems.setdefault(stem(word), []).append(word)

    def _sort_arrays(self) -> None:
        size = len(self.words)
        self.sorted_ids = np.fromiter(map(self.ids.__getitem__, self.words), dtype=np.int64, count=size)
        self.freq = np.fromiter(map(self.counts.__getitem__, self.words), dtype=np.float64, count=size)

    def merged(self, counts: Mapping[str, int]) -> Vocabulary:
        """A vocabulary with these word counts added; only new words are indexed again."""
        fresh = [word for word in dict.fromkeys(counts) if word not in self.counts]
        vocab = Vocabulary.__new__(Vocabulary)
        vocab.counts = dict(self.counts)
        for word, count in counts.items():
            vocab.counts[word] = vocab.counts.get(word, 0) + count
        vocab.by_id = self.by_id + fresh
        vocab.ids = dict(self.ids)
        vocab.ids.update((word, len(self.by_id) + offset) for offset, word in enumerate(fresh))
        vocab.words = sorted(self.words + fresh)
        vocab._sort_arrays()
        every, short = _triples(fresh)
        vocab._variants = self._variants.with_triples(every)
        pairs = zip(self._short_variants, short, strict=True)
        vocab._short_variants = [variants.with_triples(triples) for variants, triples in pairs]
        vocab._stems = dict(self._stems)
        for word in fresh:
            vocab._stems[stem(word)] = [*vocab._stems.get(stem(word), []), word]
        return vocab

    def __len__(self) -> int:
        return len(self.words)

    def _range(self, prefix: str) -> tuple[int, int]:
        return bisect_left(self.words, prefix), bisect_left(self.words, prefix + PREFIX_END)

    def ids_with_prefix(self, prefix: str) -> np.ndarray:
        lo, hi = self._range(prefix)
        return self.sorted_ids[lo:hi]

    def prefix_mass(self, prefix: str) -> float:
        """Frequency of the most frequent word starting with prefix (0 when there is none)."""
        lo, hi = self._range(prefix)
        return float(self.freq[lo:hi].max()) if hi > lo else 0.0

    def word_options(self, word: str, max_edits: int, limit: int) -> list[WordOption]:
        """Words a complete typed word may stand for: itself, its plural/singular, near misses
        (also for known words: search logs hold typos, so 'stainles' is a word of the index)."""
        found: dict[str, int] = {}
        if word in self.counts:
            found[word] = 0
        for sibling in self._stems.get(stem(word), ()):
            found.setdefault(sibling, 0)
        if max_edits and len(word) <= MAX_VARIANT_CHARS + max_edits:
            for typed, dropped in _deletions(word, max_edits):
                if dropped and typed in self.counts:
                    _keep(found, typed, len(dropped))
                variants = self._variants
                for at in variants.equal(typed):
                    cost = _edit_cost(word, dropped, variants.position[at], variants.word[at])
                    if cost <= max_edits:
                        _keep(found, variants.word[at], cost)
        options = [WordOption(text, cost, float(self.counts[text])) for text, cost in found.items()]
        options.sort(key=lambda option: (option.cost, -option.mass, option.text))
        return options[:limit]

    def prefix_options(self, prefix: str, max_edits: int, limit: int) -> list[WordOption]:
        """Corrected prefixes the word being typed may stand for, the exact prefix first."""
        found: dict[str, int] = {}
        lo, hi = self._range(prefix)
        if hi > lo:
            found[prefix] = 0
        if max_edits == 0 or len(prefix) > MAX_VARIANT_CHARS + max_edits:
            return self._ranked_prefixes(found, limit)
        for typed, dropped in _deletions(prefix, max_edits):
            if dropped and self._has_prefix(typed):
                _keep(found, typed, len(dropped))
            size = len(typed)
            if size <= SHORT_PREFIX:
                lookups = [(variants, variants.starting(typed)) for variants in self._short_variants[:size]]
            else:
                lookups = [(self._variants, self._variants.starting(typed))]
            for variants, span in lookups:
                for at in span:
                    i = variants.position[at]
                    if i < size:
                        corrected = variants.word[at][: size + 1]
                        cost = _edit_cost(prefix, dropped, i, corrected)
                        if cost <= max_edits:
                            _keep(found, corrected, cost)
        return self._ranked_prefixes(found, limit)

    def _has_prefix(self, prefix: str) -> bool:
        at = bisect_left(self.words, prefix)
        return at < len(self.words) and self.words[at].startswith(prefix)

    def _ranked_prefixes(self, found: dict[str, int], limit: int) -> list[WordOption]:
        """Drop a prefix covered by a shorter one at no higher cost; order by cost, then frequency."""
        kept: list[WordOption] = []
        for text, cost in sorted(found.items(), key=lambda item: (item[1], len(item[0]), item[0])):
            if any(other.cost <= cost and text.startswith(other.text) for other in kept):
                continue
            kept.append(WordOption(text, cost, self.prefix_mass(text)))
        kept.sort(key=lambda option: (option.cost, -option.mass, option.text))
        return kept[:limit]


def _keep(found: dict[str, int], text: str, cost: int) -> None:
    if cost < found.get(text, cost + 1):
        found[text] = cost

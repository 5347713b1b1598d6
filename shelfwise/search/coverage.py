"""Query-term coverage: the share of a query's analysed terms found in a product's title or brand.

BM25 scaled by the query's best score says how a product compares with the others, not whether it
matches the whole query; coverage adds that absolute signal to weighted fusion.
"""

from __future__ import annotations

import math
from array import array
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from shelfwise.records import Product

Analyzer = Callable[[str], list[str]]
Shapes = tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]
CROSS_TRIGRAMS = 1 << 40
"""trigram ids from here on are "x y" across a gap between two words: this, plus the left word's
last letter id times 2**20, plus the right word's first letter id"""


class TitleTerms:
    """Analysed title and brand terms of every indexed product, kept in step with the index.

    Terms are stored once, as codes: each product keeps the codes of its terms in order, packed as
    32-bit integers (about 70 bytes a product instead of 1.3 KB as tuples and sets of strings,
    which at a million products is the difference between 0.2 and 1.3 GB). Each term also keeps
    how many titles hold it, for its inverse document frequency.
    """

    def __init__(self, analyze: Analyzer) -> None:
        self._analyze = analyze
        self._codes: dict[str, int] = {}
        self._words: list[str] = []
        self._titles: dict[str, bytes] = {}
        self._df = array("I")
        """titles holding each term code"""
        self.shapes = WordShapes(self)

    def update(self, products: Iterable[Product]) -> None:
        for product in products:
            self._forget(product.product_id)
            codes = array("I", [self._code(t) for t in self._analyze(f"{product.title} {product.brand}")])
            for code in set(codes):
                self._df[code] += 1
            self._titles[product.product_id] = codes.tobytes()

    def remove(self, product_ids: Iterable[str]) -> None:
        for pid in product_ids:
            self._forget(pid)

    def idf(self, term: str) -> float:
        """log(1 + titles / titles holding the term); a term no title holds gets the highest."""
        code = self._codes.get(term)
        held = self._df[code] if code is not None else 0
        return math.log(1.0 + len(self._titles) / max(held, 1))

    def document_frequency(self, term: str) -> int:
        """How many titles (with their brands) hold the analysed term."""
        code = self._codes.get(term)
        return int(self._df[code]) if code is not None else 0

    def ordered_terms(self, product_id: str) -> list[str]:
        """The title's and brand's analysed terms in their order (empty for an unknown id)."""
        return self._ordered(product_id)

    def codes_of(self, product_id: str) -> bytes:
        """The title's and brand's term codes in order, packed as native 32-bit integers."""
        return self._titles.get(product_id, b"")

    def code_of(self, term: str) -> int | None:
        return self._codes.get(term)

    def word(self, code: int) -> str:
        return self._words[code]

    @property
    def vocabulary(self) -> int:
        """How many term codes there are (codes run from 0)."""
        return len(self._words)

    def __len__(self) -> int:
        return len(self._titles)

    def packed_titles(self) -> Iterable[bytes]:
        """Every product's term codes, packed as in `codes_of` (in no particular order)."""
        return self._titles.values()

    def analyze(self, text: str) -> frozenset[str]:
        return frozenset(self._analyze(text))

    def analyze_in_order(self, text: str) -> tuple[str, ...]:
        """The text's analysed terms in their order, repeats kept."""
        return tuple(self._analyze(text))

    def terms_of(self, product_id: str) -> frozenset[str]:
        return frozenset(self._ordered(product_id))

    def pairs_of(self, product_id: str) -> frozenset[tuple[str, str]]:
        """Adjacent term pairs of the title and brand, for phrase matches."""
        ordered = self._ordered(product_id)
        return frozenset(zip(ordered, ordered[1:], strict=False))

    def coverage(self, query: str, product_ids: Sequence[str]) -> dict[str, float]:
        """product id -> fraction of the query's distinct terms in its title or brand."""
        wanted = frozenset(self._analyze(query))
        if not wanted:
            return {}
        codes = {self._codes[t] for t in wanted if t in self._codes}
        total = len(wanted)
        out = {}
        for pid in product_ids:
            packed = self._titles.get(pid)
            found = len(codes.intersection(memoryview(packed).cast("I"))) if packed and codes else 0
            out[pid] = found / total
        return out

    def _forget(self, product_id: str) -> None:
        packed = self._titles.pop(product_id, None)
        if packed:
            for code in set(memoryview(packed).cast("I")):
                self._df[code] -= 1

    def _code(self, term: str) -> int:
        code = self._codes.get(term)
        if code is None:
            code = self._codes[term] = len(self._words)
            self._words.append(term)
            self._df.append(0)
        return code

    def _ordered(self, product_id: str) -> list[str]:
        packed = self._titles.get(product_id)
        if not packed:
            return []
        words = self._words
        return [words[code] for code in memoryview(packed).cast("I")]


def trigrams(terms: Sequence[str]) -> frozenset[str]:
    """Character trigrams of the terms joined by spaces, padded with one at each end."""
    text = f" {' '.join(terms)} "
    return frozenset(text[i : i + 3] for i in range(len(text) - 2))


class WordShapes:
    """What the features need of each title term code, worked out once and kept: whether it holds
    a digit, its length, the ids of its padded trigrams, the ids of its first and last letters.
    Kept for at most `limit` codes (then forgotten all at once and worked out again)."""

    def __init__(self, titles: TitleTerms, limit: int = 200_000) -> None:
        self.titles = titles
        self.limit = limit
        self._trigram_ids: dict[str, int] = {}
        self._char_ids: dict[str, int] = {}
        self._known: dict[int, tuple[np.ndarray, bool, int, int, int]] = {}

    def of(self, codes: np.ndarray) -> Shapes:
        """For distinct codes: (holds a digit, length, first letter id, last letter id, trigram
        ids of each)."""
        if len(self._known) > self.limit:
            self._known.clear()
        rows = [self._known.get(code) or self._work_out(code) for code in codes.tolist()]
        return (
            np.fromiter((r[1] for r in rows), bool, len(rows)),
            np.fromiter((r[2] for r in rows), np.int64, len(rows)),
            np.fromiter((r[3] for r in rows), np.int64, len(rows)),
            np.fromiter((r[4] for r in rows), np.int64, len(rows)),
            [r[0] for r in rows],
        )

    def trigram_id(self, trigram: str) -> int | None:
        """The id of a trigram some title word has, or of a cross-word trigram; None otherwise."""
        if len(trigram) == 3 and trigram[1] == " " and trigram[0] != " " and trigram[2] != " ":
            first, last = self._char_ids.get(trigram[0]), self._char_ids.get(trigram[2])
            return None if first is None or last is None else CROSS_TRIGRAMS + (first << 20) + last
        return self._trigram_ids.get(trigram)

    def letter_id(self, letter: str) -> int:
        """The id of a letter that starts or ends some title word seen so far; -1 otherwise."""
        return self._char_ids.get(letter, -1)

    def _work_out(self, code: int) -> tuple[np.ndarray, bool, int, int, int]:
        word = self.titles.word(code)
        ids = np.array(sorted({self._id(t, self._trigram_ids) for t in trigrams((word,))}), np.int64)
        row = (
            ids,
            any(ch.isdigit() for ch in word),
            len(word),
            self._id(word[0], self._char_ids),
            self._id(word[-1], self._char_ids),
        )
        self._known[code] = row
        return row

    @staticmethod
    def _id(key: str, ids: dict[str, int]) -> int:
        known = ids.get(key)
        if known is None:
            known = ids[key] = len(ids)
        return known

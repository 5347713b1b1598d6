"""Query-term coverage: the share of a query's analysed terms found in a product's title or brand.

BM25 scaled by the query's best score says how a product compares with the others, not whether it
matches the whole query; coverage adds that absolute signal to weighted fusion.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Sequence

from shelfwise.records import Product

Analyzer = Callable[[str], list[str]]


class TitleTerms:
    """Analysed title and brand terms of every indexed product, kept in step with the index.

    Terms are stored once, as codes: each product keeps the codes of its terms in order, packed as
    32-bit integers (about 70 bytes a product instead of 1.3 KB as tuples and sets of strings,
    which at a million products is the difference between 0.2 and 1.3 GB).
    """

    def __init__(self, analyze: Analyzer) -> None:
        self._analyze = analyze
        self._codes: dict[str, int] = {}
        self._words: list[str] = []
        self._titles: dict[str, bytes] = {}

    def update(self, products: Iterable[Product]) -> None:
        for product in products:
            ordered = self._analyze(f"{product.title} {product.brand}")
            self._titles[product.product_id] = array("I", [self._code(t) for t in ordered]).tobytes()

    def remove(self, product_ids: Iterable[str]) -> None:
        for pid in product_ids:
            self._titles.pop(pid, None)

    def __len__(self) -> int:
        return len(self._titles)

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

    def _code(self, term: str) -> int:
        code = self._codes.get(term)
        if code is None:
            code = self._codes[term] = len(self._words)
            self._words.append(term)
        return code

    def _ordered(self, product_id: str) -> list[str]:
        packed = self._titles.get(product_id)
        if not packed:
            return []
        words = self._words
        return [words[code] for code in memoryview(packed).cast("I")]

"""Query-term coverage: the share of a query's analysed terms found in a product's title or brand.

BM25 scaled by the query's best score says how a product compares with the others, not whether it
matches the whole query; coverage adds that absolute signal to weighted fusion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from shelfwise.records import Product

Analyzer = Callable[[str], list[str]]


class TitleTerms:
    """Analysed title and brand terms of every indexed product, kept in step with the index."""

    def __init__(self, analyze: Analyzer) -> None:
        self._analyze = analyze
        self._terms: dict[str, frozenset[str]] = {}
        self._ordered: dict[str, tuple[str, ...]] = {}

    def update(self, products: Iterable[Product]) -> None:
        for product in products:
            ordered = tuple(self._analyze(f"{product.title} {product.brand}"))
            self._ordered[product.product_id] = ordered
            self._terms[product.product_id] = frozenset(ordered)

    def remove(self, product_ids: Iterable[str]) -> None:
        for pid in product_ids:
            self._terms.pop(pid, None)
            self._ordered.pop(pid, None)

    def analyze(self, text: str) -> frozenset[str]:
        return frozenset(self._analyze(text))

    def analyze_in_order(self, text: str) -> tuple[str, ...]:
        """The text's analysed terms in their order, repeats kept."""
        return tuple(self._analyze(text))

    def terms_of(self, product_id: str) -> frozenset[str]:
        return self._terms.get(product_id, frozenset())

    def pairs_of(self, product_id: str) -> frozenset[tuple[str, str]]:
        """Adjacent term pairs of the title and brand, for phrase matches."""
        ordered = self._ordered.get(product_id, ())
        return frozenset(zip(ordered, ordered[1:], strict=False))

    def coverage(self, query: str, product_ids: Sequence[str]) -> dict[str, float]:
        """product id -> fraction of the query's distinct terms in its title or brand."""
        wanted = frozenset(self._analyze(query))
        if not wanted:
            return {}
        empty: frozenset[str] = frozenset()
        return {pid: len(wanted & self._terms.get(pid, empty)) / len(wanted) for pid in product_ids}

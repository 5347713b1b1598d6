"""How well a product answers the words and the price of a query: the ranker's query-match columns.

The query's embedding and its cosine say what a query is about; they do not say whether a
product has the brand, colour or material the shopper typed, or costs more than the "under 50"
they asked for. Two columns say that directly:

- `query_coverage`: the share of the query's words (price phrases and stop words left out)
  found among the product's words (title, brand, category path, attribute values); words are
  lowercased and crudely singularised ('dresses' is 'dress'); 0 without a query
- `over_query_price`: 1 when the query sets a price ceiling ("under $50", "20-30 dollars") and
  the product's price is above it, else 0

    words = ProductWords.of(products)
    columns = match_columns(words, prices, rows, ["red dress under 50", None, ...])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from shelfwise.query.lexicon import singular
from shelfwise.query.price_grammar import find_prices
from shelfwise.records import Product

MATCH_COLUMNS = ("query_coverage", "over_query_price")
_WORD = re.compile(r"[^\W_]+")
_STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "the",
        "of",
        "for",
        "with",
        "in",
        "on",
        "to",
        "by",
        "from",
        "or",
        "at",
        "my",
        "me",
        "i",
        "is",
        "are",
        "under",
        "below",
        "over",
        "above",
        "less",
        "more",
        "than",
        "cheap",
        "cheaper",
        "cheapest",
        "affordable",
        "budget",
        "best",
        "new",
    }
)


def words_of(text: str) -> frozenset[str]:
    """Lowercased, singularised words of `text`."""
    return frozenset(singular(w) for w in _WORD.findall(text.lower()))


@dataclass(frozen=True)
class QueryTerms:
    """A query's content words and the price ceiling it sets (None: none)."""

    words: frozenset[str]
    price_max: float | None


@lru_cache(maxsize=65_536)
def query_terms(query: str) -> QueryTerms:
    """The words a product should have (price phrases and stop words removed) and the ceiling."""
    lowered = query.lower()
    prices = find_prices(lowered)
    kept, last = [], 0
    for mention in prices:
        kept.append(lowered[last : mention.start])
        last = mention.end
    kept.append(lowered[last:])
    words = words_of(" ".join(kept)) - _STOP_WORDS
    ceilings = [m.price_max for m in prices if m.price_max is not None]
    return QueryTerms(words, min(ceilings) if ceilings else None)


class ProductWords:
    """Each catalog row's words; the last row (unknown products) has none."""

    def __init__(self, rows: Sequence[frozenset[str]]) -> None:
        self.rows = [*rows, frozenset()]

    @classmethod
    def of(cls, products: Sequence[Product]) -> ProductWords:
        return cls([product_words(p) for p in products])


def product_words(product: Product) -> frozenset[str]:
    values = " ".join(str(v) for v in product.attributes.values())
    return words_of(f"{product.title} {product.brand} {' '.join(product.category)} {values}")


def match_columns(
    words: ProductWords, prices: np.ndarray, rows: np.ndarray, queries: Sequence[str | None]
) -> np.ndarray:
    """float (n, len(MATCH_COLUMNS)) for catalog `rows` asked by `queries` (one per row)."""
    out = np.zeros((len(rows), len(MATCH_COLUMNS)))
    for i, (row, query) in enumerate(zip(rows.tolist(), queries, strict=True)):
        if not query:
            continue
        terms = query_terms(query)
        if terms.words:
            out[i, 0] = len(terms.words & words.rows[row]) / len(terms.words)
        price = prices[row]
        if terms.price_max is not None and np.isfinite(price) and price > terms.price_max:
            out[i, 1] = 1.0
    return out

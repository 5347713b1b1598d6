"""What a shard holds of its products beside its indexes, and the replica's merge of the shards'
parts (pure; no Ray), so that a replica recalling through shards needs no product table of the
whole catalog (issue 29: a sharded replica that opens only what it needs).

A shard keeps its products (without descriptions: what filters, facets, sorting and title terms
read) and a `ProductTable` of them in catalog order. It answers:

- **filters** over its own products (the allowed ones a filtered vector recall searches);
- **its candidates' products**, which the replica puts in a table of the query's candidates
  (`sharded_engine.py`): every filter, facet, sort and title-term step of a query search runs
  over the candidates only, so that table gives the one index's answers;
- **its vocabularies' first appearances** (`vocabulary`): a table codes brands, categories and
  attribute values in the order the catalog first shows them, and a facet lists equal counts
  in code order; merged (`merge_vocabulary`), the replica's tables code them as one index does;
- **a browse part** (`browse`: no query): how many of its products pass the filters, each
  facet's counts over them, and its first products of the page in the requested order; merged
  (`merge_browse`) they are one table's total, facets and page.

A product's ordinal is its position in the catalog (`store.iter_products()`), the row order of
one index's table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.records import CATEGORY_SEPARATOR, FacetValue, Filters, Product
from shelfwise.search.table import MAX_CATEGORY_DEPTH, PRICE_BUCKETS, ProductTable, price_bucket_label

VOCABULARIES = ("brands", "categories", "attribute_values")
FACET_LIMIT = 20
"""values a facet lists (`ProductTable.facet`'s default)"""

Appearance = tuple[int, int]
"""where a value is first coded: (the product's ordinal, its place among that product's values)"""


def slim(product: Product) -> Product:
    """What a shard keeps of a product: no description, raw markup, image or attribute sources."""
    return product.model_copy(update={"description": "", "raw": {}, "image_url": "", "attribute_sources": {}})


@dataclass(frozen=True)
class BrowseQuery:
    """A browse (no query): the filters, the facets wanted, the sort and how many of the first
    products (`first`: the page's end) each shard sends."""

    filters: Filters
    facets: tuple[str, ...]
    sort: str
    first: int


@dataclass(frozen=True)
class BrowsePart:
    """One shard's part of a browse: its products passing the filters, each facet's value
    counts (over the products passing every filter but the facet's own; categories drill down),
    and its first `first` passing products in order: (sort key, ordinal, id)."""

    total: int
    facets: dict[str, dict[str, int]]
    first: list[tuple[float, int, str]]


class ShardCatalog:
    """A shard's products (slimmed) and their table, rows in catalog order."""

    def __init__(self, products: Sequence[Product], ordinals: Sequence[int]) -> None:
        order = sorted(range(len(products)), key=lambda i: ordinals[i])
        self.products = {products[i].product_id: slim(products[i]) for i in order}
        self.ordinals = np.array([ordinals[i] for i in order], dtype=np.int64)
        self.table = ProductTable.build(self.products.values())

    def allowed(self, filters: Filters) -> list[str]:
        """Its products passing `filters`."""
        return [self.table.ids[row] for row in np.flatnonzero(self.table.mask(filters)).tolist()]

    def products_of(self, product_ids: Iterable[str]) -> dict[str, Product]:
        return {pid: self.products[pid] for pid in product_ids if pid in self.products}

    def vocabulary(self) -> dict[str, dict[str, Appearance]]:
        """Each vocabulary's values with where they first appear here (as a table codes them)."""
        out: dict[str, dict[str, Appearance]] = {name: {} for name in VOCABULARIES}
        for product, ordinal in zip(self.products.values(), self.ordinals.tolist(), strict=True):
            for name, place, value in _coded_values(product):
                out[name].setdefault(value, (ordinal, place))
        return out

    def browse(self, query: BrowseQuery) -> BrowsePart:
        table = self.table
        mask = table.mask(query.filters)
        facets = {}
        for name in query.facets:
            rows = np.flatnonzero(mask if name == "category" else table.mask(query.filters, skip=name))
            counted = table.facet(name, rows, query.filters, limit=len(table.ids) + 1)
            facets[name] = {value.value: value.count for value in counted}
        rows = np.flatnonzero(mask)
        keys = sort_keys(table, rows, query.sort)
        order = np.lexsort((self.ordinals[rows], keys))[: query.first]
        first = [(float(keys[i]), int(self.ordinals[rows[i]]), table.ids[rows[i]]) for i in order.tolist()]
        return BrowsePart(int(mask.sum()), facets, first)


def _coded_values(product: Product) -> Iterable[tuple[str, int, str]]:
    """(vocabulary, place, value) in the order `ProductTable` codes a new product's values."""
    if product.brand:
        yield "brands", 0, product.brand
    for depth in range(min(len(product.category), MAX_CATEGORY_DEPTH)):
        yield "categories", depth, CATEGORY_SEPARATOR.join(product.category[: depth + 1])
    for place, value in enumerate(product.attributes.values()):
        yield "attribute_values", place, value.lower()


def sort_keys(table: ProductTable, rows: np.ndarray, sort: str) -> np.ndarray:
    """The key `ProductTable.sort_order` sorts `rows` by (missing values last; 0 for relevance,
    which keeps the catalog's order)."""
    if sort == "relevance":
        return np.zeros(len(rows))
    if sort not in ("price_asc", "price_desc", "rating"):
        raise ValueError(f"unknown sort '{sort}'")
    values = (table.rating if sort == "rating" else table.price)[rows]
    key = values if sort == "price_asc" else -values
    return np.where(np.isnan(key), np.inf, key)


def merge_vocabulary(parts: Iterable[Mapping[str, Mapping[str, Appearance]]]) -> dict[str, list[str]]:
    """The shards' vocabularies in one table's code order: each value where it first appears."""
    first: dict[str, dict[str, Appearance]] = {name: {} for name in VOCABULARIES}
    for part in parts:
        for name in VOCABULARIES:
            seen = first[name]
            for value, at in part.get(name, {}).items():
                if value not in seen or tuple(at) < seen[value]:
                    seen[value] = (int(at[0]), int(at[1]))
    return {name: sorted(seen, key=lambda v, seen=seen: seen[v]) for name, seen in first.items()}  # type: ignore[misc]


def merge_facet(
    name: str, counts: Iterable[Mapping[str, int]], order: Mapping[str, list[str]]
) -> list[FacetValue]:
    """One facet's values over every shard, as one table lists them: price buckets and stock in
    their fixed order, the others by count, equal counts in the vocabulary's code order, at
    most `FACET_LIMIT`."""
    total: dict[str, int] = {}
    for part in counts:
        for value, count in part.items():
            total[value] = total.get(value, 0) + count
    if name == "price":
        labels = [price_bucket_label(lo, hi) for lo, hi in PRICE_BUCKETS]
        return [FacetValue(value=v, count=total[v]) for v in labels if total.get(v)]
    if name == "in_stock":
        return [FacetValue(value=v, count=total[v]) for v in ("true", "false") if total.get(v)]
    vocabulary = order[
        "brands" if name == "brand" else "categories" if name == "category" else "attribute_values"
    ]
    rank = {value: i for i, value in enumerate(vocabulary)}
    ranked = sorted(total, key=lambda v: (-total[v], rank.get(v, len(rank))))
    return [FacetValue(value=v, count=total[v]) for v in ranked[:FACET_LIMIT] if total[v] > 0]


def merge_browse(
    parts: Sequence[BrowsePart], query: BrowseQuery, start: int, order: Mapping[str, list[str]]
) -> tuple[int, dict[str, list[FacetValue]], list[str]]:
    """One table's total, facets and page (the ids from `start` to `query.first`) from the parts."""
    facets = {
        name: merge_facet(name, (p.facets.get(name, {}) for p in parts), order) for name in query.facets
    }
    first = sorted((row for part in parts for row in part.first), key=lambda row: (row[0], row[1]))
    return sum(p.total for p in parts), facets, [pid for _, _, pid in first[start : query.first]]

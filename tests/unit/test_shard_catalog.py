"""The shards' parts of filters, facets, totals and pages merged equal one product table's
(issue 29: a sharded replica without the catalog's table), on a tiny catalog whose values tie."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.index.shards import partition
from shelfwise.records import Filters, PriceRange, Product
from shelfwise.search.shard_catalog import (
    BrowseQuery,
    ShardCatalog,
    merge_browse,
    merge_vocabulary,
    sort_keys,
)
from shelfwise.search.table import ProductTable

FACETS = ("brand", "category", "price", "in_stock", "attr:color", "attr:size")


def catalog() -> list[Product]:
    """Forty products whose brands, categories and colours repeat so that counts tie."""
    brands, colours = ["Zeta", "Acme", "Mono", ""], ["red", "Blue", "green"]
    return [
        Product(
            product_id=f"P{i:03d}", title=f"item {i}", brand=brands[i % 4],
            category=(["Home", "Kitchen"], ["Home", "Bath"], ["Garden"])[i % 3],
            price=None if i % 7 == 0 else float((i * 13) % 90), rating=(i % 5) + 0.5 if i % 6 else None,
            in_stock=i % 3 != 1, attributes={"color": colours[i % 3]} | ({"size": "L"} if i % 4 == 1 else {}),
        )
        for i in range(40)
    ]  # fmt: skip


def one_table(products: list[Product], query: BrowseQuery, start: int) -> tuple[int, dict, list[str]]:
    """What one table gives (as `SearchEngine` browses it)."""
    table = ProductTable.build(products)
    mask = table.mask(query.filters)
    rows = np.flatnonzero(table.live)
    facets = {}
    for name in query.facets:
        counted = rows[mask[rows]] if name == "category" else rows[table.mask(query.filters, skip=name)[rows]]
        facets[name] = table.facet(name, counted, query.filters)
    if query.sort != "relevance":
        rows = rows[table.sort_order(rows, query.sort)]
    page = rows[mask[rows]][start : query.first]
    return int(mask.sum()), facets, [table.ids[r] for r in page.tolist()]


@pytest.mark.parametrize("count", [1, 2, 3, 5])
@pytest.mark.parametrize(
    ("filters", "sort", "start"),
    [
        (Filters(), "relevance", 0),
        (Filters(category="Home"), "price_asc", 3),
        (Filters(brands=("Acme", "Mono"), in_stock=True), "price_desc", 0),
        (Filters(attributes={"color": ("red", "blue")}, price=PriceRange(min=10)), "rating", 2),
    ],
)
def test_merged_parts_equal_one_table(count: int, filters: Filters, sort: str, start: int) -> None:
    products = catalog()
    shards = [
        ShardCatalog([products[i] for i in rows], rows)
        for rows in partition([p.product_id for p in products], count)
    ]
    vocabulary = merge_vocabulary(shard.vocabulary() for shard in shards)
    query = BrowseQuery(filters, FACETS, sort, start + 6)
    merged = merge_browse([shard.browse(query) for shard in shards], query, start, vocabulary)
    assert merged == one_table(products, query, start)
    whole = ProductTable.build(products)
    assert vocabulary == {name: getattr(whole, name).values for name in vocabulary}
    coded = ProductTable.coding(vocabulary).with_changes(products[::-1], [])  # any order: the same codes
    assert coded.brands.values == whole.brands.values and coded.categories.values == whole.categories.values
    allowed = {pid for shard in shards for pid in shard.allowed(filters)}
    assert allowed == {whole.ids[r] for r in np.flatnonzero(whole.mask(filters)).tolist()}


def test_a_shard_keeps_no_description_and_rejects_an_unknown_sort() -> None:
    product = catalog()[0].model_copy(update={"description": "long text", "raw": {"description": "<b>x</b>"}})
    shard = ShardCatalog([product], [0])
    assert shard.products["P000"].description == "" and shard.products["P000"].raw == {}
    with pytest.raises(ValueError, match="unknown sort"):
        sort_keys(shard.table, np.array([0]), "newest")

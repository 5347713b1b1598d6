"""ProductTable filters and facet counts on a hand-made catalog."""

from __future__ import annotations

import numpy as np

from shelfwise.records import Filters, PriceRange, Product
from shelfwise.search.table import ProductTable

PRODUCTS = [
    Product(product_id="1", title="Red Dress", brand="Aurelle", price=40.0,
            category=("Clothing", "Women", "Dresses"), attributes={"Color": "Red"}),
    Product(product_id="2", title="Blue Dress", brand="Aurelle", price=60.0,
            category=("Clothing", "Women", "Dresses"), attributes={"color": "blue"}),
    Product(product_id="3", title="Kettle", brand="Brewly", price=25.0, in_stock=False,
            category=("Home", "Kitchen"), attributes={"color": "red", "material": "steel"}),
    Product(product_id="4", title="Jacket", brand="Norda", price=120.0,
            category=("Clothing", "Men", "Jackets")),
]


def _ids(table: ProductTable, mask: np.ndarray) -> list[str]:
    return [table.ids[i] for i in np.flatnonzero(mask)]


def test_filters() -> None:
    table = ProductTable.build(PRODUCTS)
    assert _ids(table, table.mask(Filters(category="Clothing > Women"))) == ["1", "2"]
    assert _ids(table, table.mask(Filters(brands=("Brewly", "Norda")))) == ["3", "4"]
    assert _ids(table, table.mask(Filters(price=PriceRange(min=30, max=60)))) == ["1", "2"]
    assert _ids(table, table.mask(Filters(attributes={"COLOR": ("RED",)}))) == ["1", "3"]
    assert _ids(table, table.mask(Filters(in_stock=True))) == ["1", "2", "4"]
    assert _ids(table, table.mask(Filters(attributes={"size": ("m",)}))) == []
    assert _ids(table, table.mask(Filters(category="Nowhere"))) == []


def test_facets_count_next_category_level_and_price_buckets() -> None:
    table = ProductTable.build(PRODUCTS)
    rows = np.arange(4)
    top = table.facet("category", rows, Filters())
    assert [(f.value, f.count) for f in top] == [("Clothing", 3), ("Home", 1)]
    below = table.facet("category", rows[:2], Filters(category="Clothing"))
    assert [(f.value, f.count) for f in below] == [("Clothing > Women", 2)]
    prices = table.facet("price", rows, Filters())
    assert [(f.value, f.count) for f in prices] == [("25-50", 2), ("50-100", 1), ("100-250", 1)]
    colors = table.facet("attr:color", rows, Filters())
    assert [(f.value, f.count) for f in colors] == [("red", 2), ("blue", 1)]
    stock = table.facet("in_stock", rows, Filters())
    assert [(f.value, f.count) for f in stock] == [("true", 3), ("false", 1)]


def test_with_changes_is_copy_on_write() -> None:
    table = ProductTable.build(PRODUCTS)
    changed = table.with_changes(
        [Product(product_id="5", title="Mug", brand="Brewly", price=9.0), PRODUCTS[0].model_copy(
            update={"brand": "Norda"})],
        ["3"],
    )
    assert len(table) == 4 and len(changed) == 4
    assert _ids(changed, changed.mask(Filters(brands=("Brewly",)))) == ["5"]
    assert _ids(changed, changed.mask(Filters(brands=("Norda",)))) == ["1", "4"]
    assert _ids(table, table.mask(Filters(brands=("Brewly",)))) == ["3"]


def test_filter_deeper_than_any_path_matches_nothing_and_skip_ignores_case() -> None:
    table = ProductTable.build(PRODUCTS)
    deep = "Clothing > Women > Dresses > A > B > C > D"
    assert _ids(table, table.mask(Filters(category=deep))) == []
    color = Filters(attributes={"Color": ("red",)})
    assert _ids(table, table.mask(color, skip="attr:Color")) == ["1", "2", "3", "4"]


def test_sort_order_is_stable_and_puts_missing_values_last() -> None:
    products = [*PRODUCTS, Product(product_id="5", title="Gift card", rating=4.5)]
    products[0] = products[0].model_copy(update={"rating": 4.5})
    table = ProductTable.build(products)
    rows = np.array([4, 3, 2, 1, 0])  # a relevance order
    ordered = lambda sort: [table.ids[rows[i]] for i in table.sort_order(rows, sort)]  # noqa: E731
    assert ordered("price_asc") == ["3", "1", "2", "4", "5"]
    assert ordered("price_desc") == ["4", "2", "1", "3", "5"]
    assert ordered("rating") == ["5", "1", "4", "3", "2"]  # tie at 4.5 keeps the given order
    assert ordered("relevance") == ["5", "4", "3", "2", "1"]

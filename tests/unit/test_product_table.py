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


def _snapshot(table: ProductTable) -> dict[str, object]:
    columns = {name: getattr(table, name).copy() for name in ("live", "price", "rating", "in_stock",
                                                                 "brand", "category")}  # fmt: skip
    columns.update({f"attr:{k}": v.copy() for k, v in table.attributes.items()})
    columns["brands"] = list(table.brands.values)
    return columns


def _equal(a: dict[str, object], b: dict[str, object]) -> bool:
    return a.keys() == b.keys() and all(
        np.array_equal(a[k], b[k], equal_nan=True) if isinstance(a[k], np.ndarray) else a[k] == b[k]
        for k in a
    )


def test_changes_leave_the_old_table_alone_and_copy_only_what_they_write() -> None:
    table = ProductTable.build(PRODUCTS)
    before = _snapshot(table)
    cheaper = PRODUCTS[0].model_copy(update={"price": 35.0})
    repriced = table.with_changes([cheaper], [])
    assert _equal(_snapshot(table), before)  # the searches holding the old table see no change
    assert repriced.price is not table.price and repriced.price[0] == 35.0
    assert repriced.attributes["color"] is table.attributes["color"]  # unchanged: shared
    assert repriced.brands is table.brands and repriced.live is table.live
    # a changed product: a new brand, attributes gone and added, out of stock, deleted another
    changed = PRODUCTS[2].model_copy(update={"brand": "Kettleco", "in_stock": True, "rating": 4.5,
                                             "attributes": {"Size": "L"}})  # fmt: skip
    middle = _snapshot(repriced)
    later = repriced.with_changes([changed], ["4"])
    assert _equal(_snapshot(repriced), middle)  # the new brand went into a copy of the vocabulary
    assert _ids(later, later.mask(Filters(brands=("Kettleco",)))) == ["3"]
    assert _ids(later, later.mask(Filters(attributes={"color": ("red",)}))) == ["1"]
    assert _ids(later, later.mask(Filters(attributes={"size": ("l",)}))) == ["3"]
    assert _ids(later, later.mask(Filters(in_stock=True))) == ["1", "2", "3"]
    assert not later.live[3] and repriced.live[3]
    assert _ids(repriced, repriced.mask(Filters(attributes={"color": ("red",)}))) == ["1", "3"]
    # the same result as building the changed catalog from scratch
    rebuilt = ProductTable.build([cheaper, PRODUCTS[1], changed])
    for filters in (Filters(category="Home"), Filters(price=PriceRange(min=30, max=40)),
                    Filters(attributes={"material": ("steel",)})):  # fmt: skip
        assert _ids(later, later.mask(filters)) == _ids(rebuilt, rebuilt.mask(filters))


def test_a_new_product_written_twice_in_one_change_keeps_only_its_last_version() -> None:
    table = ProductTable.build(PRODUCTS)
    first = Product(product_id="9", title="Mug", attributes={"color": "red"})
    second = Product(product_id="9", title="Mug", attributes={"material": "clay"})
    grown = table.with_changes([first, second], [])
    assert _ids(grown, grown.mask(Filters(attributes={"color": ("red",)}))) == ["1", "3"]
    assert _ids(grown, grown.mask(Filters(attributes={"material": ("clay",)}))) == ["9"]
    assert len(table.ids) == 4 and len(grown.ids) == 5

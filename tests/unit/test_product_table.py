"""ProductTable filters and facet counts on a hand-made catalog."""

from __future__ import annotations

import numpy as np

from shelfwise.records import Filters, PriceRange, Product
from shelfwise.search.table import ProductTable

PRODUCTS = [
    Product(
        product_id="1",
        title="Red Dress",
        brand="Aurelle",
        price=40.0,
        category=("Clothing", "Women", "Dresses"),
        attributes={"Color": "Red"},
    ),
    Product(
        product_id="2",
        title="Blue Dress",
        brand="Aurelle",
        price=60.0,
        category=("Clothing", "Women", "Dresses"),
        attributes={"color": "blue"},
    ),
    Product(
        product_id="3",
        title="Kettle",
        brand="Brewly",
        price=25.0,
        in_stock=False,
        category=("Home", "Kitchen"),
        attributes={"color": "red", "material": "steel"},
    ),
    Product(
        product_id="4", title="Jacket", brand="Norda", price=120.0, category=("Clothing", "Men", "Jackets")
    ),
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


def test_filters_with_several_values_match_any_of_them_also_after_growth() -> None:
    rng = np.random.default_rng(5)
    colors, brands = ["red", "blue", "navy", "sky", "teal", "gray"], ["A", "B", "C", "D"]
    products = [
        Product(product_id=str(i), title=f"Item {i}", brand=str(rng.choice(brands)),
                attributes={} if i % 7 == 0 else {"color": str(rng.choice(colors))})
        for i in range(300)
    ]  # fmt: skip
    table = ProductTable.build(products[:200]).with_changes(products[200:], ["3"])
    by_id = {p.product_id: p for p in products if p.product_id != "3"}
    wanted_colors, wanted_brands = ("BLUE", "navy", "Sky", "nowhere"), ("A", "C", "D", "Z")
    mask = table.mask(Filters(attributes={"color": wanted_colors}))
    expected = sorted(pid for pid, p in by_id.items()
                      if p.attributes.get("color") in {c.lower() for c in wanted_colors})  # fmt: skip
    assert sorted(_ids(table, mask)) == expected
    mask = table.mask(Filters(brands=wanted_brands))
    assert sorted(_ids(table, mask)) == sorted(pid for pid, p in by_id.items() if p.brand in wanted_brands)
    assert not table.mask(Filters(brands=("Z", "Y", "X"))).any()


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
        [
            Product(product_id="5", title="Mug", brand="Brewly", price=9.0),
            PRODUCTS[0].model_copy(update={"brand": "Norda"}),
        ],
        ["3"],
    )
    assert len(table) == 4 and len(changed) == 4
    assert _ids(changed, changed.mask(Filters(brands=("Brewly",)))) == ["5"]
    assert _ids(changed, changed.mask(Filters(brands=("Norda",)))) == ["1", "4"]
    assert _ids(table, table.mask(Filters(brands=("Brewly",)))) == ["3"]


def _contents(table: ProductTable) -> dict[str, object]:
    names = ("live", "price", "brand", "category", "in_stock")
    columns = {name: getattr(table, name).copy() for name in names}
    columns.update({f"attr:{k}": v.copy() for k, v in table.attributes.items()})
    return {"ids": list(table.ids), "rows": dict(table.row_of), "columns": columns}


def _same_as(table: ProductTable, held: dict[str, object]) -> bool:
    now = _contents(table)
    columns = held["columns"]
    assert isinstance(columns, dict)
    return (
        now["ids"] == held["ids"]
        and now["rows"] == held["rows"]
        and all(
            np.array_equal(now["columns"][k], v, equal_nan=True)
            for k, v in columns.items()  # type: ignore[index]
        )
        and set(now["columns"]) == set(columns)
    )  # type: ignore[arg-type]


def test_growing_row_by_row_reuses_spare_rows_and_never_changes_an_older_table() -> None:
    tables = [ProductTable.build(PRODUCTS)]
    helds = [_contents(tables[0])]
    for i in range(40):  # new products one refresh at a time, with a change to an old row
        added = Product(
            product_id=f"n{i}",
            title="Lamp",
            brand=f"B{i % 3}",
            price=float(i),
            category=("Home", "Lighting"),
            attributes={"color": "amber", "finish": f"f{i}"},
        )
        changed = PRODUCTS[i % 2].model_copy(update={"price": 1000.0 + i})
        tables.append(tables[-1].with_changes([added, changed], ["3"] if i == 5 else []))
        helds.append(_contents(tables[-1]))
    for table, held in zip(tables, helds, strict=True):
        assert _same_as(table, held)  # every table still reads what it held when made
    last = tables[-1]
    assert len(last.ids) == 44 and last.row_of["n39"] == 43 and "3" in last.row_of and not last.live[2]
    assert _ids(last, last.mask(Filters(brands=("B1",)))) == [f"n{i}" for i in range(1, 40, 3)]
    assert last.brand.base is tables[-2].brand.base  # grown in place, not copied
    assert last.price.base is not None and len(last.price.base) > len(last.ids)  # copied with rows to spare


def test_an_older_table_grown_again_does_not_write_into_the_newer_ones_rows() -> None:
    base = ProductTable.build(PRODUCTS)
    first = base.with_changes([Product(product_id="a", title="A", brand="Aurelle", price=1.0)], [])
    first_held = _contents(first)
    second = base.with_changes([Product(product_id="b", title="B", brand="Norda", price=2.0)], [])
    assert _same_as(first, first_held)
    assert second.ids[-1] == "b" and second.price[-1] == 2.0 and first.price[-1] == 1.0
    replaced = first.with_changes([PRODUCTS[1].model_copy(update={"price": 5.0})], [])  # no new rows
    # `first` is no longer the newest table: it grows into a copy
    third = first.with_changes([Product(product_id="c", title="C", price=3.0)], [])
    fourth = replaced.with_changes([Product(product_id="d", title="D", price=4.0)], [])
    assert third.price[-1] == 3.0 and fourth.price[-1] == 4.0 and fourth.price[1] == 5.0
    assert third.ids[-1] == "c" and fourth.ids[-1] == "d" and _same_as(first, first_held)


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

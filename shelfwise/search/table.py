"""Columnar in-memory view of the catalog's filterable fields: fast filters and facet counts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from shelfwise.records import CATEGORY_SEPARATOR, FacetValue, Filters, Product

PRICE_BUCKETS: tuple[tuple[float, float], ...] = (
    (0, 10), (10, 25), (25, 50), (50, 100), (100, 250), (250, 500), (500, float("inf")),
)
MAX_CATEGORY_DEPTH = 6


def price_bucket_label(lo: float, hi: float) -> str:
    return f"{lo:g}+" if hi == float("inf") else f"{lo:g}-{hi:g}"


@dataclass
class _Vocab:
    """String <-> integer code; codes are never reused."""

    values: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)

    def code(self, value: str) -> int:
        found = self.codes.get(value)
        if found is None:
            found = len(self.values)
            self.values.append(value)
            self.codes[value] = found
        return found

    def copy(self) -> _Vocab:
        return _Vocab(list(self.values), dict(self.codes))


@dataclass
class ProductTable:
    """One row per product ever seen; deleted rows stay with live=False until a rebuild."""

    ids: list[str] = field(default_factory=list)
    row_of: dict[str, int] = field(default_factory=dict)
    live: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    price: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    rating: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float64))
    in_stock: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    brand: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int32))
    category: np.ndarray = field(
        default_factory=lambda: np.zeros((0, MAX_CATEGORY_DEPTH), dtype=np.int32)
    )
    attributes: dict[str, np.ndarray] = field(default_factory=dict)
    brands: _Vocab = field(default_factory=_Vocab)
    categories: _Vocab = field(default_factory=_Vocab)
    attribute_values: _Vocab = field(default_factory=_Vocab)

    @classmethod
    def build(cls, products: Iterable[Product]) -> ProductTable:
        return cls().with_changes(list(products), [])

    def __len__(self) -> int:
        return int(self.live.sum())

    def with_changes(self, upserted: Sequence[Product], deleted: Sequence[str]) -> ProductTable:
        """A new table with the changes applied; this one is left untouched (copy on write)."""
        new_ids = [p.product_id for p in upserted if p.product_id not in self.row_of]
        new_ids = list(dict.fromkeys(new_ids))
        n_old, n_new = len(self.ids), len(self.ids) + len(new_ids)
        table = ProductTable(
            ids=self.ids + new_ids,
            row_of={**self.row_of, **{pid: n_old + i for i, pid in enumerate(new_ids)}},
            live=_grow(self.live, n_new, False),
            price=_grow(self.price, n_new, np.nan),
            rating=_grow(self.rating, n_new, np.nan),
            in_stock=_grow(self.in_stock, n_new, False),
            brand=_grow(self.brand, n_new, -1),
            category=_grow(self.category, n_new, -1),
            attributes={k: _grow(v, n_new, -1) for k, v in self.attributes.items()},
            brands=self.brands.copy(),
            categories=self.categories.copy(),
            attribute_values=self.attribute_values.copy(),
        )
        for product in upserted:
            table._set_row(table.row_of[product.product_id], product)
        for pid in deleted:
            row = table.row_of.get(pid)
            if row is not None:
                table.live[row] = False
        return table

    def _set_row(self, row: int, product: Product) -> None:
        self.live[row] = True
        self.price[row] = np.nan if product.price is None else product.price
        self.rating[row] = np.nan if product.rating is None else product.rating
        self.in_stock[row] = product.in_stock
        self.brand[row] = self.brands.code(product.brand) if product.brand else -1
        self.category[row] = -1
        for depth in range(min(len(product.category), MAX_CATEGORY_DEPTH)):
            prefix = CATEGORY_SEPARATOR.join(product.category[: depth + 1])
            self.category[row, depth] = self.categories.code(prefix)
        for existing in self.attributes.values():
            existing[row] = -1
        for name, value in product.attributes.items():
            column = self.attributes.get(name.lower())
            if column is None:  # not setdefault: that would allocate a full column per call
                column = self.attributes[name.lower()] = np.full(len(self.ids), -1, dtype=np.int32)
            column[row] = self.attribute_values.code(value.lower())

    def rows(self, product_ids: Sequence[str]) -> np.ndarray:
        return np.array([self.row_of[pid] for pid in product_ids], dtype=np.int64)

    def mask(self, filters: Filters, skip: str | None = None) -> np.ndarray:
        """Boolean mask over all rows of live products that pass `filters` (one field skippable)."""
        skip = None if skip is None else skip.lower()
        mask = self.live.copy()
        if filters.category and skip != "category":
            mask &= self._category_mask(filters.category)
        if filters.brands and skip != "brand":
            codes = [self.brands.codes.get(b, -2) for b in filters.brands]
            mask &= np.isin(self.brand, codes)
        if filters.price is not None and skip != "price":
            if filters.price.min is not None:
                mask &= self.price >= filters.price.min
            if filters.price.max is not None:
                mask &= self.price <= filters.price.max
        if filters.in_stock is not None and skip != "in_stock":
            mask &= self.in_stock == filters.in_stock
        for name, values in filters.attributes.items():
            if skip == f"attr:{name.lower()}":
                continue
            column = self.attributes.get(name.lower())
            if column is None:
                return np.zeros_like(mask)
            codes = [self.attribute_values.codes.get(v.lower(), -2) for v in values]
            mask &= np.isin(column, codes)
        return mask

    def sort_order(self, rows: np.ndarray, sort: str) -> np.ndarray:
        """Positions of `rows` in `sort` order (price_asc, price_desc, rating: highest first);
        stable, so ties keep the given (relevance) order; rows without the value come last."""
        if sort == "relevance":
            return np.arange(len(rows))
        if sort not in ("price_asc", "price_desc", "rating"):
            raise ValueError(f"unknown sort '{sort}'")
        values = (self.rating if sort == "rating" else self.price)[rows]
        key = values if sort == "price_asc" else -values
        return np.argsort(np.where(np.isnan(key), np.inf, key), kind="stable")

    def _category_mask(self, path: str) -> np.ndarray:
        parts = [p.strip() for p in path.split(">") if p.strip()]
        if len(parts) > MAX_CATEGORY_DEPTH:
            return np.zeros(len(self.ids), dtype=bool)  # deeper than any stored path
        depth = len(parts)
        code = self.categories.codes.get(CATEGORY_SEPARATOR.join(parts[:depth]), -2)
        if depth == 0:
            return np.ones(len(self.ids), dtype=bool)
        return self.category[:, depth - 1] == code

    def facet(self, name: str, rows: np.ndarray, filters: Filters, limit: int = 20) -> list[FacetValue]:
        """Counts of `name`'s values over `rows` (indices); categories show the next level down."""
        if name == "brand":
            return _count(self.brand[rows], self.brands.values, limit)
        if name == "category":
            depth = 0
            if filters.category:
                depth = min(len([p for p in filters.category.split(">") if p.strip()]),
                            MAX_CATEGORY_DEPTH - 1)
            return _count(self.category[rows, depth], self.categories.values, limit)
        if name == "in_stock":
            values = self.in_stock[rows]
            out = [FacetValue(value="true", count=int(values.sum())),
                   FacetValue(value="false", count=int((~values).sum()))]
            return [f for f in out if f.count]
        if name == "price":
            prices = self.price[rows]
            out = []
            for lo, hi in PRICE_BUCKETS:
                count = int(((prices >= lo) & (prices < hi)).sum())
                if count:
                    out.append(FacetValue(value=price_bucket_label(lo, hi), count=count))
            return out
        column = self.attributes.get(name.removeprefix("attr:").lower())
        if column is None:
            return []
        return _count(column[rows], self.attribute_values.values, limit)


def _grow(array: np.ndarray, size: int, fill: object) -> np.ndarray:
    shape = (size, *array.shape[1:])
    out = np.full(shape, fill, dtype=array.dtype)
    out[: len(array)] = array
    return out


def _count(codes: np.ndarray, vocab: list[str], limit: int) -> list[FacetValue]:
    codes = codes[codes >= 0]
    if codes.size == 0:
        return []
    counts = np.bincount(codes, minlength=len(vocab))
    order = np.lexsort((np.arange(len(counts)), -counts))[:limit]
    return [FacetValue(value=vocab[i], count=int(counts[i])) for i in order if counts[i] > 0]

"""The ranker's per-product columns, looked up by product id, and kept in step with the live
catalog.

Rows 0..m-1 are the products given at load, row m is the empty row that unknown ids read, and
products added after load take rows after it. `upsert` (a new product, or a changed title,
price, category, rating or stock) writes a product's columns from its own fields, the same as
a load would; its price quantile is recomputed among its category's products (the categories it
leaves and joins, nothing else). A product the model never saw reads the unknown item index (the
embedding that training's `id_dropout` teaches to stand for an unseen item), and its category,
brand, price and text fields like any other, so it gets a prior from what it is, not the empty
row's zeros. `delete` makes an id unknown again. Writers are serialised by a lock; readers take
none: a new row becomes visible (in `rows`) only once all its columns are written, arrays that
grow are replaced by copies holding every visible row, and a changed product's row is written in
place (a request scored meanwhile may read some of its old columns and some of its new ones).
Deleted rows are not reused; the columns are built afresh when the model is next loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from shelfwise.rank.features import UNKNOWN, FeatureSpec, lookup
from shelfwise.rank.query_match import ProductWords, product_words
from shelfwise.records import Product

COLUMNS = (
    "item",
    "category",
    "category_top",
    "brand",
    "price",
    "has_price",
    "log_price",
    "price_band",
    "price_quantile",
    "rating",
    "has_rating",
    "in_stock",
)
_EMPTY: dict[str, object] = {  # the values of the unknown row (and of rows not yet used)
    "item": UNKNOWN,
    "category": UNKNOWN,
    "category_top": UNKNOWN,
    "brand": UNKNOWN,
    "price": np.nan,
    "has_price": False,
    "log_price": 0.0,
    "price_band": UNKNOWN,
    "price_quantile": np.nan,
    "rating": np.nan,
    "has_rating": False,
    "in_stock": 1.0,
}


class CatalogFeatures:
    """Per-product columns, looked up by product id; unknown ids read `missing_row` (empty)."""

    def __init__(self, spec: FeatureSpec, products: Sequence[Product], vectors: np.ndarray) -> None:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.shape != (len(products), spec.text_dim):
            raise ValueError(
                f"vectors of shape {vectors.shape} for {len(products)} products "
                f"of {spec.text_dim}-d text embeddings"
            )
        self.spec = spec
        self._vocabularies = {
            "item": _index(spec.items),
            "category": _index(spec.categories),
            "category_top": _index(spec.category_tops),
            "brand": _index(spec.brands),
        }
        m = len(products)
        columns = self._columns(products)
        for name in COLUMNS:
            setattr(self, name, np.append(columns[name], np.asarray(_EMPTY[name], columns[name].dtype)))
        self.price_quantile = _quantile_within(self.price, self.category)
        self.text = np.vstack([vectors, np.zeros((1, spec.text_dim), np.float32)])
        self.words = ProductWords.of(products)
        self.live = np.append(np.ones(m, bool), False)
        self.rows = {p.product_id: i for i, p in enumerate(products)}
        self.missing_row = m
        self.added: dict[str, Product] = {}
        """products added since load, by id (user-feature providers place them by their fields)"""
        self._size = m + 1
        self._lock = threading.Lock()

    item: np.ndarray
    category: np.ndarray
    category_top: np.ndarray
    brand: np.ndarray
    price: np.ndarray
    has_price: np.ndarray
    log_price: np.ndarray
    price_band: np.ndarray
    price_quantile: np.ndarray
    rating: np.ndarray
    has_rating: np.ndarray
    in_stock: np.ndarray

    def row_of(self, product_ids: Sequence[str] | np.ndarray) -> np.ndarray:
        rows, missing = self.rows, self.missing_row
        return np.fromiter((rows.get(p, missing) for p in product_ids), np.int64, len(product_ids))

    def candidates(self, product_ids: Sequence[str]) -> list[str | Product]:
        """The ids, with the Product in place of each id added since load."""
        added = self.added
        return [added.get(p, p) for p in product_ids] if added else list(product_ids)

    def upsert(self, products: Sequence[Product], vectors: np.ndarray) -> None:
        """Write these products' columns (new ids take new rows) and their text `vectors`."""
        vectors = np.asarray(vectors, dtype=np.float32).reshape(len(products), self.spec.text_dim)
        last = list({p.product_id: i for i, p in enumerate(products)}.values())  # an id twice: the last
        products, vectors = [products[i] for i in last], vectors[last]
        if not products:
            return
        with self._lock:
            known = [self.rows.get(p.product_id) for p in products]
            fresh = sum(row is None for row in known)
            self._reserve(fresh)
            new_rows = iter(range(self._size, self._size + fresh))
            rows = np.array([next(new_rows) if row is None else row for row in known], np.int64)
            left = self.category[rows[[row is not None for row in known]]]
            columns = self._columns(products)
            for name in COLUMNS:
                getattr(self, name)[rows] = columns[name]
            self.text[rows] = vectors
            for row, product in zip(rows.tolist(), products, strict=True):
                self.words.rows[row] = product_words(product)
            self.live[rows] = True
            self._size += fresh
            self._requantile(np.concatenate([left, columns["category"]]))
            for row, product, before in zip(rows.tolist(), products, known, strict=True):
                if before is None or product.product_id in self.added:
                    self.added[product.product_id] = product
                self.rows[product.product_id] = row  # visible last

    def delete(self, product_ids: Sequence[str]) -> None:
        """Forget these ids (they read the empty row again); their rows are not reused."""
        with self._lock:
            rows = np.array([self.rows.pop(p) for p in product_ids if p in self.rows], np.int64)
            for pid in product_ids:
                self.added.pop(pid, None)
            if rows.size:
                self.live[rows] = False
                self._requantile(self.category[rows])

    def _columns(self, products: Sequence[Product]) -> dict[str, np.ndarray]:
        """Each column's values for these products, from their own fields."""
        vocab = self._vocabularies
        prices = np.array([np.nan if p.price is None else p.price for p in products], np.float64)
        has_price = np.isfinite(prices)
        bands = 1 + np.searchsorted(np.asarray(self.spec.price_edges), np.nan_to_num(prices), side="right")
        ratings = np.array([np.nan if p.rating is None else p.rating for p in products], np.float64)
        return {
            "item": lookup(_objects([p.product_id for p in products]), vocab["item"]),
            "category": lookup(_objects([p.category_path for p in products]), vocab["category"]),
            "category_top": lookup(
                _objects([p.category[0] if p.category else "" for p in products]), vocab["category_top"]
            ),
            "brand": lookup(_objects([p.brand.strip().lower() for p in products]), vocab["brand"]),
            "price": prices,
            "has_price": has_price,
            "log_price": np.where(has_price, np.log1p(np.nan_to_num(prices)), 0.0),
            "price_band": np.where(has_price, bands, UNKNOWN).astype(np.int64),
            "price_quantile": np.full(len(products), np.nan),  # filled in over the whole category
            "rating": ratings,
            "has_rating": np.isfinite(ratings),  # nan rating: standardised to the mean
            "in_stock": np.array([p.in_stock for p in products], np.float64),
        }

    def _requantile(self, groups: np.ndarray) -> None:
        """Price quantiles again within these category indices, over their live products."""
        size = self._size
        rows = np.flatnonzero(self.live[:size] & np.isin(self.category[:size], np.unique(groups)))
        if rows.size:
            self.price_quantile[rows] = _quantile_within(self.price[rows], self.category[rows])

    def _reserve(self, extra: int) -> None:
        """Room for `extra` more rows; grown arrays are copies, so readers keep valid ones."""
        capacity = len(self.item)
        if self._size + extra <= capacity:
            return
        grown = max(self._size + extra, capacity + max(256, capacity // 8))
        for name in COLUMNS:
            old = getattr(self, name)
            new = np.full(grown, _EMPTY[name], dtype=old.dtype)
            new[:capacity] = old
            setattr(self, name, new)
        text = np.zeros((grown, self.text.shape[1]), np.float32)
        text[:capacity] = self.text
        self.text = text
        live = np.zeros(grown, bool)
        live[:capacity] = self.live
        self.live = live
        self.words.rows.extend([frozenset()] * (grown - capacity))


def _index(values: Sequence[str]) -> dict[str, int]:
    return {v: i + 1 for i, v in enumerate(values)}


def _quantile_within(prices: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each price's mid-rank quantile among the priced products of its group (nan without a
    price); equal prices share their mean rank, so the order of the rows never matters."""
    out = np.full(prices.size, np.nan)
    priced = np.flatnonzero(np.isfinite(prices))
    order = priced[np.lexsort((prices[priced], groups[priced]))]
    if not order.size:
        return out
    group, price = groups[order], prices[order]
    starts = np.flatnonzero(np.r_[True, np.diff(group) != 0])
    sizes = np.diff(np.r_[starts, order.size])
    rank = np.arange(order.size) - np.repeat(starts, sizes)
    ties = np.flatnonzero(np.r_[True, (np.diff(group) != 0) | (np.diff(price) != 0)])
    tie_sizes = np.diff(np.r_[ties, order.size])
    mean_rank = np.repeat(rank[ties] + (tie_sizes - 1) / 2, tie_sizes)
    out[order] = (mean_rank + 0.5) / np.repeat(sizes, sizes)
    return out


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out

"""What profiles need to know about the catalog: each product's category levels, brand, price
band (its price quantile within its own category), tracked attribute values and unit item
vector, with base rates.

Attribute values: for each attribute the config tracks (colour and material by default), a
product has its value lowercased and, when that has several words, the last word as a second
value ('Navy Blue' is 'navy blue' and 'blue'), so a taste for blue carries over between shades.
A value's base rate is its share of the products that have the attribute at all.

Price bands: for each category path (every level, plus the whole catalog as '') with at least
`min_band_products` priced products, the edges are the price quantiles at 1/B .. (B-1)/B. A
product takes the edges of its deepest category that has them, so 'cheap' means cheap for that
kind of product; a price equal to an edge is placed in the middle of the bands that edge closes.
The same category gives each product its price quantile (mid-rank among that category's prices,
0 = cheapest), the continuous measure a shopper's price level is taken in.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from shelfwise.personalize.config import ProfileConfig
from shelfwise.records import CATEGORY_SEPARATOR, Product

CATALOG_FILE = "catalog.json"
_ARRAYS = ("product_nodes", "product_brand", "product_band")
VALUE_SEPARATOR = "="  # a tracked value's name is "<attribute>=<value>"


class VectorLookup(Protocol):
    """Item vectors by product id: row i of `matrix` belongs to `ids[i]` (any scale; zero = none)."""

    @property
    def ids(self) -> Sequence[str]: ...

    @property
    def matrix(self) -> np.ndarray: ...


@dataclass(frozen=True)
class VectorTable:
    """The simplest `VectorLookup`: ids and a (len(ids), dim) matrix."""

    ids: Sequence[str]
    matrix: np.ndarray


@dataclass(frozen=True)
class Located:
    """Catalog rows of some products: node ids per level (-1 padded), brand, band, vector row (-1:
    none), tracked attribute value ids (-1 padded) and price quantile (nan: no price)."""

    nodes: np.ndarray
    brand: np.ndarray
    band: np.ndarray
    vector_row: np.ndarray
    values: np.ndarray
    quantile: np.ndarray


@dataclass(frozen=True, eq=False)
class ProfileCatalog:
    """Arrays have one row per product plus a trailing row of -1 that unknown ids index."""

    product_ids: tuple[str, ...]
    nodes: tuple[str, ...]
    brands: tuple[str, ...]
    n_bands: int
    band_edges: Mapping[str, tuple[float, ...]]
    product_nodes: np.ndarray  # (P + 1, depth) int32
    product_brand: np.ndarray  # (P + 1,) int32
    product_band: np.ndarray  # (P + 1,) int32
    vectors: np.ndarray | None = None  # (P, dim) float32 unit rows, zero rows for none
    attribute_keys: tuple[str, ...] = ()  # the tracked attributes
    values: tuple[str, ...] = ()  # "<attribute>=<value>", sorted
    product_values: np.ndarray | None = None  # (P + 1, slots) int32 value ids, -1 padded
    product_quantile: np.ndarray | None = None  # (P + 1,) price quantile in its category, nan: none
    index: dict[str, int] = field(init=False, repr=False)
    node_index: dict[str, int] = field(init=False, repr=False)
    brand_index: dict[str, int] = field(init=False, repr=False)
    node_base: np.ndarray = field(init=False, repr=False)
    brand_base: np.ndarray = field(init=False, repr=False)
    band_base: np.ndarray = field(init=False, repr=False)
    vector_row: np.ndarray = field(init=False, repr=False)
    value_index: dict[str, int] = field(init=False, repr=False)
    value_key: np.ndarray = field(init=False, repr=False)  # (V,) index into attribute_keys
    value_base: np.ndarray = field(init=False, repr=False)  # (V,) share of the attribute's products

    def __post_init__(self) -> None:
        put = object.__setattr__
        product_values = self.product_values
        if product_values is None:
            product_values = np.full((len(self.product_ids) + 1, 1), -1, dtype=np.int32)
            put(self, "product_values", product_values)
        if self.product_quantile is None:  # folders saved before quantiles: the band's centre
            put(self, "product_quantile", band_centre(self.product_band, self.n_bands))
        put(self, "value_index", {value: i for i, value in enumerate(self.values)})
        key_of = {key: i for i, key in enumerate(self.attribute_keys)}
        value_key = np.array([key_of[v.split(VALUE_SEPARATOR, 1)[0]] for v in self.values], np.int64)
        put(self, "value_key", value_key)
        put(self, "value_base", _value_shares(product_values[:-1], value_key, len(self.attribute_keys)))
        put(self, "index", {pid: i for i, pid in enumerate(self.product_ids)})
        put(self, "node_index", {path: i for i, path in enumerate(self.nodes)})
        put(self, "brand_index", {brand: i for i, brand in enumerate(self.brands)})
        put(
            self,
            "node_base",
            _shares(
                self.product_nodes[:-1].ravel(), len(self.nodes), (self.product_nodes[:-1, 0] >= 0).sum()
            ),
        )
        put(self, "brand_base", _shares(self.product_brand[:-1], len(self.brands)))
        counts = np.bincount(self.product_band[:-1][self.product_band[:-1] >= 0], minlength=self.n_bands)
        put(self, "band_base", (counts + 1.0) / (counts.sum() + self.n_bands))
        rows = np.full(len(self.product_ids) + 1, -1, dtype=np.int64)
        if self.vectors is not None:
            has = np.linalg.norm(self.vectors, axis=1) > 0
            rows[:-1][has] = np.flatnonzero(has)
        put(self, "vector_row", rows)

    def keys_of(self, values: np.ndarray) -> np.ndarray:
        """The tracked attribute (index into `attribute_keys`) of each value id; -1 for -1."""
        return np.append(self.value_key, -1)[values]

    @property
    def depth(self) -> int:
        return int(self.product_nodes.shape[1])

    @property
    def dim(self) -> int | None:
        return None if self.vectors is None else int(self.vectors.shape[1])

    @classmethod
    def from_products(
        cls,
        products: Sequence[Product],
        config: ProfileConfig | None = None,
        vectors: VectorLookup | None = None,
    ) -> ProfileCatalog:
        config = config or ProfileConfig()
        ids = tuple(p.product_id for p in products)
        if len(set(ids)) != len(ids):
            raise ValueError("product ids repeat")
        nodes = tuple(sorted({path for p in products for path in category_levels(p.category)}))
        node_index = {path: i for i, path in enumerate(nodes)}
        brands = tuple(sorted({p.brand.strip() for p in products if p.brand.strip()}))
        brand_index = {b: i for i, b in enumerate(brands)}
        prices = _prices_by_path(products)
        edges = _band_edges(prices, config.price_bands, config.min_band_products)
        keys = tuple(config.attributes)
        tokens = [attribute_values(p, keys) for p in products]
        values = tuple(sorted({v for found in tokens for v in found}))
        value_index = {v: i for i, v in enumerate(values)}
        product_values = np.full((len(ids) + 1, max((len(t) for t in tokens), default=0) or 1), -1, np.int32)
        for row, found in enumerate(tokens):
            product_values[row, : len(found)] = [value_index[v] for v in found]
        depth = max((len(p.category) for p in products), default=0) or 1
        product_nodes = np.full((len(ids) + 1, depth), -1, dtype=np.int32)
        product_brand = np.full(len(ids) + 1, -1, dtype=np.int32)
        product_band = np.full(len(ids) + 1, -1, dtype=np.int32)
        product_quantile = np.full(len(ids) + 1, np.nan)
        for row, product in enumerate(products):
            product_quantile[row] = price_quantile(product, edges, prices)
            levels = category_levels(product.category)
            product_nodes[row, : len(levels)] = [node_index[path] for path in levels]
            product_brand[row] = brand_index.get(product.brand.strip(), -1)
            product_band[row] = price_band(product, edges)
        return cls(
            ids, nodes, brands, config.price_bands, edges, product_nodes, product_brand, product_band,
            None if vectors is None else _unit_rows(ids, vectors), keys, values, product_values,
            product_quantile,
        )  # fmt: skip

    def locate(self, products: Sequence[Product | str]) -> Located:
        """Rows of these products; a Product outside the catalog is placed by its own fields."""
        rows = np.fromiter(
            (self.index.get(p if isinstance(p, str) else p.product_id, -1) for p in products),
            dtype=np.int64,
            count=len(products),
        )
        nodes, brand = self.product_nodes[rows], self.product_brand[rows]
        band, vector_row = self.product_band[rows], self.vector_row[rows]
        assert self.product_values is not None and self.product_quantile is not None
        values, quantile = self.product_values[rows], self.product_quantile[rows]
        for i in np.flatnonzero(rows < 0):
            product = products[int(i)]
            if isinstance(product, Product):  # a new product's quantile is its band's centre
                nodes[i], brand[i], band[i], values[i] = self._place(product)
                quantile[i] = band_centre(band[i : i + 1], self.n_bands)[0]
        return Located(nodes, brand, band, vector_row, values, quantile)

    def _place(self, product: Product) -> tuple[np.ndarray, int, int, np.ndarray]:
        nodes = np.full(self.depth, -1, dtype=np.int32)
        for level, path in enumerate(category_levels(product.category)[: self.depth]):
            nodes[level] = self.node_index.get(path, -1)
        assert self.product_values is not None
        values = np.full(self.product_values.shape[1], -1, dtype=np.int32)
        found = attribute_values(product, self.attribute_keys)
        known = [self.value_index[v] for v in found if v in self.value_index]
        values[: min(len(known), values.size)] = known[: values.size]
        brand = self.brand_index.get(product.brand.strip(), -1)
        return nodes, brand, price_band(product, self.band_edges), values

    def save(self, folder: Path) -> None:
        meta = {
            "product_ids": list(self.product_ids),
            "nodes": list(self.nodes),
            "brands": list(self.brands),
            "n_bands": self.n_bands,
            "band_edges": {path: list(edges) for path, edges in self.band_edges.items()},
            "attribute_keys": list(self.attribute_keys),
            "values": list(self.values),
        }
        (folder / CATALOG_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        for name in (*_ARRAYS, "product_values", "product_quantile"):
            np.save(folder / f"{name}.npy", getattr(self, name))
        if self.vectors is not None:
            np.save(folder / "vectors.npy", self.vectors)

    @classmethod
    def load(cls, folder: Path) -> ProfileCatalog:
        meta = json.loads((folder / CATALOG_FILE).read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
        vectors_file, values_file = folder / "vectors.npy", folder / "product_values.npy"
        quantile_file = folder / "product_quantile.npy"
        return cls(  # folders saved before attributes were tracked load with none
            tuple(meta["product_ids"]), tuple(meta["nodes"]), tuple(meta["brands"]), int(meta["n_bands"]),
            {path: tuple(edges) for path, edges in meta["band_edges"].items()},
            vectors=np.load(vectors_file, allow_pickle=False) if vectors_file.exists() else None,
            attribute_keys=tuple(meta.get("attribute_keys", ())), values=tuple(meta.get("values", ())),
            product_values=np.load(values_file, allow_pickle=False) if values_file.exists() else None,
            product_quantile=np.load(quantile_file, allow_pickle=False) if quantile_file.exists() else None,
            **arrays,
        )  # fmt: skip


def category_levels(category: Sequence[str]) -> list[str]:
    """Every level of a category path: ('Home', 'Kitchen') -> ['Home', 'Home > Kitchen']."""
    return [CATEGORY_SEPARATOR.join(category[: i + 1]) for i in range(len(category))]


def attribute_values(product: Product, keys: Sequence[str]) -> list[str]:
    """The product's tracked values as "<attribute>=<value>": each value lowercased, and its last
    word too when it has several ('color=navy blue', 'color=blue')."""
    out: list[str] = []
    for key in keys:
        value = " ".join(str(product.attributes.get(key, "")).lower().split())
        if not value:
            continue
        out.append(f"{key}{VALUE_SEPARATOR}{value}")
        last = value.rsplit(" ", 1)[-1]
        if last != value:
            out.append(f"{key}{VALUE_SEPARATOR}{last}")
    return out


def price_band(product: Product, edges: Mapping[str, tuple[float, ...]]) -> int:
    """The product's band under the edges of its deepest category that has them; -1 without a price."""
    if product.price is None:
        return -1
    for path in [*reversed(category_levels(product.category)), ""]:
        if path in edges:
            cut = np.asarray(edges[path])
            below = int(np.searchsorted(cut, product.price, side="left"))
            return (below + int(np.searchsorted(cut, product.price, side="right"))) // 2
    return -1


def band_centre(band: np.ndarray, n_bands: int) -> np.ndarray:
    """The middle quantile of each band (nan for -1)."""
    return np.where(band >= 0, (np.maximum(band, 0) + 0.5) / max(n_bands, 1), np.nan)


def price_quantile(
    product: Product, edges: Mapping[str, tuple[float, ...]], prices: Mapping[str, np.ndarray]
) -> float:
    """The price's mid-rank quantile among the prices of the category its band comes from (nan: none)."""
    if product.price is None:
        return float("nan")
    for path in [*reversed(category_levels(product.category)), ""]:
        if path in edges:
            known = prices[path]
            below = np.searchsorted(known, product.price, "left")
            return float((below + np.searchsorted(known, product.price, "right")) / 2 / len(known))
    return float("nan")


def _prices_by_path(products: Sequence[Product]) -> dict[str, np.ndarray]:
    """Sorted prices under every category level (and the whole catalog as '')."""
    prices: dict[str, list[float]] = defaultdict(list)
    for product in products:
        if product.price is not None:
            for path in ["", *category_levels(product.category)]:
                prices[path].append(product.price)
    return {path: np.sort(np.asarray(values, dtype=np.float64)) for path, values in prices.items()}


def _band_edges(
    prices: Mapping[str, np.ndarray], bands: int, min_products: int
) -> dict[str, tuple[float, ...]]:
    quantiles = np.arange(1, bands) / bands
    return {
        path: tuple(float(x) for x in np.quantile(values, quantiles))
        for path, values in sorted(prices.items())
        if len(values) >= min_products or path == ""
    }


def _value_shares(product_values: np.ndarray, value_key: np.ndarray, n_keys: int) -> np.ndarray:
    """Each value's share of the products that have its attribute (a product counts once per value)."""
    if not len(value_key):
        return np.zeros(0)
    counts = np.bincount(product_values[product_values >= 0], minlength=len(value_key)).astype(np.float64)
    has_key = np.zeros((len(product_values), max(n_keys, 1)), dtype=bool)
    rows, slots = np.nonzero(product_values >= 0)
    has_key[rows, value_key[product_values[rows, slots]]] = True
    return counts / np.maximum(has_key.sum(axis=0)[value_key], 1.0)


def _shares(ids: np.ndarray, n: int, total: int | None = None) -> np.ndarray:
    counts = np.bincount(ids[ids >= 0], minlength=n).astype(np.float64)
    denominator = float(counts.sum() if total is None else total)
    return counts / max(denominator, 1.0)


def _unit_rows(ids: Sequence[str], vectors: VectorLookup) -> np.ndarray:
    matrix = np.asarray(vectors.matrix, dtype=np.float32)
    if matrix.ndim != 2 or matrix.shape[0] != len(vectors.ids):
        raise ValueError(f"expected a ({len(vectors.ids)}, dim) vector matrix, got shape {matrix.shape}")
    row_of = {pid: i for i, pid in enumerate(vectors.ids)}
    out = np.zeros((len(ids), matrix.shape[1]), dtype=np.float32)
    rows = [(i, row_of[pid]) for i, pid in enumerate(ids) if pid in row_of]
    if rows:
        mine, theirs = (np.array(r, dtype=np.int64) for r in zip(*rows, strict=True))
        out[mine] = matrix[theirs]
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0)

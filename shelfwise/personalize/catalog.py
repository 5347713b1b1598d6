"""What profiles need to know about the catalog: each product's category levels, brand, price
band (its price quantile within its own category) and unit item vector, with base rates.

Price bands: for each category path (every level, plus the whole catalog as '') with at least
`min_band_products` priced products, the edges are the price quantiles at 1/B .. (B-1)/B. A
product takes the edges of its deepest category that has them, so 'cheap' means cheap for that
kind of product; a price equal to an edge is placed in the middle of the bands that edge closes.
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
    """Catalog rows of some products: node ids per level (-1 padded), brand, band, vector row (-1: none)."""

    nodes: np.ndarray
    brand: np.ndarray
    band: np.ndarray
    vector_row: np.ndarray


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
    index: dict[str, int] = field(init=False, repr=False)
    node_index: dict[str, int] = field(init=False, repr=False)
    brand_index: dict[str, int] = field(init=False, repr=False)
    node_base: np.ndarray = field(init=False, repr=False)
    brand_base: np.ndarray = field(init=False, repr=False)
    band_base: np.ndarray = field(init=False, repr=False)
    vector_row: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        put = object.__setattr__
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
        edges = _band_edges(products, config.price_bands, config.min_band_products)
        depth = max((len(p.category) for p in products), default=0) or 1
        product_nodes = np.full((len(ids) + 1, depth), -1, dtype=np.int32)
        product_brand = np.full(len(ids) + 1, -1, dtype=np.int32)
        product_band = np.full(len(ids) + 1, -1, dtype=np.int32)
        for row, product in enumerate(products):
            levels = category_levels(product.category)
            product_nodes[row, : len(levels)] = [node_index[path] for path in levels]
            product_brand[row] = brand_index.get(product.brand.strip(), -1)
            product_band[row] = price_band(product, edges)
        return cls(
            ids, nodes, brands, config.price_bands, edges, product_nodes, product_brand, product_band,
            None if vectors is None else _unit_rows(ids, vectors),
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
        for i in np.flatnonzero(rows < 0):
            product = products[int(i)]
            if isinstance(product, Product):
                nodes[i], brand[i], band[i] = self._place(product)
        return Located(nodes, brand, band, vector_row)

    def _place(self, product: Product) -> tuple[np.ndarray, int, int]:
        nodes = np.full(self.depth, -1, dtype=np.int32)
        for level, path in enumerate(category_levels(product.category)[: self.depth]):
            nodes[level] = self.node_index.get(path, -1)
        return nodes, self.brand_index.get(product.brand.strip(), -1), price_band(product, self.band_edges)

    def save(self, folder: Path) -> None:
        meta = {
            "product_ids": list(self.product_ids),
            "nodes": list(self.nodes),
            "brands": list(self.brands),
            "n_bands": self.n_bands,
            "band_edges": {path: list(edges) for path, edges in self.band_edges.items()},
        }
        (folder / CATALOG_FILE).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name))
        if self.vectors is not None:
            np.save(folder / "vectors.npy", self.vectors)

    @classmethod
    def load(cls, folder: Path) -> ProfileCatalog:
        meta = json.loads((folder / CATALOG_FILE).read_text(encoding="utf-8"))
        arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in _ARRAYS}
        vectors_file = folder / "vectors.npy"
        return cls(
            tuple(meta["product_ids"]), tuple(meta["nodes"]), tuple(meta["brands"]), int(meta["n_bands"]),
            {path: tuple(edges) for path, edges in meta["band_edges"].items()},
            vectors=np.load(vectors_file, allow_pickle=False) if vectors_file.exists() else None, **arrays,
        )  # fmt: skip


def category_levels(category: Sequence[str]) -> list[str]:
    """Every level of a category path: ('Home', 'Kitchen') -> ['Home', 'Home > Kitchen']."""
    return [CATEGORY_SEPARATOR.join(category[: i + 1]) for i in range(len(category))]


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


def _band_edges(products: Sequence[Product], bands: int, min_products: int) -> dict[str, tuple[float, ...]]:
    prices: dict[str, list[float]] = defaultdict(list)
    for product in products:
        if product.price is not None:
            for path in ["", *category_levels(product.category)]:
                prices[path].append(product.price)
    quantiles = np.arange(1, bands) / bands
    return {
        path: tuple(float(x) for x in np.quantile(np.asarray(values), quantiles))
        for path, values in sorted(prices.items())
        if len(values) >= min_products or path == ""
    }


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

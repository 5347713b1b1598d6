"""Learned product-product links from shoppers' events: substitutes (`also_viewed`) and
complements (`bought_together`).

How the two are told apart:
- a **substitute** pair was looked at in one session (viewed, clicked, carted or bought: a visit
  is `session_id`, else the actor) *without both being bought* (carted or purchased) in it: the
  shopper compared the two and took at most one;
- a **complement** pair was bought (carted or purchased) by one shopper (the actor: a signed-in
  user across visits) within one *basket*: purchases less than `basket_days` apart from the one
  before. `orders` counts, as evidence, the visits in which both went into the cart.
The co-occurrence counts are the recommender's own (`recommend.cooccurrence.pair_matrix`, with
no distance decay over sets of distinct items: entry (a, b) = units holding both).

A link needs `min_support` units holding both, and is weighed by normalised PMI over the units
of its kind: npmi = log(p(ab) / (p(a) p(b))) / -log p(ab), 1 when a and b only ever come
together, 0 when independent; lift p(ab) / (p(a) p(b)) is kept as evidence. Links at or below
`min_npmi` are dropped, and each product keeps its `max_links` strongest of a kind (a link kept
by either end stays).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from shelfwise.graph.strings import Finder
from shelfwise.graph.types import GraphBuildConfig
from shelfwise.recommend.artifact import load_array, load_csr, save_array, save_csr
from shelfwise.recommend.cooccurrence import pair_matrix
from shelfwise.recommend.interactions import INTERACTION_TYPES, PURCHASE_TYPES
from shelfwise.records import Event


@dataclass(frozen=True)
class LinkTable:
    """Symmetric links of one kind (products x products, CSR, sorted indices); `npmi` is the
    matrix's data, `support`, `lift` and `orders` (0 where not counted) are aligned with it;
    `occurrences[p]` counts the units holding p out of `units`."""

    matrix: sp.csr_matrix
    support: np.ndarray
    lift: np.ndarray
    orders: np.ndarray
    occurrences: np.ndarray
    units: int

    def row(self, product: int) -> slice:
        return slice(int(self.matrix.indptr[product]), int(self.matrix.indptr[product + 1]))

    def neighbours(self, product: int) -> np.ndarray:
        return self.matrix.indices[self.row(product)]

    def entry(self, a: int, b: int) -> int:
        """The position of link (a, b) in the data arrays, -1 when there is none."""
        span = self.row(a)
        columns = self.matrix.indices[span]
        at = int(np.searchsorted(columns, b))
        return span.start + at if at < len(columns) and columns[at] == b else -1

    def evidence(self, at: int, a: int, b: int, unit: str) -> dict[str, float | int | str]:
        out: dict[str, float | int | str] = {
            unit: int(self.support[at]), "npmi": round(float(self.matrix.data[at]), 4),
            "lift": round(float(self.lift[at]), 3), f"{unit}_with_source": int(self.occurrences[a]),
            f"{unit}_with_target": int(self.occurrences[b]), f"{unit}_total": self.units,
        }  # fmt: skip
        if self.orders[at]:
            out["orders"] = int(self.orders[at])
        return out

    @property
    def nbytes(self) -> int:
        m = self.matrix
        arrays = (m.data, m.indices, m.indptr, self.support, self.lift, self.orders, self.occurrences)
        return int(sum(a.nbytes for a in arrays))

    def save(self, folder: Path, name: str) -> None:
        save_csr(folder, name, self.matrix)
        for part in ("support", "lift", "orders", "occurrences"):
            save_array(folder, f"{name}.{part}", getattr(self, part))

    @classmethod
    def load(cls, folder: Path, name: str, n_products: int, units: int) -> LinkTable:
        matrix = load_csr(folder, name, (n_products, n_products))
        parts = {
            part: load_array(folder, f"{name}.{part}")
            for part in ("support", "lift", "orders", "occurrences")
        }
        return cls(matrix=matrix, units=units, **parts)


@dataclass
class _Units:
    """Per visit: products looked at and products bought; per actor: purchases (time, product)."""

    seen: dict[str, list[int]]
    bought: dict[str, list[int]]
    purchases: dict[str, list[tuple[datetime, int]]]


def _collect(events: Iterable[Event], products: Finder) -> _Units:
    units = _Units(defaultdict(list), defaultdict(list), defaultdict(list))
    for event in events:
        if event.type not in INTERACTION_TYPES or event.type == "rating" or event.product_id is None:
            continue
        product = products.find(event.product_id)
        if product < 0:
            continue
        visit = event.session_id or event.actor
        units.seen[visit].append(product)
        if event.type in PURCHASE_TYPES:
            units.bought[visit].append(product)
            units.purchases[event.actor].append((event.timestamp, product))
    return units


def _distinct(items: Iterable[int], limit: int) -> np.ndarray:
    return np.fromiter(dict.fromkeys(items), dtype=np.int64)[:limit]


def _baskets(purchases: list[tuple[datetime, int]], days: float, limit: int) -> list[np.ndarray]:
    """One actor's purchases split where the gap to the previous one exceeds `days`."""
    ordered = sorted(purchases)
    baskets: list[list[int]] = []
    last: datetime | None = None
    for when, product in ordered:
        if last is None or (when - last).total_seconds() > days * 86_400:
            baskets.append([])
        baskets[-1].append(product)
        last = when
    return [_distinct(basket, limit) for basket in baskets]


def _counts(sets: list[np.ndarray], n: int, window: int | None = None) -> tuple[sp.csr_matrix, np.ndarray]:
    """(units holding both a and b at most `window` positions apart (None: anywhere), units
    holding each product)."""
    window = window or max((len(s) for s in sets), default=1)
    pairs = pair_matrix(sets, n, window, distance_decay=0.0, backward_weight=1.0)
    occurrences = np.bincount(np.concatenate(sets), minlength=n) if sets else np.zeros(n, dtype=np.int64)
    return pairs, occurrences.astype(np.int32)


def learn_links(events: Iterable[Event], products: Finder, config: GraphBuildConfig) -> dict[str, LinkTable]:
    """`also_viewed` and `bought_together` links of the products in `products` (see the module)."""
    n, limit = len(products), config.max_basket_items
    units = _collect(events, products)
    seen = [_distinct(items, limit) for items in units.seen.values()]
    seen_bought = [_distinct(units.bought.get(visit, ()), limit) for visit in units.seen]
    viewed_pairs, viewed_counts = _counts(seen, n)
    both_bought, _ = _counts([s for s in seen_bought if len(s) > 1], n)
    substitutes = (viewed_pairs - both_bought).tocsr()
    baskets = [
        b for purchases in units.purchases.values() for b in _baskets(purchases, config.basket_days, limit)
    ]
    bought_pairs, bought_counts = _counts(baskets, n, config.basket_window)
    return {
        "also_viewed": _table(substitutes, viewed_counts, len(seen), None, config),
        "bought_together": _table(bought_pairs, bought_counts, len(baskets), both_bought, config),
    }


def _table(
    pairs: sp.csr_matrix,
    occurrences: np.ndarray,
    units: int,
    orders: sp.csr_matrix | None,
    config: GraphBuildConfig,
) -> LinkTable:
    pairs = pairs.tocoo()
    keep = pairs.data >= config.min_support
    a, b, both = pairs.row[keep], pairs.col[keep], pairs.data[keep].astype(np.float64)
    total = max(units, 1)
    p_ab, p_a, p_b = both / total, occurrences[a] / total, occurrences[b] / total
    lift = p_ab / (p_a * p_b)
    with np.errstate(divide="ignore", invalid="ignore"):
        npmi = np.where(p_ab >= 1.0, 1.0, np.log(lift) / -np.log(p_ab))
    keep = npmi > config.min_npmi
    a, b, both, lift, npmi = a[keep], b[keep], both[keep], lift[keep], npmi[keep]
    keep = _strongest(a, b, npmi, config.max_links)
    a, b, both, lift, npmi = a[keep], b[keep], both[keep], lift[keep], npmi[keep]
    n = len(occurrences)
    order = np.lexsort((b, a))
    a, b = a[order], b[order]
    matrix = sp.csr_matrix((npmi[order].astype(np.float32), b.astype(np.int32), _indptr(a, n)), shape=(n, n))
    in_orders = np.zeros(len(a), dtype=np.int32)
    if orders is not None and len(a):
        in_orders = np.asarray(orders[a, b], dtype=np.float64).ravel().astype(np.int32)
    return LinkTable(matrix, both[order].astype(np.int32), lift[order].astype(np.float32), in_orders,
                     occurrences, units)  # fmt: skip


def _indptr(rows: np.ndarray, n: int) -> np.ndarray:
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    return indptr


def _strongest(a: np.ndarray, b: np.ndarray, weight: np.ndarray, k: int) -> np.ndarray:
    """Mask of the links among the `k` strongest of a's or of b's (the pairs come both ways,
    so a link kept from either end is kept in both directions)."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((-weight, a))
    rank = np.empty(len(a), dtype=np.int64)
    starts = np.searchsorted(a[order], a[order], side="left")
    rank[order] = np.arange(len(a)) - starts
    top = rank < k
    pair = np.minimum(a, b).astype(np.int64) * (int(max(a.max(), b.max())) + 1) + np.maximum(a, b)
    kept_pairs = np.unique(pair[top])
    return np.isin(pair, kept_pairs)

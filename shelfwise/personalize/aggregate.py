"""Events to profile arrays, vectorised over many shoppers at once.

Every shopper keeps a window of their latest `max_events` usable events (product row, type
weight, time); a profile is a pure function of its window, which is what makes folding new
events in equal to rebuilding. Weights are decayed to the shopper's own latest event (so the
newest event always has its full weight and nothing underflows); a profile is moved to any
other reference time by one factor, which changes the evidence but none of the shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from shelfwise.personalize.catalog import ProfileCatalog
from shelfwise.personalize.config import ProfileConfig
from shelfwise.records import Event


@dataclass(frozen=True)
class EventRows:
    """Usable events as arrays; `actor` indexes a list of actor names kept by the caller."""

    actor: np.ndarray  # int64
    product: np.ndarray  # int64 catalog row
    weight: np.ndarray  # float64, undecayed
    time: np.ndarray  # float64 epoch seconds

    def __len__(self) -> int:
        return len(self.actor)

    def take(self, rows: np.ndarray) -> EventRows:
        return EventRows(self.actor[rows], self.product[rows], self.weight[rows], self.time[rows])

    @classmethod
    def concat(cls, parts: Iterable[EventRows]) -> EventRows:
        parts = list(parts) or [empty_rows()]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in _FIELDS))


_FIELDS = ("actor", "product", "weight", "time")


def empty_rows() -> EventRows:
    return EventRows(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0), np.zeros(0))


@dataclass(frozen=True, eq=False)
class Compact:
    """One shopper's profile: weights decayed to `last_time`; ids sorted."""

    n_events: int
    last_time: float
    total: float
    cat_ids: np.ndarray
    cat_w: np.ndarray
    cat_total: float
    brand_ids: np.ndarray
    brand_w: np.ndarray
    brand_total: float
    band_w: np.ndarray
    band_total: float
    embedding: np.ndarray | None
    value_ids: np.ndarray  # tracked attribute values (`ProfileCatalog.values`)
    value_w: np.ndarray
    value_total: np.ndarray  # per tracked attribute: the weight of products that have it
    price_level: float  # weighted mean price quantile of the priced products (nan: none)
    price_spread: float  # their weighted standard deviation


@dataclass(frozen=True, eq=False)
class ProfileTable:
    """Many shoppers' profiles, row i for actor i; sparse kinds as CSR-style (indptr, ids, weights)."""

    n_events: np.ndarray
    last_time: np.ndarray
    total: np.ndarray
    cat: tuple[np.ndarray, np.ndarray, np.ndarray]
    cat_total: np.ndarray
    brand: tuple[np.ndarray, np.ndarray, np.ndarray]
    brand_total: np.ndarray
    band_w: np.ndarray
    band_total: np.ndarray
    embedding: np.ndarray | None
    has_embedding: np.ndarray
    value: tuple[np.ndarray, np.ndarray, np.ndarray]
    value_total: np.ndarray  # (actors, tracked attributes)
    price_level: np.ndarray
    price_spread: np.ndarray

    def row(self, i: int) -> Compact:
        (cp, ci, cw), (bp, bi, bw), (vp, vi, vw) = self.cat, self.brand, self.value
        return Compact(
            int(self.n_events[i]), float(self.last_time[i]), float(self.total[i]),
            ci[cp[i] : cp[i + 1]], cw[cp[i] : cp[i + 1]], float(self.cat_total[i]),
            bi[bp[i] : bp[i + 1]], bw[bp[i] : bp[i + 1]], float(self.brand_total[i]),
            self.band_w[i], float(self.band_total[i]),
            self.embedding[i] if self.embedding is not None and self.has_embedding[i] else None,
            vi[vp[i] : vp[i + 1]], vw[vp[i] : vp[i + 1]], self.value_total[i],
            float(self.price_level[i]), float(self.price_spread[i]),
        )  # fmt: skip


def parse_events(
    events: Iterable[Event], catalog: ProfileCatalog, config: ProfileConfig, actor_index: dict[str, int]
) -> EventRows:
    """The usable events (a known product, a positive weight) as rows; new actors are added to
    `actor_index` in order of appearance."""
    weights = config.event_weights
    actor, product, weight, time = [], [], [], []
    for event in events:
        row = catalog.index.get(event.product_id) if event.product_id is not None else None
        if row is None:
            continue
        if event.type == "rating":
            w = config.rating_weight(event.rating) if event.rating is not None else 0.0
        else:
            w = weights.get(event.type, 0.0)
        if w <= 0:
            continue
        actor.append(actor_index.setdefault(event.actor, len(actor_index)))
        product.append(row)
        weight.append(w)
        time.append(event.timestamp.timestamp())
    return EventRows(
        np.array(actor, np.int64), np.array(product, np.int64), np.array(weight, np.float64), np.array(time)
    )


def windows(rows: EventRows, n_actors: int, max_events: int) -> tuple[EventRows, np.ndarray]:
    """Rows sorted by actor then time (ties keep their order) cut to each actor's latest
    `max_events`, and the offsets of each actor's slice."""
    ordered = rows.take(np.lexsort((rows.time, rows.actor)))
    counts = np.bincount(ordered.actor, minlength=n_actors)
    starts = np.concatenate([[0], np.cumsum(counts)])
    position = np.arange(len(ordered)) - starts[ordered.actor]
    kept = ordered.take(np.flatnonzero(position >= counts[ordered.actor] - max_events))
    kept_counts = np.minimum(counts, max_events)
    return kept, np.concatenate([[0], np.cumsum(kept_counts)])


def compute_table(
    rows: EventRows, offsets: np.ndarray, catalog: ProfileCatalog, config: ProfileConfig
) -> ProfileTable:
    """Profiles of windowed rows (as `windows` returns them) for actors 0 .. len(offsets) - 2."""
    n_actors = len(offsets) - 1
    counts = np.diff(offsets)
    last = np.zeros(n_actors)
    has = counts > 0
    last[has] = rows.time[offsets[1:][has] - 1]
    decayed = rows.weight * np.exp2(-(last[rows.actor] - rows.time) / config.half_life_seconds)

    def per_actor(mask: np.ndarray | None = None) -> np.ndarray:
        w = decayed if mask is None else decayed * mask
        return np.bincount(rows.actor, weights=w, minlength=n_actors)

    nodes = catalog.product_nodes[rows.product]
    brand = catalog.product_brand[rows.product]
    band = catalog.product_band[rows.product]
    band_w = np.zeros((n_actors, catalog.n_bands))
    priced = band >= 0
    np.add.at(band_w, (rows.actor[priced], band[priced]), decayed[priced])
    embedding, has_embedding = _embeddings(rows, decayed, n_actors, catalog)
    categories = _sparse_sums(rows.actor, nodes, decayed, n_actors, len(catalog.nodes))
    brands = _sparse_sums(rows.actor, brand[:, None], decayed, n_actors, len(catalog.brands))
    assert catalog.product_values is not None
    values = catalog.product_values[rows.product]
    keys = catalog.keys_of(values)
    value_total = np.zeros((n_actors, len(catalog.attribute_keys)))
    for key in range(len(catalog.attribute_keys)):
        value_total[:, key] = per_actor((keys == key).any(axis=1))
    level, spread = _price_level(rows, decayed, n_actors, catalog)
    return ProfileTable(
        counts, last, per_actor(), categories, per_actor(nodes[:, 0] >= 0), brands, per_actor(brand >= 0),
        band_w, band_w.sum(axis=1), embedding, has_embedding,
        _sparse_sums(rows.actor, values, decayed, n_actors, len(catalog.values)), value_total, level, spread,
    )  # fmt: skip


def _price_level(
    rows: EventRows, decayed: np.ndarray, n_actors: int, catalog: ProfileCatalog
) -> tuple[np.ndarray, np.ndarray]:
    """Per actor, the decayed weighted mean and deviation of the price quantiles of the products
    behind their events (nan without a priced product)."""
    assert catalog.product_quantile is not None
    quantile = catalog.product_quantile[rows.product]
    priced = np.isfinite(quantile)
    w = np.where(priced, decayed, 0.0)
    q = np.where(priced, quantile, 0.0)
    total = np.bincount(rows.actor, weights=w, minlength=n_actors)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(rows.actor, weights=w * q, minlength=n_actors) / total
        second = np.bincount(rows.actor, weights=w * q * q, minlength=n_actors) / total
    spread = np.sqrt(np.maximum(second - mean * mean, 0.0))
    return np.where(total > 0, mean, np.nan), np.where(total > 0, spread, np.nan)


def _sparse_sums(
    actor: np.ndarray, ids: np.ndarray, weight: np.ndarray, n_actors: int, n_ids: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per actor, the summed weight of each id (ids: (n, k), -1 = none): (indptr, ids, sums)."""
    valid = ids >= 0
    keys = (actor[:, None] * max(n_ids, 1) + ids)[valid]
    unique, inverse = np.unique(keys, return_inverse=True)
    sums = np.bincount(inverse, weights=np.broadcast_to(weight[:, None], ids.shape)[valid])
    owner = unique // max(n_ids, 1)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(owner, minlength=n_actors))])
    return indptr, (unique % max(n_ids, 1)).astype(np.int32), sums


def _embeddings(
    rows: EventRows, decayed: np.ndarray, n_actors: int, catalog: ProfileCatalog
) -> tuple[np.ndarray | None, np.ndarray]:
    """Decayed weighted means of the unit item vectors, L2-normalised; rows without any are zero."""
    if catalog.vectors is None:
        return None, np.zeros(n_actors, dtype=bool)
    vector_rows = catalog.vector_row[rows.product]
    known = vector_rows >= 0
    if n_actors == 1:  # one shopper (updates, live profiles): no sparse matrix to build
        sums = (decayed[known] @ catalog.vectors[vector_rows[known]].astype(np.float64))[None, :]
    else:
        weights = sparse.csr_matrix(
            (decayed[known].astype(np.float32), (rows.actor[known], vector_rows[known])),
            shape=(n_actors, len(catalog.vectors)),
        )
        sums = np.asarray(weights @ catalog.vectors, dtype=np.float64)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    unit = np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0).astype(np.float32)
    return unit, norms[:, 0] > 0

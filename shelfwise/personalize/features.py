"""A shopper's profile matched against candidate products: one row of features per candidate.

Lifts are logs of smoothed lifts, log(((w + a * p0) / (W + a)) / p0), for a decayed weight `w`
of W in all, catalog base rate `p0` and smoothing `a`: 0 is no evidence either way, so a row of
zeros (with `profile_empty` set) is what an unknown shopper gets.
"""

from __future__ import annotations

import numpy as np

from shelfwise.personalize.aggregate import Compact
from shelfwise.personalize.catalog import Located, ProfileCatalog

FEATURE_NAMES: tuple[str, ...] = (
    "category_affinity",  # share of the shopper's weight at the deepest level of the path they shopped
    "category_lift",  # log smoothed lift at that level (at the top level when none matches)
    "category_depth",  # that level / the product's path depth (0: no level matches)
    "brand_affinity",
    "brand_lift",
    "price_band_affinity",  # share of the shopper's weight in the product's price band
    "price_band_lift",
    "embedding_cosine",  # cosine of the profile embedding with the item vector
    "log_events",  # log(1 + events behind the profile)
    "log_weight",  # log(1 + decayed weight behind the profile)
    "profile_empty",  # 1 when nothing is known about the shopper
    "price_level",  # the shopper's usual price quantile within a category minus 0.5 (0: middle or unknown)
    "price_gap",  # squared distance of the product's price quantile from it (0 when either is unknown)
    "price_spread",  # how far the shopper's price quantiles stray from their level (0: unknown)
    "attribute_affinity",  # summed over tracked attributes (colour, material): the share of the
    "attribute_lift",  # shopper's weight on the product's value, and its log smoothed lift
)
FEATURE_INDEX = {name: i for i, name in enumerate(FEATURE_NAMES)}


def log_lift(weight: np.ndarray, total: float, base: np.ndarray, smoothing: float) -> np.ndarray:
    return np.log((weight + smoothing * base) / (total + smoothing) / base)


def lookup_weights(ids: np.ndarray, weights: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """The weight of each wanted id among sorted `ids` (0 when absent or -1)."""
    if len(ids) == 0:
        return np.zeros(wanted.shape)
    position = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where((ids[position] == wanted) & (wanted >= 0), weights[position], 0.0)


def profile_features(
    compact: Compact | None, located: Located, catalog: ProfileCatalog, smoothing: float, scale: float
) -> np.ndarray:
    """Features (n, len(FEATURE_NAMES)); `scale` moves the profile's weights to the asked time."""
    n = len(located.brand)
    out = np.zeros((n, len(FEATURE_NAMES)))
    if compact is None or compact.n_events == 0 or n == 0:
        out[:, FEATURE_INDEX["profile_empty"]] = 1.0
        return out
    _category_columns(out, compact, located.nodes, catalog, smoothing, scale)
    brand_w = lookup_weights(compact.brand_ids, compact.brand_w, located.brand) * scale
    _share_and_lift(
        out, "brand", brand_w, compact.brand_total * scale, located.brand, catalog.brand_base, smoothing
    )
    band_w = np.where(located.band >= 0, compact.band_w[located.band], 0.0) * scale
    _share_and_lift(
        out, "price_band", band_w, compact.band_total * scale, located.band, catalog.band_base, smoothing
    )
    _price_level(out, compact, located.quantile)
    _attribute_columns(out, compact, located.values, catalog, smoothing, scale)
    if compact.embedding is not None and catalog.vectors is not None:
        rows = located.vector_row
        cosine = catalog.vectors[np.maximum(rows, 0)] @ compact.embedding
        out[:, FEATURE_INDEX["embedding_cosine"]] = np.where(rows >= 0, cosine, 0.0)
    out[:, FEATURE_INDEX["log_events"]] = np.log1p(compact.n_events)
    out[:, FEATURE_INDEX["log_weight"]] = np.log1p(compact.total * scale)
    return out


def _price_level(out: np.ndarray, compact: Compact, quantile: np.ndarray) -> None:
    """The shopper's mean price quantile (quantiles within a category, so the level compares a
    cheap kettle with a cheap sofa), its spread, and each product's squared gap to it."""
    level = compact.price_level
    if not np.isfinite(level):
        return
    out[:, FEATURE_INDEX["price_level"]] = level - 0.5
    out[:, FEATURE_INDEX["price_spread"]] = compact.price_spread
    out[:, FEATURE_INDEX["price_gap"]] = np.where(np.isfinite(quantile), (quantile - level) ** 2, 0.0)


def _attribute_columns(
    out: np.ndarray, compact: Compact, values: np.ndarray, catalog: ProfileCatalog, a: float, scale: float
) -> None:
    """Per tracked attribute, the best share and lift among the product's values of it (the whole
    value or its last word), summed over the attributes; 0 for an attribute the product lacks."""
    if not len(catalog.values) or not len(compact.value_ids):
        return
    known = values >= 0
    ids = np.maximum(values, 0)
    key = catalog.keys_of(values)
    weight = lookup_weights(compact.value_ids, compact.value_w, values) * scale
    total = np.append(compact.value_total, 0.0)[key] * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(known & (total > 0), weight / total, 0.0)
        lift = np.where(known & (total > 0), log_lift(weight, total, catalog.value_base[ids], a), 0.0)
    for k in range(len(catalog.attribute_keys)):
        mine = known & (key == k)
        has = mine.any(axis=1)
        best_share = np.where(mine, share, -np.inf).max(axis=1)
        best_lift = np.where(mine, lift, -np.inf).max(axis=1)
        out[:, FEATURE_INDEX["attribute_affinity"]] += np.where(has, best_share, 0.0)
        out[:, FEATURE_INDEX["attribute_lift"]] += np.where(has, best_lift, 0.0)


def _share_and_lift(
    out: np.ndarray, kind: str, weight: np.ndarray, total: float, ids: np.ndarray, base: np.ndarray, a: float
) -> None:
    known = ids >= 0
    if total > 0:
        out[:, FEATURE_INDEX[f"{kind}_affinity"]] = weight / total
    lift = log_lift(weight, total, base[np.maximum(ids, 0)], a) if len(base) else np.zeros(len(ids))
    out[:, FEATURE_INDEX[f"{kind}_lift"]] = np.where(known, lift, 0.0)


def _category_columns(
    out: np.ndarray, compact: Compact, nodes: np.ndarray, catalog: ProfileCatalog, a: float, scale: float
) -> None:
    weight = lookup_weights(compact.cat_ids, compact.cat_w, nodes) * scale
    matched_depth = ((weight > 0) * np.arange(1, nodes.shape[1] + 1)).max(axis=1)  # 0: no level matches
    rows, level = np.arange(len(nodes)), np.maximum(matched_depth - 1, 0)
    level_w, level_node = weight[rows, level], nodes[rows, level]
    total = compact.cat_total * scale
    if total > 0:
        out[:, FEATURE_INDEX["category_affinity"]] = level_w / total
    out[:, FEATURE_INDEX["category_depth"]] = matched_depth / np.maximum((nodes >= 0).sum(axis=1), 1)
    if len(catalog.node_base):
        lift = log_lift(level_w, total, catalog.node_base[np.maximum(level_node, 0)], a)
        out[:, FEATURE_INDEX["category_lift"]] = np.where(level_node >= 0, lift, 0.0)

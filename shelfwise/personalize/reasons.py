"""Why a product suits a shopper, in words, when the profile's evidence is strong enough.

A brand, category level, price band or tracked attribute value (colour, material) is a reason
when its share, its decayed weight and its smoothed lift all reach the config's thresholds; its
strength is the smoothed share. Taste similarity needs the cosine threshold and enough weight;
its strength is the cosine shrunk by the evidence, W / (W + smoothing).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from shelfwise.personalize.aggregate import Compact
from shelfwise.personalize.catalog import VALUE_SEPARATOR, Located, ProfileCatalog
from shelfwise.personalize.config import ProfileConfig
from shelfwise.personalize.features import lookup_weights
from shelfwise.personalize.profile import band_label
from shelfwise.records import CATEGORY_SEPARATOR

ReasonKind = Literal["brand", "category", "price_band", "attribute", "similar_taste"]


@dataclass(frozen=True)
class Reason:
    kind: ReasonKind
    strength: float
    text: str
    key: str = ""  # the brand, category path, band name or "<attribute>=<value>" it is about


def _strength(weight: float, total: float, base: float, config: ProfileConfig) -> float | None:
    """The smoothed share when the evidence passes every threshold, else None."""
    if total <= 0 or base <= 0:
        return None
    smoothed = (weight + config.smoothing * base) / (total + config.smoothing)
    strong = (
        weight / total >= config.reason_min_share
        and weight >= config.reason_min_weight
        and smoothed / base >= config.reason_min_lift
    )
    return smoothed if strong else None


def profile_reasons(
    compact: Compact | None, located: Located, catalog: ProfileCatalog, config: ProfileConfig, scale: float
) -> list[Reason]:
    """The reasons for the one product in `located`, strongest first."""
    if compact is None or compact.n_events == 0:
        return []
    out = [*_category(compact, located, catalog, config, scale)]
    brand = int(located.brand[0])
    if brand >= 0:
        weight = float(lookup_weights(compact.brand_ids, compact.brand_w, located.brand)[0]) * scale
        strength = _strength(weight, compact.brand_total * scale, float(catalog.brand_base[brand]), config)
        if strength is not None:
            name = catalog.brands[brand]
            out.append(Reason("brand", strength, f"you often buy {name}", name))
    band = int(located.band[0])
    if band >= 0:
        weight = float(compact.band_w[band]) * scale
        strength = _strength(weight, compact.band_total * scale, float(catalog.band_base[band]), config)
        if strength is not None:
            nodes = [int(n) for n in located.nodes[0] if n >= 0]
            kind = catalog.nodes[nodes[-1]].split(CATEGORY_SEPARATOR)[-1] if nodes else ""
            text = f"in your usual price range for {kind}" if kind else "in your usual price range"
            out.append(Reason("price_band", strength, text, band_label(band, catalog.n_bands)))
    out.extend(_attributes(compact, located, catalog, config, scale))
    out.extend(_similar(compact, located, catalog, config, scale))
    return sorted(out, key=lambda r: -r.strength)


def _category(
    compact: Compact, located: Located, catalog: ProfileCatalog, config: ProfileConfig, scale: float
) -> list[Reason]:
    """The deepest level of the product's path that passes the thresholds."""
    nodes = located.nodes[:1]
    weights = lookup_weights(compact.cat_ids, compact.cat_w, nodes)[0] * scale
    for level in range(nodes.shape[1] - 1, -1, -1):
        node = int(nodes[0, level])
        if node < 0:
            continue
        total = compact.cat_total * scale
        strength = _strength(float(weights[level]), total, float(catalog.node_base[node]), config)
        if strength is not None:
            path = catalog.nodes[node]
            return [Reason("category", strength, f"you often shop {path}", path)]
    return []


def _attributes(
    compact: Compact, located: Located, catalog: ProfileCatalog, config: ProfileConfig, scale: float
) -> list[Reason]:
    """The strongest passing value per tracked attribute: 'you often choose blue'."""
    values = [int(v) for v in located.values[0] if v >= 0]
    if not values or not len(compact.value_ids):
        return []
    weights = lookup_weights(compact.value_ids, compact.value_w, np.array(values)) * scale
    best: dict[int, Reason] = {}
    for value, weight in zip(values, weights, strict=True):
        key = int(catalog.value_key[value])
        total = float(compact.value_total[key]) * scale
        strength = _strength(float(weight), total, float(catalog.value_base[value]), config)
        if strength is not None and (key not in best or strength > best[key].strength):
            word = catalog.values[value].split(VALUE_SEPARATOR, 1)[1]
            best[key] = Reason("attribute", strength, f"you often choose {word}", catalog.values[value])
    return list(best.values())


def _similar(
    compact: Compact, located: Located, catalog: ProfileCatalog, config: ProfileConfig, scale: float
) -> list[Reason]:
    row = int(located.vector_row[0])
    if compact.embedding is None or catalog.vectors is None or row < 0:
        return []
    cosine = float(np.dot(catalog.vectors[row], compact.embedding))
    total = compact.total * scale
    if cosine < config.reason_min_similarity or total < config.reason_min_weight:
        return []
    return [
        Reason("similar_taste", cosine * total / (total + config.smoothing), "similar to products you liked")
    ]

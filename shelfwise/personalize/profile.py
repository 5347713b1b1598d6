"""One shopper's profile in readable form: affinities by name, an embedding, a JSON summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np

from shelfwise.personalize.aggregate import Compact
from shelfwise.personalize.catalog import ProfileCatalog
from shelfwise.personalize.config import ProfileConfig
from shelfwise.records import CATEGORY_SEPARATOR

_BAND_NAMES = {
    3: ("low", "middle", "high"),
    5: ("lowest", "low", "middle", "high", "highest"),
}


def band_label(band: int, n_bands: int) -> str:
    """A price band's name: 'lowest' .. 'highest' for 5 bands, else 'band 2 of 4'."""
    names = _BAND_NAMES.get(n_bands)
    return names[band] if names else f"band {band + 1} of {n_bands}"


@dataclass(frozen=True)
class Affinity:
    """How much of a shopper's (decayed) interest went to one category, brand or price band.

    `share` is of the weight of that kind (category shares sum to 1 at each level), `weight` is
    the decayed event weight behind it (a purchase is 5, a view 1: this tells one click from a
    habit) and `lift` the smoothed share over the catalog's base rate (1: no preference)."""

    key: str
    share: float
    weight: float
    lift: float

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "share": round(self.share, 4), "weight": round(self.weight, 3),
                "lift": round(self.lift, 3)}  # fmt: skip


@dataclass(frozen=True, eq=False)
class UserProfile:
    """A shopper's profile at `as_of`; affinities strongest first, price bands in band order
    (cheapest first). `embedding` is a unit vector, None when no interacted item had one."""

    actor: str
    n_events: int
    last_event: datetime | None
    as_of: datetime | None
    weight: float
    categories: tuple[Affinity, ...]
    brands: tuple[Affinity, ...]
    price_bands: tuple[Affinity, ...]
    embedding: np.ndarray | None
    compact: Compact | None = field(default=None, repr=False)
    attributes: tuple[Affinity, ...] = ()  # keys "<attribute>=<value>", shares within the attribute

    @property
    def is_empty(self) -> bool:
        return self.n_events == 0

    def summary(self, top: int = 5) -> dict[str, Any]:
        """JSON-friendly: the most specific categories shopped, departments, brands and price bands."""
        paths = {a.key for a in self.categories}
        specific = [
            a for a in self.categories if not any(p.startswith(a.key + CATEGORY_SEPARATOR) for p in paths)
        ]
        departments = [a for a in self.categories if CATEGORY_SEPARATOR not in a.key]
        bands = sorted(
            ({"band": i, **a.as_dict()} for i, a in enumerate(self.price_bands) if a.weight > 0),
            key=lambda b: -b["share"],
        )
        return {
            "actor": self.actor,
            "events": self.n_events,
            "last_event": None if self.last_event is None else self.last_event.isoformat(),
            "as_of": None if self.as_of is None else self.as_of.isoformat(),
            "weight": round(self.weight, 3),
            "categories": [a.as_dict() for a in specific[:top]],
            "departments": [a.as_dict() for a in departments[:top]],
            "brands": [a.as_dict() for a in self.brands[:top]],
            "price_bands": bands[:top],
            "attributes": [a.as_dict() for a in self.attributes[:top]],
            "price_level": _rounded(None if self.compact is None else self.compact.price_level),
            "price_spread": _rounded(None if self.compact is None else self.compact.price_spread),
            "has_embedding": self.embedding is not None,
        }


def _rounded(value: float | None) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 4)


def to_datetime(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def make_profile(
    actor: str, compact: Compact | None, catalog: ProfileCatalog, config: ProfileConfig, as_of: float | None
) -> UserProfile:
    """The readable profile of a compact one, with its weights moved to `as_of` (default: its last event)."""
    if compact is None or compact.n_events == 0:
        return UserProfile(actor, 0, None, to_datetime(as_of), 0.0, (), (), (), None, None)
    reference = compact.last_time if as_of is None else as_of
    scale, smoothing = decay_scale(compact, reference, config), config.smoothing
    categories = _affinities(
        [catalog.nodes[i] for i in compact.cat_ids], compact.cat_w * scale, compact.cat_total * scale,
        catalog.node_base[compact.cat_ids], smoothing,
    )  # fmt: skip
    brands = _affinities(
        [catalog.brands[i] for i in compact.brand_ids], compact.brand_w * scale, compact.brand_total * scale,
        catalog.brand_base[compact.brand_ids], smoothing,
    )  # fmt: skip
    bands = _affinities(
        [band_label(b, catalog.n_bands) for b in range(catalog.n_bands)], compact.band_w * scale,
        compact.band_total * scale, catalog.band_base, smoothing, ordered=False,
    )  # fmt: skip
    keys = catalog.value_key[compact.value_ids]
    attributes = _affinities(
        [catalog.values[i] for i in compact.value_ids], compact.value_w * scale,
        compact.value_total[keys] * scale, catalog.value_base[compact.value_ids], smoothing,
    )  # fmt: skip
    return UserProfile(
        actor, compact.n_events, to_datetime(compact.last_time), to_datetime(reference),
        compact.total * scale, categories, brands, bands, compact.embedding, compact, attributes,
    )  # fmt: skip


def decay_scale(compact: Compact, reference: float, config: ProfileConfig) -> float:
    """The factor that moves a compact profile's weights from its last event to `reference`."""
    return float(np.exp2(-(reference - compact.last_time) / config.half_life_seconds))


def _affinities(
    keys: list[str],
    weights: np.ndarray,
    total: float | np.ndarray,
    base: np.ndarray,
    smoothing: float,
    ordered: bool = True,
) -> tuple[Affinity, ...]:
    total = np.asarray(total, dtype=np.float64)
    shares = np.divide(weights, total, out=np.zeros(len(keys)), where=total > 0)
    lifts = (weights + smoothing * base) / (total + smoothing) / base
    out = [
        Affinity(k, float(s), float(w), float(x))
        for k, s, w, x in zip(keys, shares, weights, lifts, strict=True)
    ]
    return tuple(sorted(out, key=lambda a: (-a.weight, a.key))) if ordered else tuple(out)

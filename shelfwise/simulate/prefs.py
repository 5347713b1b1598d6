"""Latent preferences of simulated shoppers, and the utility a shopper gets from a product.

Shoppers belong to personas (a few related categories, a favoured brand per department, how
strongly a complement purchase follows); each shopper then draws their own favourite categories
with Dirichlet weights, brand, colour and material affinities, a preferred price band (quantiles
of the category's prices), a weight on quality and an activity level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelfwise.simulate.catalog import TASTE_DIMENSIONS, ShopCatalog


@dataclass(frozen=True)
class Persona:
    categories: np.ndarray  # category indexes
    weights: np.ndarray  # sums to 1
    brands: dict[int, int]  # department -> the brand the persona leans to
    complement_follow: float  # chance a pending complement becomes the next session's intent


@dataclass(frozen=True)
class Taste:
    """One shopper's hidden preferences (indexes into a `ShopCatalog`)."""

    persona: int
    signed_in: bool
    favourites: np.ndarray  # category indexes, strongest first
    weights: np.ndarray  # Dirichlet weights of `favourites`
    brand_affinity: np.ndarray  # per brand (+ none), added to utility
    colour_affinity: np.ndarray  # per colour family (+ none)
    material_affinity: np.ndarray  # per material (+ none)
    liked_brands: tuple[int, ...]  # the brands, colours and materials given an affinity, strongest first
    liked_colours: tuple[int, ...]
    liked_materials: tuple[int, ...]
    price_center: float  # preferred price quantile within a category
    price_width: float
    price_sensitivity: float
    quality_weight: float
    factors: np.ndarray  # latent taste, dotted with the products' factors
    activity: float  # expected sessions over the simulated window
    explore: float  # chance a session explores a category outside the favourites
    search_rate: float  # chance a session starts with a search
    complement_follow: float

    @property
    def price_band(self) -> tuple[float, float]:
        return max(0.0, self.price_center - self.price_width), min(1.0, self.price_center + self.price_width)


def utility(taste: Taste, catalog: ShopCatalog, idx: np.ndarray) -> np.ndarray:
    """How much the shopper likes each product in `idx` (about 0 for an average fit)."""
    deviation = (catalog.price_q[idx] - taste.price_center) / taste.price_width
    return (
        taste.brand_affinity[catalog.brand[idx]]
        + taste.colour_affinity[catalog.colour[idx]]
        + taste.material_affinity[catalog.material[idx]]
        - taste.price_sensitivity * np.minimum(deviation * deviation, 4.0)
        + taste.quality_weight * catalog.rating_z[idx]
        + 0.12 * (catalog.popularity[idx] + 4.0)
        + 0.45 * catalog.taste[idx] @ taste.factors
    )


def make_personas(
    catalog: ShopCatalog, complements: dict[int, tuple[int, ...]], n: int, rng: np.random.Generator
) -> list[Persona]:
    """Personas centred on one department, with a side interest and the complements of their categories."""
    n_categories = len(catalog.categories)
    by_department = [np.flatnonzero(catalog.department == d) for d in range(len(catalog.departments))]
    homes = np.concatenate([rng.permutation(len(by_department)) for _ in range(n // len(by_department) + 1)])
    personas = []
    for home in homes[:n]:  # every department is some persona's home once there are enough personas
        own = by_department[int(home)]
        picked = list(rng.choice(own, size=min(own.size, int(rng.integers(3, 7))), replace=False))
        if n_categories > own.size:
            side = np.setdiff1d(np.arange(n_categories), own)
            picked += list(rng.choice(side, size=min(side.size, int(rng.integers(1, 3))), replace=False))
        for category in list(picked):
            picked += [
                b for b in complements.get(int(category), ()) if b not in picked and rng.random() < 0.7
            ]
        categories = np.array(picked, dtype=int)
        weights = rng.dirichlet(np.full(categories.size, 1.2))
        departments = {int(catalog.department[c]) for c in categories}
        brands = {}
        for d in sorted(departments):
            pool = catalog.department_brands[d]
            if pool.size:
                brands[d] = int(rng.choice(pool))
        personas.append(Persona(categories, weights, brands, float(rng.uniform(0.35, 0.8))))
    return personas


def make_taste(
    catalog: ShopCatalog,
    persona_index: int,
    persona: Persona,
    signed_in: bool,
    mean_sessions: float,
    rng: np.random.Generator,
) -> Taste:
    """A shopper of `persona`; `mean_sessions` is the average visit count over the window."""
    k = min(persona.categories.size, int(rng.integers(2, 6)))
    favourites = rng.choice(persona.categories, size=k, replace=False, p=persona.weights)
    weights = rng.dirichlet(np.full(k, 1.5))
    order = np.argsort(-weights, kind="stable")
    favourites, weights = favourites[order], weights[order]
    brand_affinity = _brand_affinity(catalog, favourites, persona, rng)
    colour_affinity = _affinity(catalog.colour_counts[favourites].sum(axis=0), rng, 1.0)
    material_affinity = _affinity(catalog.material_counts[favourites].sum(axis=0), rng, 0.7)
    return Taste(
        persona=persona_index,
        signed_in=signed_in,
        favourites=favourites,
        weights=weights,
        brand_affinity=brand_affinity[0],
        colour_affinity=colour_affinity[0],
        material_affinity=material_affinity[0],
        liked_brands=brand_affinity[1],
        liked_colours=colour_affinity[1],
        liked_materials=material_affinity[1],
        price_center=float(rng.beta(2.0, 2.0)),
        price_width=float(rng.uniform(0.2, 0.35)),
        price_sensitivity=float(rng.uniform(0.6, 1.8)),
        quality_weight=float(rng.uniform(0.2, 0.6)),
        factors=rng.normal(0.0, 1.0, TASTE_DIMENSIONS) / np.sqrt(TASTE_DIMENSIONS),
        activity=float(mean_sessions * rng.lognormal(-0.245, 0.7)),  # mean 1: a few are very active
        explore=float(rng.uniform(0.08, 0.3)),
        search_rate=float(rng.uniform(0.4, 0.8)),
        complement_follow=persona.complement_follow,
    )


def _brand_affinity(
    catalog: ShopCatalog, favourites: np.ndarray, persona: Persona, rng: np.random.Generator
) -> tuple[np.ndarray, tuple[int, ...]]:
    """One or two liked brands per favourite department, often the persona's; small noise elsewhere."""
    affinity = np.zeros(len(catalog.brands) + 1)
    affinity[:-1] = rng.normal(0.0, 0.15, len(catalog.brands))
    chosen: list[int] = []
    for d in sorted({int(catalog.department[c]) for c in favourites}):
        pool = catalog.department_brands[d]
        if not pool.size:
            continue
        liked = list(rng.choice(pool, size=min(pool.size, int(rng.integers(1, 3))), replace=False))
        if d in persona.brands and rng.random() < 0.6:
            liked[0] = persona.brands[d]
        for brand in liked:
            affinity[brand] = rng.uniform(0.9, 1.6)
            chosen.append(int(brand))
    return affinity, _strongest_first(affinity, chosen)


def _affinity(
    counts: np.ndarray, rng: np.random.Generator, strength: float
) -> tuple[np.ndarray, tuple[int, ...]]:
    """Affinity for one or two values, likelier the commoner they are among the favourites' products.

    `counts` has one slot per value plus the `none` slot last, which never gets an affinity.
    """
    affinity = np.zeros(counts.size)
    values = np.flatnonzero(counts[:-1])
    chosen: list[int] = []
    if values.size:
        k = min(values.size, int(rng.integers(1, 3)))
        for value in rng.choice(values, size=k, replace=False, p=counts[values] / counts[values].sum()):
            affinity[value] = strength * rng.uniform(0.7, 1.3)
            chosen.append(int(value))
    return affinity, _strongest_first(affinity, chosen)


def _strongest_first(affinity: np.ndarray, chosen: list[int]) -> tuple[int, ...]:
    return tuple(sorted(set(chosen), key=lambda i: (-affinity[i], i)))

"""What a simulated shopper's query is (`Query`) and the price phrase it may carry; shared by
the English (`query`) and Chinese (`query_zh`) query builders."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np

from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.prefs import Taste

_PRICE_STEPS: Final = (
    10,
    15,
    20,
    25,
    30,
    40,
    50,
    75,
    100,
    150,
    200,
    250,
    300,
    400,
    500,
    750,
    1000,
    1500,
    2000,
)


@dataclass(frozen=True)
class Query:
    text: str  # what the shopper typed
    noun: str  # the words the ranking matches (typo-free)
    brand: int = -1
    colour: str = ""  # colour as written, lowercased
    material: int = -1
    max_price: float | None = None


def price_phrase(
    catalog: ShopCatalog, taste: Taste, category: int, rng: np.random.Generator, specific: float
) -> tuple[float | None, str]:
    if rng.random() >= 0.1 * specific:
        return None, ""
    if taste.price_center < 0.35 and rng.random() < 0.3:
        return None, "cheap"
    if taste.price_center > 0.65 and rng.random() < 0.3:
        return None, "premium"
    ceiling = catalog.price_at(category, taste.price_band[1])
    if ceiling is None:
        return None, ""
    step = next((s for s in _PRICE_STEPS if s >= ceiling), None)
    return (float(step), f"under {step}") if step is not None else (None, "")

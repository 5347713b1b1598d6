"""What simulated shoppers type, and the simulator's own ranking of what a search shows them.

A query is built around a product the shopper has in mind: its noun or category leaf, sometimes
with its brand, colour or material, a price phrase ("under 50", "cheap") or a typo. The results
are the intent category's products ranked by a plain text/attribute match plus popularity; the
search engine is deliberately not involved.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

import numpy as np

from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.prefs import Taste

TYPO_RATE: Final = 0.06
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
_TITLE_WORDS = re.compile(r"[a-z0-9']+")
_STOP_WORDS: Final = frozenset(["a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "from"])


@dataclass(frozen=True)
class Query:
    text: str  # what the shopper typed
    noun: str  # the words the ranking matches (typo-free)
    brand: int = -1
    colour: str = ""  # colour as written, lowercased
    material: int = -1
    max_price: float | None = None


def build_query(
    catalog: ShopCatalog, taste: Taste, target: int, rng: np.random.Generator, refine: bool = False
) -> Query:
    """A query for a shopper who has `target` (or something like it) in mind.

    `refine` is a second try after a search that showed nothing worth clicking: more specific,
    and never misspelled.
    """
    if catalog.language == "zh":
        from shelfwise.simulate.query_zh import build_query_zh

        return build_query_zh(catalog, taste, target, rng, refine)
    category = int(catalog.category[target])
    noun = _subject(catalog, target, rng)
    specific = 2.0 if refine else 1.0
    brand = int(catalog.brand[target])
    use_brand = brand < len(catalog.brands) and rng.random() < 0.12 * specific * (
        1.0 + taste.brand_affinity[brand]
    )
    colour = str(catalog.colour_text[target])
    use_colour = bool(colour) and rng.random() < 0.3 * specific * (
        1.0 + taste.colour_affinity[catalog.colour[target]]
    )
    material = int(catalog.material[target])
    use_material = material < len(catalog.materials) and rng.random() < 0.12 * specific
    max_price, price_words = price_phrase(catalog, taste, category, rng, specific)
    words = [
        catalog.brands[brand].lower() if use_brand else "",
        colour if use_colour else "",
        catalog.materials[material] if use_material else "",
        noun,
        price_words,
    ]
    text = " ".join(w for w in words if w)
    if not refine and rng.random() < TYPO_RATE:
        text = misspell(text, rng)
    return Query(
        text=text,
        noun=noun,
        brand=brand if use_brand else -1,
        colour=colour if use_colour else "",
        material=material if use_material else -1,
        max_price=max_price,
    )


def _subject(catalog: ShopCatalog, target: int, rng: np.random.Generator) -> str:
    """What the product is called: its noun, the category leaf, or (no noun, as for books) title words."""
    leaf = catalog.categories[int(catalog.category[target])].split(" > ")[-1].lower().replace("&", "and")
    leaf = " ".join(_TITLE_WORDS.findall(leaf))
    noun = catalog.nouns[target]
    if noun == leaf and rng.random() < 0.3:
        brand = int(catalog.brand[target])
        skip = _STOP_WORDS | set(catalog.brands[brand].lower().split() if brand < len(catalog.brands) else ())
        name = re.split(r"[,:(]", catalog.titles[target])[0]
        words = [w for w in _TITLE_WORDS.findall(name) if w not in skip][:3]
        return " ".join(words) or leaf
    return leaf if rng.random() < 0.3 else noun


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


def misspell(text: str, rng: np.random.Generator) -> str:
    """One edit in one word of four letters or more: a swap, a dropped or a doubled letter."""
    words = text.split()
    long = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
    if not long:
        return text
    i = int(long[int(rng.integers(len(long)))])
    word = words[i]
    at = int(rng.integers(1, len(word) - 1))
    edit = int(rng.integers(3))
    if edit == 0:
        word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
    elif edit == 1:
        word = word[:at] + word[at + 1 :]
    else:
        word = word[:at] + word[at] + word[at:]
    words[i] = word
    return " ".join(words)


def rank_results(
    catalog: ShopCatalog, query: Query, category: int, rng: np.random.Generator, page_size: int
) -> np.ndarray:
    """The first page of results: the category's products by text/attribute match and popularity."""
    idx = catalog.members[category]
    score = (
        3.0 * catalog.word_match(category, query.noun)
        + 0.35 * catalog.popularity[idx]
        + 0.3 * catalog.rating_z[idx]
    )
    if query.brand >= 0:
        score += 2.0 * (catalog.brand[idx] == query.brand)
    if query.colour:
        score += 1.5 * (catalog.colour_text[idx] == query.colour)
    if query.material >= 0:
        score += 1.0 * (catalog.material[idx] == query.material)
    if query.max_price is not None:
        score -= 4.0 * (np.nan_to_num(catalog.price[idx], nan=0.0) > query.max_price)
    score -= 0.5 * ~catalog.in_stock[idx]
    score += rng.normal(0.0, 0.3, idx.size)
    return idx[np.argsort(-score, kind="stable")[:page_size]]

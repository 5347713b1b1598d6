"""What simulated shoppers type, and the simulator's own ranking of what a search shows them.

A query is built around a product the shopper has in mind: its noun or category leaf, sometimes
with its brand, colour or material, a price phrase ("under 50", "cheap") or a typo. The results
are the intent category's products ranked by a plain text/attribute match plus popularity; the
search engine is deliberately not involved.
"""

from __future__ import annotations

import re
from typing import Final

import numpy as np

from shelfwise.query.typos import misspell
from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.prefs import Taste
from shelfwise.simulate.query_base import Query, price_phrase
from shelfwise.simulate.query_zh import build_query_zh

TYPO_RATE: Final = 0.06
_TITLE_WORDS = re.compile(r"[a-z0-9']+")
_STOP_WORDS: Final = frozenset(["a", "an", "and", "the", "of", "for", "with", "in", "on", "to", "by", "from"])

__all__ = ["TYPO_RATE", "Query", "build_query", "price_phrase", "rank_results"]


def build_query(
    catalog: ShopCatalog, taste: Taste, target: int, rng: np.random.Generator, refine: bool = False
) -> Query:
    """A query for a shopper who has `target` (or something like it) in mind.

    `refine` is a second try after a search that showed nothing worth clicking: more specific,
    and never misspelled.
    """
    if catalog.language == "zh":
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

"""What simulated shoppers of a Chinese shop type: the product's kind, sometimes with its brand,
colour or material, a price phrase ("200元以下", "便宜", "高端"), now and then in traditional
characters or in pinyin, as Chinese shoppers do ("紅色 連衣裙", "hongse lianyiqun").

The same choices and probabilities as the English shoppers (`query.build_query`); the
words the simulator's own ranking matches (`Query.noun`) stay simplified.
"""

from __future__ import annotations

from typing import Final

import numpy as np

from shelfwise.demo.vocab_zh import QUERY_WORDS
from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.prefs import Taste
from shelfwise.simulate.query_base import Query, price_phrase

TRADITIONAL_RATE: Final = 0.1
PINYIN_RATE: Final = 0.08
_PRICE_WORDS: Final = {"cheap": "便宜", "premium": "高端"}


def build_query_zh(
    catalog: ShopCatalog, taste: Taste, target: int, rng: np.random.Generator, refine: bool = False
) -> Query:
    """A Chinese query for a shopper who has `target` in mind (`refine`: more specific, simplified)."""
    category = int(catalog.category[target])
    leaf = catalog.categories[category].split(" > ")[-1]
    noun = catalog.nouns[target] if rng.random() < 0.3 else leaf
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
    if price_words.startswith("under "):
        price_words = f"{price_words.removeprefix('under ')}元以下"
    price_words = _PRICE_WORDS.get(price_words, price_words)
    described = (colour if use_colour else "") + (catalog.materials[material] if use_material else "")
    words = [catalog.brands[brand] if use_brand else "", described, noun, price_words]
    text = " ".join(w for w in words if w)
    if not refine:
        text = _script(text, rng)
    return Query(
        text=text,
        noun=leaf.lower(),
        brand=brand if use_brand else -1,
        colour=colour if use_colour else "",
        material=material if use_material else -1,
        max_price=max_price,
    )


def _script(text: str, rng: np.random.Generator) -> str:
    """Now and then the same words in traditional characters, or in pinyin where all are known."""
    draw = rng.random()
    words = text.split()
    if draw < TRADITIONAL_RATE:
        return " ".join(QUERY_WORDS.get(w, (w, ""))[0] for w in words)
    if draw < TRADITIONAL_RATE + PINYIN_RATE and all(w in QUERY_WORDS or w.isascii() for w in words):
        return " ".join(QUERY_WORDS[w][1] if w in QUERY_WORDS else w for w in words)
    return text

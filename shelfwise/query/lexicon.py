"""Built-in word lists for query attribute parsing, and the tokenizer both sides share.

The catalog supplies most of the vocabulary (brands, attribute values); these lists add what a
catalog does not say: common colour and material names, size equivalences, units that mark a
number as a measurement rather than a price, negation cues and the words too common to trust.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Tokens: "w/o", numbers ("1,000", "19.99"), words with inner apostrophes ("men's"). Hyphens and
# other punctuation separate tokens, so "off-white" and "off white" give the same phrase key.
_TOKEN_RE = re.compile(r"w/o(?!\w)|\d+(?:[.,]\d+)*|[^\W\d_]+(?:['’][^\W\d_]+)*")

# Spelling variants and unit spellings folded together in phrase keys (query and catalog alike).
TOKEN_ALIASES: dict[str, str] = {
    "grey": "gray",
    "greys": "gray",
    "colour": "color",
    "aluminium": "aluminum",
    "inches": "inch",
    "feet": "ft",
    "foot": "ft",
    "lbs": "lb",
    "pound": "lb",
    "pounds": "lb",
    "ounce": "oz",
    "ounces": "oz",
    "watt": "w",
    "watts": "w",
    "volt": "v",
    "volts": "v",
    "extra": "x",
}


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


@dataclass(frozen=True, slots=True)
class Token:
    """One query or title token: its text as typed, its phrase-key form and its offsets."""

    text: str
    norm: str
    start: int
    end: int


def normalize_token(text: str) -> str:
    word = text.lower().replace("’", "'")
    return TOKEN_ALIASES.get(word, word)


def tokenize(text: str) -> list[Token]:
    return [
        Token(m.group(), normalize_token(m.group()), m.start(), m.end()) for m in _TOKEN_RE.finditer(text)
    ]


def phrase_words(text: str) -> list[str]:
    """The normalized tokens of `text`, without offsets."""
    return [normalize_token(word) for word in _TOKEN_RE.findall(text)]


def phrase_key(text: str) -> str:
    """The lookup key of a phrase: normalized tokens joined by single spaces."""
    return " ".join(phrase_words(text))


def singular(word: str) -> str:
    """A crude English singular, enough to match "dresses" with "dress" for category hints."""
    if len(word) > 4 and word.endswith(("ses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


COLORS: tuple[str, ...] = (
    "Black",
    "White",
    "Gray",
    "Light Gray",
    "Dark Gray",
    "Charcoal",
    "Charcoal Gray",
    "Silver",
    "Red",
    "Maroon",
    "Burgundy",
    "Crimson",
    "Pink",
    "Hot Pink",
    "Blush Pink",
    "Coral",
    "Orange",
    "Yellow",
    "Mustard Yellow",
    "Gold",
    "Rose Gold",
    "Green",
    "Olive",
    "Olive Green",
    "Mint Green",
    "Sage Green",
    "Forest Green",
    "Emerald",
    "Teal",
    "Turquoise",
    "Aqua",
    "Blue",
    "Navy",
    "Navy Blue",
    "Royal Blue",
    "Sky Blue",
    "Light Blue",
    "Dark Blue",
    "Midnight Blue",
    "Cobalt",
    "Indigo",
    "Purple",
    "Violet",
    "Lavender",
    "Lilac",
    "Magenta",
    "Brown",
    "Dark Brown",
    "Tan",
    "Beige",
    "Khaki",
    "Camel",
    "Taupe",
    "Ivory",
    "Cream",
    "Off White",
    "Graphite",
    "Bronze",
    "Champagne",
    "Multicolor",
    "Space Gray",
    "Matte Black",
)

MATERIALS: tuple[str, ...] = (
    "Cotton",
    "Organic Cotton",
    "Linen",
    "Wool",
    "Merino Wool",
    "Cashmere",
    "Silk",
    "Satin",
    "Polyester",
    "Nylon",
    "Spandex",
    "Rayon",
    "Viscose",
    "Denim",
    "Leather",
    "Faux Leather",
    "Vegan Leather",
    "Suede",
    "Fleece",
    "Velvet",
    "Corduroy",
    "Canvas",
    "Microfiber",
    "Bamboo",
    "Wood",
    "Solid Wood",
    "Oak",
    "Walnut",
    "Maple",
    "Pine",
    "Teak",
    "Acacia",
    "Birch",
    "Cedar",
    "Mahogany",
    "Steel",
    "Stainless Steel",
    "Carbon Steel",
    "Cast Iron",
    "Iron",
    "Aluminum",
    "Copper",
    "Brass",
    "Titanium",
    "Sterling Silver",
    "Glass",
    "Tempered Glass",
    "Ceramic",
    "Porcelain",
    "Stoneware",
    "Marble",
    "Granite",
    "Concrete",
    "Plastic",
    "Acrylic",
    "Silicone",
    "Rubber",
    "Vinyl",
    "PVC",
    "Foam",
    "Memory Foam",
    "Latex",
    "Cork",
    "Jute",
    "Rattan",
    "Wicker",
    "Hemp",
)

# Phrase keys that name the same size; a catalog value in a group answers any key of the group.
SIZE_GROUPS: tuple[frozenset[str], ...] = (
    frozenset({"xs", "x small", "xsmall"}),
    frozenset({"s", "small"}),
    frozenset({"m", "medium", "med"}),
    frozenset({"l", "large"}),
    frozenset({"xl", "x large", "xlarge"}),
    frozenset({"xxl", "xx large", "2x", "2 x large"}),
    frozenset({"cal king", "california king"}),
)

# Confidence for a size word found without a "size" cue; ambiguous words rank low.
SIZE_WORD_CONFIDENCE: dict[str, float] = {
    "xs": 0.8,
    "x small": 0.75,
    "xsmall": 0.75,
    "xl": 0.8,
    "x large": 0.75,
    "xlarge": 0.75,
    "xxl": 0.8,
    "xx large": 0.75,
    "2x": 0.5,
    "2 x large": 0.75,
    "small": 0.45,
    "medium": 0.45,
    "med": 0.3,
    "large": 0.45,
    "queen": 0.75,
    "king": 0.7,
    "california king": 0.9,
    "cal king": 0.9,
    "twin xl": 0.85,
    "twin": 0.6,
    "full": 0.3,
    "one size": 0.7,
    "petite": 0.6,
}
SIZE_DEFAULT_CONFIDENCE = 0.5
SIZE_LETTERS = frozenset({"s", "m", "l"})  # bare only when typed upper case ("M"), never "m"

# English function words and generic product words: never a bare attribute match, and a brand
# spelled like one is capped at low confidence.
COMMON_WORDS = _word_set(
    "a an the and or nor of for in on at to by with without from not no set kit pack new one all "
    "home simple basic basics essential essentials classic original best pro plus max mini premium "
    "smart natural pure fresh modern light dark dry fine ground indoor outdoor adult good great "
    "little big small medium large solid soft hard clear standard regular everyday daily easy "
    "deep fair warm cool green life style living kids baby men women men's women's kid's unisex "
    "value select choice home's house kitchen studio general universal"
)

# A number followed by one of these (after optional space or hyphen) is a measurement, not a price.
UNITS = _word_set(
    "in inch ft cm mm m meter meters metre metres km mi mile miles yd yard yards lb oz g gram grams "
    "kg mg gal gallon gallons qt quart quarts l liter liters litre litres ml cc w kw v a amp amps "
    "ah mah hz khz mhz ghz gb tb mb mp k p pack packs pk pc pcs piece pieces count ct pair pairs "
    "sheet sheets roll rolls year years yr yrs yo month months mo week weeks day days hour hours "
    "hr hrs min mins minute minutes sec person people player players seat seats seater degree "
    "degrees cup cups gauge awg thread tpi psi btu lumen lumens lm rpm db x mil dpi fps grit ply "
    "page pages serving servings capsule capsules tablet tablets calorie calories cal mph gsm "
    "sq sqft cu layer layers drawer drawers shelf shelves tier tiers percent qty lot st nd rd th "
    "series gen generation core cores"
)

NEGATION_CUES: dict[str, float] = {
    "without": 0.9,
    "w/o": 0.9,
    "excluding": 0.9,
    "except": 0.8,
    "not": 0.85,
    "no": 0.8,
}
FREE_CONFIDENCE = 0.85
NEGATION_SKIP = frozenset({"a", "an", "the", "any"})
# "no-show socks", "no-slip mat", "no more than": not requests to exclude shows or slips.
NO_EXCEPTIONS = _word_set(
    "show slip skid spill drip iron fuss brainer one more less longer tie touch name frills other"
)
# "hands-free", "tax free", "free-range", "free shipping": "free" that excludes nothing.
FREE_BEFORE_EXCEPTIONS = _word_set(
    "hands toll tax duty care stress worry hassle fuss feel for and or the a with is totally "
    "completely 100 maintenance tool tangle"
)
FREE_AFTER_EXCEPTIONS = _word_set(
    "range standing shipping delivery trial style weights weight form flow spirit returns gift sample samples"
)
COORDINATION = frozenset({"or", "nor"})


@dataclass(frozen=True, slots=True)
class RelativePrice:
    """A price word with no number: resolved against the catalog's price quantiles."""

    direction: str  # "max": at most a low quantile; "min": at least a high quantile
    confidence: float
    quantile: str | None = None  # the bound's quantile; None: LOW_QUANTILE or HIGH_QUANTILE


RELATIVE_PRICES: dict[str, RelativePrice] = {
    "cheap": RelativePrice("max", 0.5),
    "cheaper": RelativePrice("max", 0.5),
    "cheapest": RelativePrice("max", 0.5),
    "affordable": RelativePrice("max", 0.5),
    "inexpensive": RelativePrice("max", 0.5),
    "budget": RelativePrice("max", 0.4),
    "low cost": RelativePrice("max", 0.5),
    "low price": RelativePrice("max", 0.5),
    "low priced": RelativePrice("max", 0.5),
    "bargain": RelativePrice("max", 0.4),
    "expensive": RelativePrice("min", 0.35),
    "pricey": RelativePrice("min", 0.35),
    "luxury": RelativePrice("min", 0.3),
    "luxurious": RelativePrice("min", 0.3),
    "premium": RelativePrice("min", 0.3),
    "high end": RelativePrice("min", 0.35),
    "upscale": RelativePrice("min", 0.3),
}
# Low and high price quantiles used by relative words, and the sample a category needs.
LOW_QUANTILE = "q25"
HIGH_QUANTILE = "q75"
MIN_CATEGORY_PRICES = 20

# Words left dangling at either end of the remaining text after a removal ("shoes for").
CONNECTORS = _word_set(
    "for at with and or in of that priced price costing cost costs but around about under over "
    "below above between"
)

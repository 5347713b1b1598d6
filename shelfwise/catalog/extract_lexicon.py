"""Word lists for rule-based attribute extraction: colors, finishes, units, number words (the
materials' lists are in extract_material_words.py).

Plain data, no logic beyond building the regular expressions. Phrases are lower case; a color or
material phrase is an optional run of modifiers followed by a base word ("oil rubbed bronze",
"egyptian cotton"). Spelling variants map to one canonical form ("grey" -> "gray").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

COLOR_BASES: tuple[str, ...] = (
    "black",
    "white",
    "red",
    "blue",
    "green",
    "yellow",
    "orange",
    "purple",
    "pink",
    "brown",
    "gray",
    "grey",
    "beige",
    "tan",
    "ivory",
    "cream",
    "silver",
    "gold",
    "chrome",
    "nickel",
    "navy",
    "teal",
    "turquoise",
    "aqua",
    "maroon",
    "burgundy",
    "charcoal",
    "khaki",
    "olive",
    "lavender",
    "lilac",
    "violet",
    "magenta",
    "coral",
    "peach",
    "mint",
    "taupe",
    "espresso",
    "mocha",
    "almond",
    "biscuit",
    "bisque",
    "bone",
    "sand",
    "graphite",
    "rust",
    "champagne",
    "clear",
    "transparent",
    "multicolor",
    "multi-color",
    "pewter",
    "gunmetal",
    "platinum",
    "plum",
    "mauve",
    "indigo",
    "cobalt",
    "crimson",
    "scarlet",
    "emerald",
    "sage",
    "camel",
    "chocolate",
    "ebony",
    "onyx",
    "slate",
    "stone",
    "linen",
    "oatmeal",
    "wheat",
    "cinnamon",
    "terracotta",
    "smoke",
    "frost",
    "snow",
    "pearl",
)
"""Words that name a color or a finish on their own."""

COLOR_ONLY_WITH_MODIFIER: frozenset[str] = frozenset(
    {
        "sage",
        "stone",
        "linen",
        "wheat",
        "cinnamon",
        "smoke",
        "frost",
        "snow",
        "pearl",
        "slate",
        "sand",
        "bone",
        "rust",
        "camel",
        "chocolate",
        "mint",
        "plum",
        "emerald",
        "olive",
        "almond",
    }
)
"""Base words too ambiguous to be a color alone ('slate tile', 'sand paper', 'mint flavor')
unless a modifier comes first or they stand where a finish stands ('in Bone')."""

COLOR_MODIFIERS: tuple[str, ...] = (
    "light",
    "dark",
    "pale",
    "deep",
    "bright",
    "navy",
    "sky",
    "royal",
    "baby",
    "forest",
    "lime",
    "mint",
    "sage",
    "emerald",
    "hunter",
    "kelly",
    "midnight",
    "powder",
    "steel",
    "slate",
    "charcoal",
    "dove",
    "pearl",
    "matte",
    "matt",
    "satin",
    "metallic",
    "brushed",
    "polished",
    "antique",
    "oil rubbed",
    "oil-rubbed",
    "venetian",
    "aged",
    "weathered",
    "distressed",
    "rustic",
    "burnished",
    "hammered",
    "textured",
    "mediterranean",
    "tuscan",
    "neon",
    "hot",
    "pastel",
    "rose",
    "blush",
    "dusty",
    "burnt",
    "space",
    "jet",
    "off",
    "true",
    "pure",
    "heather",
    "olive",
    "mustard",
    "cherry",
    "wine",
    "ocean",
    "arctic",
    "ice",
    "cool",
    "warm",
    "champagne",
    "spot resist",
    "black stainless",
    "tarnished",
    "vintage",
    "classic",
    "frosted",
    "smoked",
    "storm",
)

METAL_BASES: tuple[str, ...] = ("bronze", "brass", "copper", "stainless steel", "aluminum", "steel", "iron")
"""Metals: a material by default, a color (finish) after a finish modifier or in finish position."""

FINISH_MODIFIERS: frozenset[str] = frozenset(
    {
        "oil rubbed",
        "oil-rubbed",
        "antique",
        "polished",
        "brushed",
        "satin",
        "venetian",
        "aged",
        "champagne",
        "matte",
        "matt",
        "burnished",
        "hammered",
        "weathered",
        "rustic",
        "mediterranean",
        "tuscan",
        "black",
        "spot resist",
        "rubbed",
        "classic",
        "vintage",
        "tarnished",
        "gold",
        "dark",
        "light",
        "rose",
    }
)

COLOR_BLOCKLIST: tuple[str, ...] = (
    "soft white",
    "warm white",
    "cool white",
    "bright white light",
    "daylight",
    "natural white",
    "black & decker",
    "black and decker",
    "black+decker",
    "white rodgers",
    "white-rodgers",
    "blue ribbon",
    "green max",
    "clear coat",
    "clear view",
    "gold bond",
    "red devil",
    "black diamond",
    "white glove",
    "silver bullet",
    "gold crest",
    "rust-oleum",
    "rust oleum",
    "rust resistant",
    "rust-resistant",
    "rust proof",
    "rust-proof",
    *(
        "red oak",
        "white oak",
        "red cedar",
        "white cedar",
        "white pine",
        "yellow pine",
        "black walnut",
        "white ash",
        "black cherry",
    ),
)
"""Phrases that contain a color word but name something else (a light color, a brand, a claim)."""

COUNTED_ITEMS: tuple[str, ...] = (
    "sheets",
    "rolls",
    "bags",
    "pairs",
    "boxes",
    "cans",
    "bottles",
    "tubes",
    "packs",
    "pods",
    "tablets",
    "bulbs",
    "filters",
    "cartridges",
    "refills",
    "wipes",
    "pads",
    "bars",
)
"""Things sold by the count: '(70-Sheets)', '(10-Bags)' give a pack size."""

CANONICAL: dict[str, str] = {
    "grey": "gray",
    "aluminium": "aluminum",
    "matt": "matte",
    "oil-rubbed": "oil rubbed",
    "multi-color": "multicolor",
    "enamelled": "enameled",
    "colour": "color",
    "micro fiber": "microfiber",
}

NUMBER_WORDS: dict[str, int] = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "dozen": 12,
    "twenty": 20,
    "twenty-four": 24,
    "fifteen": 15,
    "sixteen": 16,
    "eighteen": 18,
    "thirty": 30,
    "fifty": 50,
    "hundred": 100,
}

UNITS: tuple[tuple[str, str, str], ...] = (
    # (regex, canonical unit, kind); longer forms first so 'fl. oz.' wins over 'oz.'
    (r"sq\.?\s?ft\.?|square\s+(?:feet|foot)", "sq ft", "area"),
    (r"cu\.?\s?ft\.?|cubic\s+(?:feet|foot)", "cu ft", "volume"),
    (r"fl\.?\s?oz\.?|fluid\s+ounces?", "fl oz", "volume"),
    (r"linear\s+ft\.?|ft\.?|feet|foot|'(?!')", "ft", "length"),
    (r"in\.(?!\w)|in\b(?![\s-]+1\b)|inch(?:es)?|\"|''|\u2033|\u201d", "in", "length"),
    (r"mm|millimeters?", "mm", "length"),
    (r"cm|centimeters?", "cm", "length"),
    (r"yds?\.?|yards?", "yd", "length"),
    (r"(?-i:m)\b|meters?|metres?", "m", "length"),
    (r"gal\.?|gallons?", "gal", "volume"),
    (r"qt\.?|quarts?", "qt", "volume"),
    (r"pt\.?|pints?", "pt", "volume"),
    (r"ml|milliliters?|millilitres?", "mL", "volume"),
    (r"(?-i:L)\b|liters?|litres?", "L", "volume"),
    (r"oz\.?|ounces?", "oz", "weight"),
    (r"lbs?\.?|pounds?", "lb", "weight"),
    (r"kg|kilograms?", "kg", "weight"),
    (r"(?-i:g)\b|grams?", "g", "weight"),
)


def phrase_pattern(phrases: Iterable[str]) -> str:
    """An alternation of `phrases`, longest first, with spaces and hyphens interchangeable."""
    ordered = sorted(set(phrases), key=len, reverse=True)
    return "|".join(re.escape(p).replace(r"\-", r"[\s\-]+").replace(r"\ ", r"[\s\-]+") for p in ordered)


def canonical(text: str) -> str:
    """Lower-case, single-spaced, canonical spelling of a matched phrase."""
    words = re.sub(r"[\s\-]+", " ", text.strip().lower()).split(" ")
    joined = " ".join(CANONICAL.get(w, w) for w in words)
    return CANONICAL.get(joined, joined)


def display(text: str) -> str:
    """The stored form of a color or material: canonical words in title case ('Oil Rubbed Bronze')."""
    short = {"mdf", "pvc", "cpvc", "pex", "abs", "hdpe", "tpe", "tpu", "eva", "epdm", "bpa"}
    out = []
    for word in canonical(text).split(" "):
        out.append(word.upper() if word in short else word.capitalize())
    return " ".join(out)

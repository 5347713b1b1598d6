"""The language of a catalog, from the scripts of its titles (`title_scripts`, the shares the
index manifest already keeps).

A catalog is `zh` when at least `HAN_MIN_SHARE` of its titles use Han characters (Chinese or
mixed Chinese-English shops), `en` when its letters are Latin, and `multi` when another script
(Cyrillic, Arabic, ...) reaches that share: it gets the multilingual encoder and the default
analysis. A sample of titles is enough; a catalog that changes language later is a rebuild.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from itertools import islice
from typing import Literal

from shelfwise.language.scripts import title_scripts

Language = Literal["en", "zh", "multi"]
LANGUAGES: tuple[Language, ...] = ("en", "zh", "multi")
HAN_MIN_SHARE = 0.1
"""share of titles with Han characters from which a catalog reads as Chinese"""
OTHER_MIN_SHARE = 0.1
SAMPLE_TITLES = 5_000


def language_of_scripts(shares: Mapping[str, float]) -> Language:
    """The catalog language given script -> share of titles using it ("en" when empty)."""
    if shares.get("Han", 0.0) >= HAN_MIN_SHARE:
        return "zh"
    if any(share >= OTHER_MIN_SHARE for script, share in shares.items() if script != "Latin"):
        return "multi"
    return "en"


def detect_language(titles: Iterable[str], sample: int = SAMPLE_TITLES) -> Language:
    """The language of a catalog from (the first `sample` of) its titles."""
    return language_of_scripts(title_scripts(islice(titles, sample)))

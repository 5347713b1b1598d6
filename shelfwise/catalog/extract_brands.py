"""A brand gazetteer learned from a catalog's own titles, for catalogs without a brand field.

Shops put the brand first in a title. A leading word that starts many titles is a brand candidate;
it grows by the next word while most titles that start with it go on with that same word
('Hampton' -> 'Hampton Bay', but 'Milwaukee' stays 'Milwaukee' since 'Milwaukee M18' is one line of
many). Unsupervised and cheap (about a second for 55,000 titles); a generic first word that starts
many titles ('Replacement ...') comes out as a brand too, so check the list where that matters.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable

_JOINERS = frozenset({"of", "&", "and", "de", "la", "the", "by"})


def leading_words(title: str, max_words: int = 4) -> list[str]:
    """The title's first capitalised words (a digit ends the run after the first word)."""
    out: list[str] = []
    for word in html.unescape(title).split()[:max_words]:
        bare = word.rstrip(",:;")
        if not bare or (out and any(ch.isdigit() for ch in bare)):
            break
        if not (bare[0].isupper() or bare[0].isdigit()) and bare.lower() not in _JOINERS:
            break
        out.append(bare)
        if bare != word:
            break
    return out


def learn_brands(
    titles: Iterable[str], min_count: int = 3, share: float = 0.75, max_words: int = 4
) -> tuple[str, ...]:
    """Brands that start at least `min_count` titles, sorted.

    A brand of k words grows to k + 1 words when at least `share` of the titles that start with
    the k words (and at least `min_count`) go on with the same next word.
    """
    runs = [leading_words(title, max_words) for title in titles]
    counts: Counter[str] = Counter()
    for words in runs:
        for size in range(1, len(words) + 1):
            counts[" ".join(words[:size]).lower()] += 1
    brands: dict[str, str] = {}
    for words in runs:
        if not words or counts[words[0].lower()] < min_count:
            continue
        size = 1
        while size < len(words):
            current = counts[" ".join(words[:size]).lower()]
            following = counts[" ".join(words[: size + 1]).lower()]
            if following < max(min_count, share * current):
                break
            size += 1
        while size > 1 and words[size - 1].lower() in _JOINERS:
            size -= 1
        brand = " ".join(words[:size])
        brands.setdefault(brand.lower(), brand)
    return tuple(sorted(brands.values(), key=str.lower))

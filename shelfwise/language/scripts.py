"""The scripts of text: of a letter, of a text, and their shares over a catalog's titles
(what the catalog's language and the search match floor are judged by)."""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Iterable

_SCRIPT_ALIASES = {"CJK": "Han"}


def script_of(char: str) -> str | None:
    """The script of a letter ('Latin', 'Han', 'Cyrillic', 'Hiragana', ...); None for others."""
    if not char.isalpha():
        return None
    if char.isascii():
        return "Latin"
    first = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_ALIASES.get(first, first.title())


def scripts_in(text: str) -> frozenset[str]:
    """The scripts of a text's letters (digits, spaces and punctuation have none)."""
    if text.isascii():
        return frozenset({"Latin"}) if any(c.isalpha() for c in text) else frozenset()
    return frozenset(s for s in map(script_of, text) if s is not None)


def title_scripts(titles: Iterable[str]) -> dict[str, float]:
    """Script -> share of the titles using it (a title counts once per script it uses)."""
    counts: Counter[str] = Counter()
    total = 0
    for title in titles:
        total += 1
        counts.update(scripts_in(title))
    return {script: round(n / total, 6) for script, n in counts.most_common()} if total else {}

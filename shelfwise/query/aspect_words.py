"""Review aspects named in a query ("quiet vacuum", "long battery headphones", "不掉色的口红").

The words come from the accepted aspects of each category as the published review features carry
them (`aspects.features.AspectWord`): an aspect's own forms ("battery", "battery life") and its
praise words, the opinions shoppers praise it with and hardly anything else ("quiet" for noise,
"不掉色" for colour). English words match whole (a plural ending forgiven); Chinese ones as they
are written in the query. A query names an aspect; which products it means is left to whoever
reads the products' summaries (aspects are per category, so only products of that category can
be praised for it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from shelfwise.aspects.features import AspectWord
from shelfwise.language.chinese import has_han

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_MAX_WORDS = 4


def _words(text: str) -> tuple[str, ...]:
    return tuple(_singular(word) for word in _WORD.findall(text.lower()))


def _singular(word: str) -> str:
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@dataclass(frozen=True)
class AspectVocabulary:
    """Every accepted aspect's words, English as word tuples, Chinese as strings, to its names."""

    english: dict[tuple[str, ...], frozenset[str]] = field(default_factory=dict)
    chinese: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, aspects: Iterable[AspectWord]) -> AspectVocabulary:
        english: dict[tuple[str, ...], set[str]] = {}
        chinese: dict[str, set[str]] = {}
        for aspect in aspects:
            for word in (*aspect.terms, aspect.name, *aspect.praise_words):
                if has_han(word):
                    chinese.setdefault(word.strip(), set()).add(aspect.name)
                elif key := _words(word):
                    english.setdefault(key, set()).add(aspect.name)
        return cls(
            {k: frozenset(v) for k, v in english.items() if len(k) <= _MAX_WORDS},
            {k: frozenset(v) for k, v in chinese.items() if k},
        )

    def __bool__(self) -> bool:
        return bool(self.english or self.chinese)

    def read(self, query: str) -> list[str]:
        """The aspect names the query names, in the order it names them (each once)."""
        found: list[tuple[int, str]] = []
        text = query.lower()
        for word, names in self.chinese.items():
            at = text.find(word)
            if at >= 0:
                found += [(at, name) for name in names]
        tokens = _words(query)
        for start in range(len(tokens)):
            for length in range(min(_MAX_WORDS, len(tokens) - start), 0, -1):
                named = self.english.get(tokens[start : start + length])
                if named:
                    found += [(10_000 + start, name) for name in sorted(named)]
                    break
        return list(dict.fromkeys(name for _, name in sorted(found, key=lambda f: f[0])))

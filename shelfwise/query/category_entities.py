"""Category entities in queries: a query naming one of the product graph's category nodes
("sleeping bags", "wireless earbuds", "连衣裙") is read as that category.

The nodes are the catalog vocabulary's `categories` (every level of every path, as the product
graph makes them: `catalog_vocabulary.category_nodes`). A node is named by its last level's
words (English: lower case, each word singular, so "sleeping bag" names "Sleeping Bags"; Chinese:
the characters, found in a run of Han characters). A name is the thing asked for only where it
ends its phrase: one followed by another word (not a connector such as "for" or "under", nor a
word a constraint took) or by another Han character modifies it ("coffee machine", "咖啡机" name
no coffee) and is left out. A name several nodes share ("Accessories" in two departments) names
all of them, each with its share of their products as confidence.
Words a constraint already took (a brand, a colour, a price) are not read again, and a name that
is a common word or a single letter names nothing.

A category constraint is never a filter (the shopper may call a thing by another shelf's name):
search boosts the named categories' products (`UnderstandingConfig.entity_boost`) and reports it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from shelfwise.query.catalog_vocabulary import CatalogVocabulary
from shelfwise.query.lexicon import COMMON_WORDS, CONNECTORS, Token, phrase_words, singular
from shelfwise.query.parsed import ParsedConstraint
from shelfwise.query.zh_text import has_han
from shelfwise.records import CATEGORY_SEPARATOR

CATEGORY_FIELD = "category"
CATEGORY_CONFIDENCE = 0.9


def name_key(words: Sequence[str]) -> str:
    return " ".join(singular(word) for word in words)


@dataclass(frozen=True)
class CategoryEntities:
    """Category names (English keys, Chinese strings) -> (paths, confidences), most products first."""

    latin: dict[str, tuple[tuple[str, float], ...]]
    han: dict[str, tuple[tuple[str, float], ...]]
    longest: int

    @classmethod
    def build(cls, vocabulary: CatalogVocabulary) -> CategoryEntities:
        named: dict[tuple[bool, str], list[tuple[str, int]]] = {}
        for path, count in vocabulary.categories.items():
            label = path.split(CATEGORY_SEPARATOR)[-1].strip()
            if has_han(label):
                if len(label) >= 2:
                    named.setdefault((True, label), []).append((path, count))
                continue
            words = phrase_words(label)
            key = name_key(words)
            if not key or key in COMMON_WORDS or len(key) < 2:
                continue
            named.setdefault((False, key), []).append((path, count))
        latin: dict[str, tuple[tuple[str, float], ...]] = {}
        han: dict[str, tuple[tuple[str, float], ...]] = {}
        for (is_han, key), paths in named.items():
            total = sum(count for _, count in paths)
            ranked = sorted(paths, key=lambda p: (-p[1], p[0]))
            entry = tuple((path, round(CATEGORY_CONFIDENCE * count / total, 3)) for path, count in ranked)
            (han if is_han else latin)[key] = entry
        return cls(latin, han, max((len(k.split()) for k in latin), default=0))

    def __len__(self) -> int:
        return len(self.latin) + len(self.han)

    def find(
        self, query: str, folded: str, tokens: Sequence[Token], taken: Sequence[tuple[int, int]]
    ) -> list[ParsedConstraint]:
        """Category constraints for the names in `folded` (the query folded: full-width,
        traditional; same offsets; `tokens` are its tokens) outside the `taken` spans, longest
        names first, each span read once."""
        free = [not any(a < t.end and t.start < b for a, b in taken) for t in tokens]
        found: list[ParsedConstraint] = []
        i = 0
        while i < len(tokens):
            match = self._longest_at(tokens, free, i)
            if match is None:
                i += 1
                continue
            end, paths = match
            if end < len(tokens) and free[end] and tokens[end].norm not in CONNECTORS:
                i += 1  # "coffee machine": a modifier of the next word, not the thing asked for
                continue
            span = (tokens[i].start, tokens[end - 1].end)
            found.extend(_constraints(paths, span, query))
            i = end
        for name, paths in self.han.items():
            at = folded.find(name)
            after = folded[at + len(name) : at + len(name) + 1]
            if at < 0 or has_han(after):  # "咖啡机": 咖啡 modifies 机
                continue
            if not any(a < at + len(name) and at < b for a, b in taken):
                found.extend(_constraints(paths, (at, at + len(name)), query))
        return found

    def _longest_at(
        self, tokens: Sequence[Token], free: Sequence[bool], start: int
    ) -> tuple[int, tuple[tuple[str, float], ...]] | None:
        for end in range(min(len(tokens), start + self.longest), start, -1):
            if not all(free[start:end]):
                continue
            paths = self.latin.get(name_key([t.norm for t in tokens[start:end]]))
            if paths is not None:
                return end, paths
        return None


def _constraints(
    paths: tuple[tuple[str, float], ...], span: tuple[int, int], query: str
) -> list[ParsedConstraint]:
    source = query[span[0] : span[1]]
    return [
        ParsedConstraint(CATEGORY_FIELD, (path,), confidence=confidence, span=span, source=source)
        for path, confidence in paths
    ]

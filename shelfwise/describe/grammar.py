"""The template grammar: per category and language, a description is a fixed sequence of
sentences, each a list of alternatives; the first alternative whose slots all have values is
written, and a sentence none of whose alternatives can be filled is left out.

Slots are the fields of `Slots` (a closed set, checked when a grammar is made). The fixed words
of a template state no number, brand, colour, size or material (the fact check finds none in
them: tests/unit/test_describe_facts.py), so a rendered template says only what the product's
data says. A grammar is picked by the product's category path (the most specific match wins)
and falls back to the language's generic one; the same data always gives the same text.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, fields

from shelfwise.describe.records import DescribeLanguage


@dataclass(frozen=True)
class Slots:
    """The values a template can say, each already worded (empty: unknown)."""

    title: str = ""
    brand: str = ""
    maker: str = ""
    """the brand when the title does not already name it"""
    category: str = ""
    colour: str = ""
    material: str = ""
    size: str = ""
    pack: str = ""
    details: str = ""
    price: str = ""
    praise: str = ""
    rating: str = ""
    reviews: str = ""

    def value(self, name: str) -> str:
        found: str = getattr(self, name)
        return found


SLOT_NAMES = frozenset(field.name for field in fields(Slots))


def slots_of(template: str) -> tuple[str, ...]:
    """The slot names a template's text uses, in order."""
    return tuple(name for _, name, _, _ in string.Formatter().parse(template) if name)


@dataclass(frozen=True)
class Sentence:
    """One sentence of a grammar: its alternatives, most specific first."""

    name: str
    alternatives: tuple[str, ...]

    def __post_init__(self) -> None:
        for template in self.alternatives:
            unknown = set(slots_of(template)) - SLOT_NAMES
            if unknown:
                raise ValueError(f"sentence {self.name}: unknown slots {sorted(unknown)} in {template!r}")

    def render(self, slots: Slots) -> str | None:
        for template in self.alternatives:
            names = slots_of(template)
            if all(slots.value(name) for name in names):
                return template.format(**{name: slots.value(name) for name in names})
        return None


@dataclass(frozen=True)
class Grammar:
    """A category's sentences in one language; `match` are lower-case words looked for in the
    category path (empty: the language's generic grammar)."""

    grammar_id: str
    language: DescribeLanguage
    match: tuple[str, ...]
    sentences: tuple[Sentence, ...]
    separator: str = " "


@dataclass(frozen=True)
class Rendered:
    text: str
    grammar_id: str
    sentences: tuple[str, ...]


def render(grammar: Grammar, slots: Slots) -> Rendered:
    """The grammar's sentences that the slots can fill, joined."""
    names: list[str] = []
    parts: list[str] = []
    for sentence in grammar.sentences:
        written = sentence.render(slots)
        if written:
            names.append(sentence.name)
            parts.append(written)
    return Rendered(grammar.separator.join(parts).strip(), grammar.grammar_id, tuple(names))


def choose_grammar(
    grammars: tuple[Grammar, ...], category: tuple[str, ...], language: DescribeLanguage
) -> Grammar:
    """The grammar of the language whose match word sits deepest in the category path, else the
    language's generic one (ties: the grammar listed first)."""
    path = [part.lower() for part in category]
    best: tuple[int, Grammar] | None = None
    generic: Grammar | None = None
    for grammar in grammars:
        if grammar.language != language:
            continue
        if not grammar.match:
            generic = generic or grammar
            continue
        depth = max(
            (i + 1 for i, part in enumerate(path) for word in grammar.match if word in part), default=0
        )
        if depth and (best is None or depth > best[0]):
            best = (depth, grammar)
    if best is not None:
        return best[1]
    if generic is None:
        raise LookupError(f"no generic grammar for language {language}")
    return generic

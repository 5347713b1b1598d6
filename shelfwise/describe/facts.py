"""The fact check: every number, brand, name, colour, size and material that a description states
must appear in the product's own data, else the description is not grounded.

`Evidence` is the product's data (title, brand, category, attributes, price, review summary)
folded for matching; `claims_in` finds what a text states; `check` says which claims the evidence
does not hold. The check is the same for templates and for a model's rephrasing: a template only
repeats the product's data, so it passes by construction (tests/unit/test_describe_facts.py
checks every grammar's fixed words state nothing).

Limits: Chinese numerals (三, 十二) are not read as numbers; a "name" is a capitalised word
inside a sentence (a brand the catalog does not know, a place, a model name), so an invented
lower-case name goes unseen.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from shelfwise.catalog.extract_lexicon import COLOR_BASES, NUMBER_WORDS
from shelfwise.catalog.extract_material_words import MATERIAL_BASES

ClaimKind = Literal["number", "brand", "name", "colour", "size", "material"]

SIZE_WORDS: tuple[str, ...] = (
    "xxs", "xs", "small", "medium", "large", "x-large", "xx-large", "xl", "xxl", "xxxl", "2xl",
    "3xl", "petite", "plus size", "one size", "king", "queen", "twin", "full size", "mini",
    "jumbo", "compact", "oversized", "extra large", "extra small",
)  # fmt: skip
COLOURS_ZH: tuple[str, ...] = (
    "红色", "黑色", "白色", "蓝色", "绿色", "黄色", "紫色", "粉色", "粉红色", "灰色", "棕色",
    "金色", "银色", "橙色", "米色", "咖啡色", "藏青色", "玫瑰金",
)  # fmt: skip
MATERIALS_ZH: tuple[str, ...] = (
    "纯棉", "棉质", "真丝", "羊毛", "羊绒", "皮革", "真皮", "不锈钢", "塑料", "玻璃", "陶瓷",
    "实木", "竹制", "铝合金", "硅胶", "涤纶", "尼龙", "亚麻",
)  # fmt: skip
SIZES_ZH: tuple[str, ...] = ("大号", "中号", "小号", "加大", "均码", "特大号", "迷你")
_ALIASES = {"grey": "gray", "colour": "color"}
_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+(?:[.,]\d+)*")
_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9'&-]*[A-Za-z0-9]")
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\"(\n]|[。！？：；])\s*$")
_MINOR_CAPITALS = frozenset({"I", "OK"})


@dataclass(frozen=True)
class Claim:
    """One thing a text states: its kind and the words (folded) that state it."""

    kind: ClaimKind
    value: str


@dataclass(frozen=True)
class FactCheck:
    """The claims of one text and those the product's data does not hold."""

    claims: tuple[Claim, ...]
    unsupported: tuple[Claim, ...]

    @property
    def passed(self) -> bool:
        return not self.unsupported

    def reasons(self) -> list[str]:
        return [f"{claim.kind} '{claim.value}' is not in the product's data" for claim in self.unsupported]


def fold(text: str) -> str:
    """Lower case, compatibility forms (full-width digits), one kind of dash and quote, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("\u2019", "'").replace("\u2013", "-").replace("\u2014", "-")
    for old, new in _ALIASES.items():
        text = re.sub(rf"\b{old}\b", new, text)
    return " ".join(text.split())


def number_value(written: str) -> str:
    """'1,000' -> '1000', '50.00' -> '50', '4.80' -> '4.8', '3,5' -> '3.5'."""
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", written):
        written = written.replace(",", "")
    written = written.replace(",", ".")
    if "." in written:
        whole, _, rest = written.partition(".")
        rest = rest.replace(".", "").rstrip("0")
        return f"{whole}.{rest}" if rest else whole
    return written


def numbers_in(text: str) -> set[str]:
    """The numbers a text writes, in digits or in English words."""
    found = {number_value(match.group()) for match in _NUMBER.finditer(text)}
    folded = fold(text)
    for word, value in NUMBER_WORDS.items():
        if _has_phrase(folded, word):
            found.add(str(value))
    return found


def _has_phrase(folded: str, phrase: str) -> bool:
    if not phrase:
        return False
    if not phrase.isascii():  # Chinese: no word boundaries to look for
        return phrase in folded
    return re.search(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])", folded) is not None


@dataclass(frozen=True)
class Evidence:
    """A product's data, folded for matching, with the catalog's known brands (for naming a
    brand the product does not have)."""

    text: str
    numbers: frozenset[str]
    known_brands: tuple[str, ...] = ()

    @classmethod
    def of(cls, parts: Iterable[str], known_brands: Iterable[str] = ()) -> Evidence:
        joined = " \n ".join(part for part in parts if part)
        brands = tuple(
            sorted({fold(b) for b in known_brands if len(fold(b)) >= 2}, key=lambda b: (-len(b), b))
        )
        return cls(text=fold(joined), numbers=frozenset(numbers_in(joined)), known_brands=brands)

    def supports(self, claim: Claim) -> bool:
        if claim.kind == "number":
            return claim.value in self.numbers
        return _has_phrase(self.text, claim.value)


def _lexicon_claims(folded: str) -> list[Claim]:
    found: list[Claim] = []
    lexicons: tuple[tuple[ClaimKind, Iterable[str]], ...] = (
        ("colour", (*COLOR_BASES, *COLOURS_ZH)),
        ("material", (*MATERIAL_BASES, *MATERIALS_ZH)),
        ("size", (*SIZE_WORDS, *SIZES_ZH)),
    )
    for kind, words in lexicons:
        for word in sorted({fold(w) for w in words}):
            if _has_phrase(folded, word):
                found.append(Claim(kind, word))
    return found


def _name_claims(text: str, brands: tuple[str, ...]) -> list[Claim]:
    """Capitalised words inside a sentence (a sentence's first word is capitalised anyway)."""
    found: list[Claim] = []
    for match in _CAPITALISED.finditer(text):
        word = match.group()
        if word in _MINOR_CAPITALS or _SENTENCE_START.search(text[: match.start()]):
            continue
        if fold(word) not in brands:
            found.append(Claim("name", fold(word)))
    return found


def claims_in(text: str, known_brands: Iterable[str] = ()) -> list[Claim]:
    """Everything `text` states that the check looks at, each once, in a stable order."""
    folded = fold(text)
    claims = [Claim("number", value) for value in sorted(numbers_in(text))]
    brands = tuple(sorted({fold(b) for b in known_brands if len(fold(b)) >= 2}))
    claims += [Claim("brand", brand) for brand in brands if _has_phrase(folded, brand)]
    claims += _lexicon_claims(folded)
    claims += _name_claims(text, brands)
    return list(dict.fromkeys(claims))


def check(text: str, evidence: Evidence) -> FactCheck:
    """Which of the text's claims the product's data does not hold."""
    claims = tuple(claims_in(text, evidence.known_brands))
    return FactCheck(claims=claims, unsupported=tuple(c for c in claims if not evidence.supports(c)))

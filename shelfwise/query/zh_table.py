"""The Chinese phrase table of one catalog: Chinese colour, material and size words, and brand
names in any script, each resolved to the catalog's own values with a confidence.

A Chinese colour or material word is mapped to an English lexicon key ("红色" -> "red"); it then
answers the catalog's English values of that family (the English phrase index's entry, with its
title evidence) and its Chinese values containing a word of the family ("酒红色" is a red). A brand
answers to its name, to the parts of a bilingual name ("索尼/Sony", "索尼(SONY)") and to a
built-in transliteration of a brand the catalog sells ("索尼" for "Sony").
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, replace

from shelfwise.query.attribute_index import (
    BRAND_CONFIDENCE,
    COLOR_CONFIDENCE,
    CUED_CONFIDENCE,
    LEXICON_ONLY_CONFIDENCE,
    MATERIAL_CONFIDENCE,
    NO_EVIDENCE_FACTOR,
    OTHER_CONFIDENCE,
    PhraseEntry,
    PhraseIndex,
    is_size_attribute,
)
from shelfwise.query.catalog_vocabulary import CatalogVocabulary, attribute_field
from shelfwise.query.lexicon import COLORS, MATERIALS, SIZE_GROUPS, phrase_key
from shelfwise.query.zh_lexicon import SIZE_MARKERS, ZH_COLORS, ZH_MATERIALS, ZH_SIZE_WORDS
from shelfwise.query.zh_text import brand_aliases, fold, has_han

_SIZE_GROUP_OF: dict[str, frozenset[str]] = {key: group for group in SIZE_GROUPS for key in group}


@dataclass(frozen=True, slots=True)
class ZhTable:
    phrases: dict[str, PhraseEntry]
    """folded phrase (Chinese or Latin) -> what it means"""
    sizes: dict[str, PhraseEntry]
    """size key ("xl", "38", "large") -> the catalog's size values"""
    longest: int
    english: dict[str, PhraseEntry]
    """the English phrase index's one-word entries, for Latin words glued to Han ("TPE瑜伽垫")"""


def fold_keep_offsets(text: str) -> str:
    """`text` with full-width forms made half-width and traditional characters simplified,
    character for character, so offsets carry over; ASCII keeps its case ("M" stays a size)."""
    narrow = "".join(c if len(n := unicodedata.normalize("NFKC", c)) != 1 else n for c in text)
    if not has_han(narrow):
        return narrow
    folded = fold(narrow)
    if len(folded) != len(narrow):
        return narrow
    return "".join(o if o.isascii() else f for o, f in zip(narrow, folded, strict=True))


def build_zh_table(vocabulary: CatalogVocabulary, index: PhraseIndex) -> ZhTable:
    phrases: dict[str, PhraseEntry] = _value_entries(vocabulary)
    phrases.update(_family_entries(vocabulary, index, "color", ZH_COLORS, COLORS, COLOR_CONFIDENCE))
    materials = _family_entries(vocabulary, index, "material", ZH_MATERIALS, MATERIALS, MATERIAL_CONFIDENCE)
    phrases.update(materials)
    phrases.update(_brand_entries(vocabulary, index))
    sizes = _size_entries(vocabulary)
    for word, (key, confidence) in ZH_SIZE_WORDS.items():
        entry = sizes.get(key)
        if entry is not None:
            phrases[word] = replace(entry, confidence=confidence)
    english = {key: entry for key, entry in index.phrases.items() if not entry.upper_only and len(key) >= 2}
    return ZhTable(phrases, sizes, max((len(k) for k in phrases), default=0), english)


_VALUE_CONFIDENCE = {"color": COLOR_CONFIDENCE, "material": MATERIAL_CONFIDENCE}


def _value_entries(vocabulary: CatalogVocabulary) -> dict[str, PhraseEntry]:
    """The catalog's own Chinese attribute values as phrases ("精铁", "天然橡胶"): a title writes them
    inside longer runs ("精铁炒锅"), where the token scan cannot see them."""
    members: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for name, values in vocabulary.attributes.items():
        if is_size_attribute(name):
            continue
        for value, count in values.items():
            if has_han(value) and len(fold(value)) >= 2:
                members.setdefault((fold(value).strip(), name), []).append((count, value))
    out: dict[str, PhraseEntry] = {}
    for (key, name), spellings in sorted(members.items(), key=lambda item: -sum(c for c, _ in item[1])):
        if key in out:
            continue  # the same words as another attribute's, more common value
        ratio = vocabulary.evidence_ratio(phrase_key(key), attribute_field(name))
        factor = NO_EVIDENCE_FACTOR if ratio is None else 0.5 + 0.5 * ratio
        confidence = _VALUE_CONFIDENCE.get(name, OTHER_CONFIDENCE) * factor
        ranked = tuple(v for _, v in sorted(spellings, key=lambda m: (-m[0], m[1])))
        out[key] = PhraseEntry(
            attribute_field(name), ranked, round(confidence, 3), sum(c for c, _ in spellings)
        )
    return out


def _family_entries(
    vocabulary: CatalogVocabulary,
    index: PhraseIndex,
    name: str,
    words: dict[str, str],
    lexicon: tuple[str, ...],
    confidence: float,
) -> dict[str, PhraseEntry]:
    field = attribute_field(name)
    chinese_values = {v: c for v, c in vocabulary.attributes.get(name, {}).items() if has_han(v)}
    spelled = {phrase_key(word): word for word in lexicon}
    out: dict[str, PhraseEntry] = {}
    for word, key in words.items():
        family = {w for w, k in words.items() if k == key}
        own = sorted(
            ((v, c) for v, c in chinese_values.items() if any(w in fold(v) for w in family | {word})),
            key=lambda item: (-item[1], item[0]),
        )
        english = index.phrases.get(key)
        usable = english is not None and english.field == field and english.count > 0
        english_values = english.values if english is not None and usable else ()
        if own or english_values:
            values = tuple(dict.fromkeys([v for v, _ in own] + list(english_values)))
            count = sum(c for _, c in own) + (english.count if english is not None and usable else 0)
            best = english.confidence if english is not None and usable else 0.0
            score = round(max(best, confidence * NO_EVIDENCE_FACTOR), 3)
            out[word] = PhraseEntry(field, values, score, count)
        else:
            out[word] = PhraseEntry(field, (spelled.get(key, key.title()),), LEXICON_ONLY_CONFIDENCE)
    return out


def _brand_entries(vocabulary: CatalogVocabulary, index: PhraseIndex) -> dict[str, PhraseEntry]:
    members: dict[str, list[tuple[int, str]]] = {}
    for brand, count in vocabulary.brands.items():
        for alias in brand_aliases(brand):
            members.setdefault(alias, []).append((count, brand))
    out: dict[str, PhraseEntry] = {}
    for alias, brands in members.items():
        english = index.phrases.get(phrase_key(alias))
        if has_han(alias):  # two Han characters are a full name, not a short one ("小米")
            ratio = vocabulary.evidence_ratio(phrase_key(alias), "brand")
            confidence = BRAND_CONFIDENCE * (NO_EVIDENCE_FACTOR if ratio is None else 0.5 + 0.5 * ratio)
        elif english is not None and english.field == "brand":
            confidence = english.confidence
        else:
            confidence = BRAND_CONFIDENCE * NO_EVIDENCE_FACTOR
        ranked = tuple(b for _, b in sorted(brands, key=lambda m: (-m[0], m[1])))
        out[alias] = PhraseEntry("brand", ranked, round(confidence, 3), sum(c for c, _ in brands))
    return out


def size_key(value: str) -> str:
    """ "XL码" -> "xl", "38号" -> "38", "X-Large" -> "x large"."""
    return phrase_key(fold(value).rstrip(SIZE_MARKERS).removesuffix("尺"))


def _size_entries(vocabulary: CatalogVocabulary) -> dict[str, PhraseEntry]:
    groups: dict[str, list[tuple[bool, int, str, str]]] = {}
    for name, values in vocabulary.attributes.items():
        if not is_size_attribute(name):
            continue
        for value, count in values.items():
            key = size_key(value)
            for alias in _SIZE_GROUP_OF.get(key, frozenset({key})):
                groups.setdefault(alias, []).append((alias != key, -count, value, name))
    out: dict[str, PhraseEntry] = {}
    for key, members in groups.items():
        members.sort()
        attribute = members[0][3]  # the size attribute of the best member ("size", "shoe_size")
        spellings = tuple(dict.fromkeys(v for _, _, v, n in members if n == attribute))
        count = -sum(c for _, c, _, n in members if n == attribute)
        out[key] = PhraseEntry(attribute_field(attribute), spellings, CUED_CONFIDENCE, count)
    return out

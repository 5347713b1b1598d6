"""Phrase lookup tables for the attribute parser, compiled once from a `CatalogVocabulary`.

Every brand and attribute phrase becomes one dictionary key (normalized tokens joined by spaces),
so parsing a query is a handful of dictionary lookups per token rather than a regex per brand.
When a phrase names several fields ("black" is a color and a lipstick shade), the most confident
field wins and its confidence is scaled by that field's share of the products.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from shelfwise.query.catalog_vocabulary import CatalogVocabulary, attribute_field, phrase_tails
from shelfwise.query.lexicon import (
    COLORS,
    COMMON_WORDS,
    MATERIALS,
    SIZE_DEFAULT_CONFIDENCE,
    SIZE_GROUPS,
    SIZE_LETTERS,
    SIZE_WORD_CONFIDENCE,
    phrase_key,
)

BRAND_CONFIDENCE = 0.95
COLOR_CONFIDENCE = 0.9
MATERIAL_CONFIDENCE = 0.85
OTHER_CONFIDENCE = 0.55  # "organic", "wireless": real attributes, but often only title words
CUED_CONFIDENCE = 0.9  # "size 10", "spf 50": the attribute is named before the value
LEXICON_ONLY_CONFIDENCE = 0.3  # a colour the catalog never uses: worth reporting, not filtering
HEAD_FALLBACK_FACTOR = 0.8  # "light gray" answered by the catalog's grays
UNLISTED_WORD_FACTOR = 0.7  # a one-word colour or material only the catalog knows ("Sand", "Jersey")
COMMON_BRAND_CAP = 0.4  # a brand spelled like a common word ("Simple", "Home")
SHORT_BRAND_FACTOR = 0.6  # two letters or fewer
UPPER_LETTER_CONFIDENCE = 0.4  # "M" typed alone
NO_EVIDENCE_FACTOR = 0.9  # too few titles to judge a phrase

_SIZE_GROUP_OF: dict[str, frozenset[str]] = {key: group for group in SIZE_GROUPS for key in group}
_AMBIGUOUS_BRANDS = COMMON_WORDS | {phrase_key(w) for w in COLORS + MATERIALS}


@dataclass(frozen=True, slots=True)
class PhraseEntry:
    """What a phrase means: a field, its catalog spellings (best first) and a confidence."""

    field: str
    values: tuple[str, ...]
    confidence: float
    count: int = 0
    upper_only: bool = False  # single-letter sizes: "M" typed upper case, never "m"


@dataclass(frozen=True, slots=True)
class PhraseIndex:
    phrases: dict[str, PhraseEntry]
    cues: dict[str, dict[str, PhraseEntry]]  # "size" -> "10" -> shoe size 10
    longest_phrase: int
    longest_cue: int
    longest_cued_value: int


def is_size_attribute(name: str) -> bool:
    return name == "size" or name.endswith("_size")


def build_index(vocabulary: CatalogVocabulary) -> PhraseIndex:
    candidates: dict[str, list[PhraseEntry]] = {}

    def add(entries: dict[str, PhraseEntry]) -> None:
        for key, entry in entries.items():
            if key:
                candidates.setdefault(key, []).append(entry)

    add(_brand_entries(vocabulary))
    add(_tail_entries(vocabulary, "color", COLORS, COLOR_CONFIDENCE))
    add(_tail_entries(vocabulary, "material", MATERIALS, MATERIAL_CONFIDENCE))
    for name in vocabulary.attributes:
        if is_size_attribute(name):
            add(_size_entries(vocabulary, name))
        elif name not in ("color", "material"):
            add(_other_entries(vocabulary, name))
    phrases = {key: _resolve(entries) for key, entries in candidates.items()}
    cues = _cue_entries(vocabulary)
    return PhraseIndex(
        phrases=phrases,
        cues=cues,
        longest_phrase=max((len(key.split()) for key in phrases), default=0),
        longest_cue=max((len(key.split()) for key in cues), default=0),
        longest_cued_value=max((len(k.split()) for values in cues.values() for k in values), default=0),
    )


def _resolve(entries: list[PhraseEntry]) -> PhraseEntry:
    best = max(entries, key=lambda e: (e.confidence, e.count))
    total = sum(e.count for e in entries)
    share = best.count / total if best.count and total else 1.0
    return replace(best, confidence=round(best.confidence * share, 3))


def _factor(vocabulary: CatalogVocabulary, key: str, field: str) -> float:
    ratio = vocabulary.evidence_ratio(key, field)
    return NO_EVIDENCE_FACTOR if ratio is None else 0.5 + 0.5 * ratio


# A group member: (is an alias rather than the exact phrase, product count, value as spelled).
_Member = tuple[bool, int, str]


def _ranked(members: list[_Member]) -> tuple[str, ...]:
    """Exact spellings first, then by product count."""
    return tuple(value for _, _, value in sorted(members, key=lambda m: (m[0], -m[1], m[2])))


def _total(members: list[_Member]) -> int:
    return sum(count for _, count, _ in members)


def _brand_entries(vocabulary: CatalogVocabulary) -> dict[str, PhraseEntry]:
    spellings: dict[str, list[_Member]] = {}
    for brand, count in vocabulary.brands.items():
        spellings.setdefault(phrase_key(brand), []).append((False, count, brand))
    out: dict[str, PhraseEntry] = {}
    for key, members in spellings.items():
        confidence = BRAND_CONFIDENCE * _factor(vocabulary, key, "brand")
        if key in _AMBIGUOUS_BRANDS:
            confidence = min(confidence, COMMON_BRAND_CAP)
        if len(key) <= 2:
            confidence *= SHORT_BRAND_FACTOR
        out[key] = PhraseEntry("brand", _ranked(members), confidence, _total(members))
    return out


def _tail_entries(
    vocabulary: CatalogVocabulary, name: str, lexicon: tuple[str, ...], confidence: float
) -> dict[str, PhraseEntry]:
    """Colours and materials: "blue" also answers "Navy Blue", "steel" answers "Stainless Steel"."""
    field = attribute_field(name)
    values = vocabulary.attributes.get(name, {})
    built_in = {phrase_key(word): word for word in lexicon}
    known = {phrase_key(value) for value in values} | set(built_in)
    families: dict[str, list[_Member]] = {}
    for value, count in values.items():
        key = phrase_key(value)
        for tail in phrase_tails(key):
            if tail in known:
                families.setdefault(tail, []).append((tail != key, count, value))
    out: dict[str, PhraseEntry] = {}
    for key, members in families.items():
        factor = _factor(vocabulary, key, field)
        if key not in built_in and " " not in key:
            factor *= UNLISTED_WORD_FACTOR
        out[key] = PhraseEntry(field, _ranked(members), confidence * factor, _total(members))
    for key, word in built_in.items():
        if key in out:
            continue
        head = out.get(key.split()[-1])
        if head is not None:
            out[key] = replace(head, confidence=head.confidence * HEAD_FALLBACK_FACTOR)
        else:
            out[key] = PhraseEntry(field, (word,), LEXICON_ONLY_CONFIDENCE)
    return out


def _size_groups(values: dict[str, int]) -> dict[str, list[_Member]]:
    groups: dict[str, list[_Member]] = {}
    for value, count in values.items():
        key = phrase_key(value)
        for alias in _SIZE_GROUP_OF.get(key, frozenset({key})):
            groups.setdefault(alias, []).append((alias != key, count, value))
    return groups


def _size_entries(vocabulary: CatalogVocabulary, name: str) -> dict[str, PhraseEntry]:
    field = attribute_field(name)
    out: dict[str, PhraseEntry] = {}
    for key, members in _size_groups(vocabulary.attributes[name]).items():
        if not any(word.isalpha() for word in key.split()):
            continue  # "10" is a size only after "size"
        upper = key in SIZE_LETTERS
        confidence = SIZE_WORD_CONFIDENCE.get(key, SIZE_DEFAULT_CONFIDENCE)
        if upper:
            confidence = UPPER_LETTER_CONFIDENCE
        out[key] = PhraseEntry(field, _ranked(members), confidence, _total(members), upper)
    return out


def _other_entries(vocabulary: CatalogVocabulary, name: str) -> dict[str, PhraseEntry]:
    field = attribute_field(name)
    spellings: dict[str, list[_Member]] = {}
    for value, count in vocabulary.attributes[name].items():
        key = phrase_key(value)
        if key not in COMMON_WORDS and any(w.isalpha() and len(w) >= 3 for w in key.split()):
            spellings.setdefault(key, []).append((False, count, value))
    out: dict[str, PhraseEntry] = {}
    for key, members in spellings.items():
        confidence = OTHER_CONFIDENCE * _factor(vocabulary, key, field)
        out[key] = PhraseEntry(field, _ranked(members), confidence, _total(members))
    return out


def _cue_entries(vocabulary: CatalogVocabulary) -> dict[str, dict[str, PhraseEntry]]:
    """Attribute names as cues: "size m", "shoe size 10", "spf 50", "color red"."""
    cues: dict[str, dict[str, PhraseEntry]] = {}
    for name, values in vocabulary.attributes.items():
        field = attribute_field(name)
        groups = _size_groups(values) if is_size_attribute(name) else _plain_groups(values)
        cue_keys = {phrase_key(name.replace("_", " "))} | ({"size"} if is_size_attribute(name) else set())
        for cue in cue_keys - {""}:
            per_cue = cues.setdefault(cue, {})
            for key, members in groups.items():
                entry = PhraseEntry(field, _ranked(members), CUED_CONFIDENCE, _total(members))
                if key and (key not in per_cue or per_cue[key].count < entry.count):
                    per_cue[key] = entry
    return cues


def _plain_groups(values: dict[str, int]) -> dict[str, list[_Member]]:
    groups: dict[str, list[_Member]] = {}
    for value, count in values.items():
        groups.setdefault(phrase_key(value), []).append((False, count, value))
    return groups

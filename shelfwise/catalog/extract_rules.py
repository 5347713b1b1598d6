"""Rule-based attribute extraction: lexicons for color and material, patterns for pack sizes and
electrical ratings, a gazetteer for brands, and the measures of `extract_measures`.

Every function takes one text and returns name -> ExtractedValue (source 'rules'); none holds state
beyond the compiled patterns of a `RuleSet`.
"""

from __future__ import annotations

import html
import re

from shelfwise.catalog.extract_lexicon import (
    COLOR_BASES,
    COLOR_BLOCKLIST,
    COLOR_MODIFIERS,
    COLOR_ONLY_WITH_MODIFIER,
    COUNTED_ITEMS,
    FINISH_MODIFIERS,
    METAL_BASES,
    NUMBER_WORDS,
    canonical,
    display,
    phrase_pattern,
)
from shelfwise.catalog.extract_material_words import (
    GENERIC_MATERIALS,
    MATERIAL_BASES,
    MATERIAL_BLOCKLIST,
    MATERIAL_MODIFIERS,
)
from shelfwise.catalog.extract_measures import NUMBER, measure_values, parse_number
from shelfwise.catalog.extract_types import ExtractedValue, TextField

_WORD_NUMBER = phrase_pattern(NUMBER_WORDS)
_COUNT = rf"(?P<n>\d{{1,5}}|{_WORD_NUMBER})"
_PACK_PATTERNS: tuple[tuple[re.Pattern[str], float], ...] = (
    (re.compile(rf"\b{_COUNT}\s*-?\s*(?:pack|pk|count|ct|pcs)\b(?!\s*-?\s*(?:of|rack|frame))", re.I), 0.9),
    (re.compile(rf"\b(?:pack|set|case|box|bag|package|pkg|carton|bundle)\s+of\s+{_COUNT}\b", re.I), 0.9),
    (
        re.compile(rf"\(\s*{_COUNT}\s*-?\s*(?:piece|pc|pieces|per\s+pack|per\s+box|per\s+case)\s*\)", re.I),
        0.85,
    ),
    (re.compile(rf"\b{_COUNT}\s*/\s*(?:pack|pk|box|case|bag|carton)\b", re.I), 0.85),
    (re.compile(rf"\(\s*{_COUNT}\s*-?\s*(?:{'|'.join(COUNTED_ITEMS)})\s*\)", re.I), 0.8),
    (re.compile(rf"\b{_COUNT}\s*-?\s*(?:piece|pc)\b(?=(?:\s+[\w\-]+){{0,4}}?\s+(?:set|kit)\b)", re.I), 0.7),
)
_RATING = rf"(?:\d+\s*/\s*)?(?P<n>{NUMBER})"
_ELECTRICAL: tuple[tuple[str, re.Pattern[str], str], ...] = (
    ("voltage", re.compile(rf"(?<![\w.#/-]){_RATING}\s*-?\s*(?:volts?\b|v\b)", re.I), "V"),
    (
        "wattage",
        re.compile(
            rf"(?<![\w.#/-]){_RATING}\s*-?\s*(?:watts?\b|w\b)(?!\s*-?\s*(?:equivalent|equiv|eq\b|replacement))",
            re.I,
        ),
        "W",
    ),
    (
        "amperage",
        re.compile(rf"(?<![\w.#/-]){_RATING}\s*-?\s*(?:amps?\b|(?-i:A)\b(?!\s*-?\s*\d))", re.I),
        "A",
    ),
)
_FINISH_BEFORE = re.compile(
    r"(?:(?<!\d\s)\bin|\bfinish(?:ed)?(?:\s+in)?|[\-\u2013,/]|\bcolor\s*[:=]?)\s*$", re.I
)
_FINISH_AFTER = re.compile(r"^\s*(?:finish|$|[,)(]|-\s*discontinued|\s*-)", re.I)
_FOR_BEFORE = re.compile(r"\b(?:for|fits|on|to)\s+(?:[\w\-]+\s+)?$", re.I)
_LABELLED = re.compile(r"\b(?P<key>colou?r|finish|material)\s*[:=]\s*(?P<value>[^,;.\n|]{2,40})", re.I)
_TAGS = re.compile(r"<[^>]+>")


def clean_text(text: str) -> str:
    """Unescape HTML entities, drop tags, unify quotes and spacing."""
    text = _TAGS.sub(" ", html.unescape(html.unescape(text)))
    text = text.replace("\u2033", '"').replace("\u201d", '"').replace("\u201c", '"').replace("\u2019", "'")
    return re.sub(r"\s+", " ", text).strip()


def _mask(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with the given spans blanked out (same length, so offsets still hold)."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


class RuleSet:
    """Compiled patterns for one configuration (the brand gazetteer is part of it)."""

    def __init__(self, brands: tuple[str, ...] = ()) -> None:
        color_mods = phrase_pattern(COLOR_MODIFIERS)
        colors = phrase_pattern((*COLOR_BASES, *METAL_BASES))
        self._color = re.compile(
            rf"(?<!\d-)(?<!\d\s)\b(?P<mods>(?:(?:{color_mods})[\s\-]+){{0,2}})(?P<base>{colors})\b", re.I
        )
        material_mods = phrase_pattern(MATERIAL_MODIFIERS)
        materials = phrase_pattern(MATERIAL_BASES)
        self._material = re.compile(rf"\b(?:(?:{material_mods})[\s\-]+){{0,2}}(?:{materials})\b", re.I)
        self._color_block = re.compile(rf"\b(?:{phrase_pattern(COLOR_BLOCKLIST)})(?!\w)", re.I)
        self._material_block = re.compile(rf"\b(?:{phrase_pattern(MATERIAL_BLOCKLIST)})\b", re.I)
        self._brands = {canonical(b): b.strip() for b in brands if b.strip()}
        self._brand_words = max((len(b.split(" ")) for b in self._brands), default=0)

    def brand(self, title: str) -> tuple[ExtractedValue, int] | None:
        """The longest known brand at the start of the title, and where it ends."""
        words = title.split(" ")
        for size in range(min(self._brand_words, len(words)), 0, -1):
            prefix = " ".join(words[:size]).rstrip(",:;")
            known = self._brands.get(canonical(prefix))
            if known is not None:
                value = ExtractedValue(value=known, source="rules", confidence=0.95, span=prefix)
                return value, len(prefix)
        return None

    def colors_and_materials(
        self, text: str, field: TextField, skip: list[tuple[int, int]]
    ) -> dict[str, ExtractedValue]:
        """color (a finish in finish position wins) and material (metals not used as a color)."""
        masked = _mask(text, skip + [m.span() for m in self._color_block.finditer(text)])
        out: dict[str, ExtractedValue] = {}
        color_spans: list[tuple[int, int]] = []
        best: ExtractedValue | None = None
        for match in self._color.finditer(masked):
            confidence = self._color_confidence(masked, match)
            if confidence <= 0:
                continue
            color_spans.append(match.span())
            if best is None or confidence > best.confidence:
                span = text[match.start() : match.end()]
                best = ExtractedValue(
                    value=display(span), source="rules", confidence=confidence, span=span, field=field
                )
        if best is not None:
            out["color"] = best
        material = self._first_material(_mask(text, skip + color_spans), text, field)
        if material is not None:
            out["material"] = material
        return out

    def _color_confidence(self, text: str, match: re.Match[str]) -> float:
        """0 when the phrase is not a color here; higher where a finish stands ('... in Chrome')."""
        base = canonical(match.group("base"))
        mods = {canonical(m) for m in re.split(r"[\s\-]+(?=\S)", match.group("mods").strip()) if m}
        mod_text = canonical(match.group("mods"))
        finish_before = bool(_FINISH_BEFORE.search(text[: match.start()]))
        finish_place = finish_before or bool(_FINISH_AFTER.match(text[match.end() :]))
        has_finish_mod = bool(mods & FINISH_MODIFIERS) or any(
            m in mod_text for m in FINISH_MODIFIERS if " " in m
        )
        if base in METAL_BASES and not (finish_before or has_finish_mod):
            return 0.0  # 'Cast Iron Pan', 'Flat Iron, White': a metal is a color only as a finish
        if base in COLOR_ONLY_WITH_MODIFIER and not (mods or finish_place):
            return 0.0
        if _FOR_BEFORE.search(text[: match.start()]):
            return 0.0
        return 0.9 if finish_place else 0.75

    def _first_material(self, masked: str, original: str, field: TextField) -> ExtractedValue | None:
        """The first material named, but a specific one ('Steel') over a generic 'Metal'."""
        blocked = [m.span() for m in self._material_block.finditer(masked)]
        masked = _mask(masked, blocked)
        found: list[str] = []
        for match in self._material.finditer(masked):
            if not _FOR_BEFORE.search(masked[: match.start()]):
                found.append(original[match.start() : match.end()])
        specific = [span for span in found if canonical(span) not in GENERIC_MATERIALS]
        if not found:
            return None
        chosen = (specific or found)[0]
        return ExtractedValue(value=display(chosen), source="rules", confidence=0.8, span=chosen, field=field)


def pack_size(text: str, field: TextField = "title") -> ExtractedValue | None:
    """'2-Pack', 'pack of 6', '(3-Piece)', 'set of 4', '12 count', '100/Box' -> the count."""
    best: tuple[int, ExtractedValue] | None = None
    for pattern, confidence in _PACK_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        raw = match.group("n").lower()
        count = NUMBER_WORDS.get(canonical(raw).replace(" ", "-"), 0) if not raw.isdigit() else int(raw)
        if count <= 0:
            continue
        found = ExtractedValue(
            value=str(count),
            source="rules",
            confidence=confidence,
            span=match.group(0).strip("() "),
            field=field,
            number=float(count),
            unit="count",
        )
        if best is None or match.start() < best[0]:
            best = (match.start(), found)
    return None if best is None else best[1]


def electrical(text: str, field: TextField = "title") -> dict[str, ExtractedValue]:
    """voltage ('18-Volt', '20V MAX'), wattage ('60 watt'; not '60W Equivalent'), amperage ('15-Amp')."""
    out: dict[str, ExtractedValue] = {}
    for name, pattern, unit in _ELECTRICAL:
        match = pattern.search(text)
        if match is None:
            continue
        try:
            number = parse_number(match.group("n"))
        except (ValueError, ZeroDivisionError):
            continue
        shown = f"{number:g}" if number < 1e6 else match.group("n").replace(",", "")
        out[name] = ExtractedValue(
            value=f"{shown}{unit}",
            source="rules",
            confidence=0.9,
            span=match.group(0).strip(),
            field=field,
            number=number,
            unit=unit,
        )
    return out


def labelled_values(text: str, field: TextField) -> dict[str, ExtractedValue]:
    """'Color: Navy Blue', 'Material: Oak' in descriptions and spec lines."""
    out: dict[str, ExtractedValue] = {}
    for match in _LABELLED.finditer(text):
        key = {"colour": "color", "finish": "color"}.get(
            match.group("key").lower(), match.group("key").lower()
        )
        value = match.group("value").strip()
        if key not in out and value:
            out[key] = ExtractedValue(
                value=display(value), source="rules", confidence=0.95, span=match.group(0), field=field
            )
    return out


def rule_values(
    rules: RuleSet, text: str, field: TextField, brand_span: tuple[int, int] | None
) -> dict[str, ExtractedValue]:
    """Every rule's findings in one text (the brand, found separately, is masked out)."""
    skip = [brand_span] if brand_span else []
    out = labelled_values(text, field)
    for name, found in rules.colors_and_materials(text, field, skip).items():
        out.setdefault(name, found)
    for name, found in measure_values(text, field).items():
        out.setdefault(name, found)
    pack = pack_size(text, field)
    if pack is not None:
        out.setdefault("pack_size", pack)
    for name, found in electrical(text, field).items():
        out.setdefault(name, found)
    return out

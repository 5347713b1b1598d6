"""Measures in product text: dimensions ('30 in. x 60 in.', '24" W x 36" H', '2x4', '10 ft.'),
weight ('80 lb.'), volume ('5 gal.', '1.9 cu. ft.') -> structured, normalised values.

A measure is a number with an optional unit and an optional W/H/L/D label; measures joined by 'x'
form a chain. A chain with at least one unit is the product's dimensions (a unit is carried back to
the numbers before it that lack one: '5x7 ft' -> '5 ft x 7 ft'); otherwise the first lone length is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shelfwise.catalog.extract_lexicon import UNITS
from shelfwise.catalog.extract_types import ExtractedValue, TextField

NUMBER = r"(?:\d+-\d+/\d+|\d+\s+\d+/\d+|\d+/\d+|\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d*\.\d+|\d+)"
_UNIT_GROUPS = "|".join(f"(?P<u{i}>{regex})(?![A-Za-z])" for i, (regex, _, _) in enumerate(UNITS))
_LABEL_WORDS = r"width|height|length|depth|diameter|dia|wide|high|long|deep|tall"
_ELEMENT = re.compile(
    rf"(?<![A-WYZa-wyz0-9_.#/,\-])(?:(?P<pre>width|height|length|depth)\s*[:=]?\s*)?"
    rf"(?P<num>{NUMBER})(?:\s*-?\s*(?:{_UNIT_GROUPS}))?"
    rf"(?:\s*(?P<label>(?-i:[WHLD])(?![A-Za-z])|(?:{_LABEL_WORDS})\b)\.?)?",
    re.IGNORECASE,
)
_CHAIN_GAP = re.compile(r"\s*[xX\u00d7]\s*")
_LABELS = {
    "w": "W",
    "width": "W",
    "wide": "W",
    "h": "H",
    "height": "H",
    "high": "H",
    "tall": "H",
    "l": "L",
    "length": "L",
    "long": "L",
    "d": "D",
    "depth": "D",
    "deep": "D",
    "dia": "Dia",
    "diameter": "Dia",
}
_LABEL_ATTRIBUTE = {"W": "width", "H": "height", "L": "length", "D": "depth"}
MAX_BARE_CHAIN_NUMBER = 20
"""'2x4', '4x4', '1x6': unit-less chains count as (lumber-style) dimensions only with small numbers."""


@dataclass(frozen=True)
class Measure:
    """One number in the text, with its unit and label when it has them."""

    start: int
    end: int
    number_text: str
    number: float
    unit: str = ""
    kind: str = ""
    label: str = ""

    def with_unit(self, unit: str, kind: str) -> Measure:
        return Measure(self.start, self.end, self.number_text, self.number, unit, kind, self.label)

    def text(self) -> str:
        parts = [self.number_text, self.unit, self.label]
        return " ".join(part for part in parts if part)


def parse_number(text: str) -> float:
    """'1-1/2' -> 1.5, '2 1/2' -> 2.5, '3/8' -> 0.375, '1,500' -> 1500.0, '.5' -> 0.5."""
    text = text.replace(",", "").strip()
    whole, _, fraction = re.sub(r"[\s\-]+", " ", text).rpartition(" ")
    if "/" in fraction:
        top, bottom = fraction.split("/", 1)
        value = float(top) / float(bottom) if float(bottom) else 0.0
        return value + (float(whole) if whole else 0.0)
    return float(text)


def number_text(text: str) -> str:
    """The stored form of a number: no thousands commas, '2 1/2' as '2-1/2', '.5' as '0.5'."""
    text = re.sub(r"\s+", "-", text.replace(",", "").strip())
    return "0" + text if text.startswith(".") else text


def find_measures(text: str) -> list[Measure]:
    """Every number in `text`, with unit and label where they follow it."""
    out: list[Measure] = []
    for match in _ELEMENT.finditer(text):
        unit, kind = "", ""
        for i, (_, canonical_unit, unit_kind) in enumerate(UNITS):
            if match.group(f"u{i}") is not None:
                unit, kind = canonical_unit, unit_kind
                break
        raw_label = match.group("label") or match.group("pre") or ""
        label = _LABELS.get(raw_label.lower(), "") if kind == "length" else ""
        try:
            number = parse_number(match.group("num"))
        except (ValueError, ZeroDivisionError):
            continue
        out.append(
            Measure(match.start(), match.end(), number_text(match.group("num")), number, unit, kind, label)
        )
    return out


def _chains(text: str, measures: list[Measure]) -> list[list[Measure]]:
    """Runs of measures joined by 'x'."""
    chains: list[list[Measure]] = []
    for measure in measures:
        previous = chains[-1][-1] if chains else None
        if previous is not None and _CHAIN_GAP.fullmatch(text[previous.end : measure.start]):
            chains[-1].append(measure)
        else:
            chains.append([measure])
    return chains


def _fill_units(chain: list[Measure]) -> list[Measure] | None:
    """Carry each unit back to the unit-less numbers before it; None if the chain mixes kinds."""
    filled: list[Measure] = []
    unit, kind = "", ""
    while len(chain) > 1 and not chain[-1].unit and any(m.unit for m in chain):
        chain = chain[:-1]  # '9 in. x 6-12-Teeth': a unit-less number after the last unit is not a size
    for measure in reversed(chain):
        if measure.unit:
            unit, kind = measure.unit, measure.kind
        if kind not in ("", "length"):
            return None
        filled.append(measure if measure.unit or not unit else measure.with_unit(unit, kind))
    return list(reversed(filled))


def _value(measures: list[Measure], text: str, field: TextField, confidence: float) -> ExtractedValue:
    first, last = measures[0], measures[-1]
    single = len(measures) == 1
    return ExtractedValue(
        value=" x ".join(m.text() for m in measures),
        source="rules",
        confidence=confidence,
        span=text[first.start : last.end].strip(),
        field=field,
        number=first.number if single else None,
        unit=first.unit if single or len({m.unit for m in measures}) == 1 else "",
    )


def _labelled(
    measures: list[Measure], text: str, field: TextField, confidence: float
) -> dict[str, ExtractedValue]:
    out: dict[str, ExtractedValue] = {}
    for measure in measures:
        name = _LABEL_ATTRIBUTE.get(measure.label)
        if name and name not in out:
            plain = Measure(measure.start, measure.end, measure.number_text, measure.number, measure.unit)
            out[name] = _value([plain], text, field, confidence)
    return out


def measure_values(
    text: str, field: TextField = "title", confidence: float = 0.9
) -> dict[str, ExtractedValue]:
    """dimensions, width/height/length/depth, weight and volume found in `text`."""
    out: dict[str, ExtractedValue] = {}
    measures = find_measures(text)
    lone: list[Measure] = []
    for chain in _chains(text, measures):
        if len(chain) == 1:
            lone.append(chain[0])
            continue
        filled = _fill_units(chain)
        if filled is None or "dimensions" in out:
            continue
        if any(m.unit for m in filled):
            out["dimensions"] = _value(filled, text, field, confidence)
            out.update({k: v for k, v in _labelled(filled, text, field, confidence).items() if k not in out})
        elif len(chain) == 2 and all(
            m.number.is_integer() and 0 < m.number <= MAX_BARE_CHAIN_NUMBER for m in chain
        ):
            out["dimensions"] = _value(chain, text, field, confidence * 0.7)
    for measure in lone:
        name = {"length": "dimensions", "weight": "weight", "volume": "volume"}.get(measure.kind)
        if name is None or name in out:
            continue
        out[name] = _value([measure], text, field, confidence * (0.9 if name == "dimensions" else 1.0))
        if name == "dimensions":
            for key, found in _labelled([measure], text, field, confidence * 0.9).items():
                out.setdefault(key, found)
    return out

"""The demo shop's vocabularies: departments, fictional brands and product kinds, read from the
package data `shelfwise/demo/data/departments_<language>.json`.

A department has a name, brands, pitches and closers (description openings and endings) and
kinds. A kind has its category `path` (level 2, level 3), `nouns`, a median `price`, a `title`
template, `attrs` (attribute -> values, stored as the product's attributes), `features`, and
optional `words` (title-only choices) and its own `pitches`. Titles and feature phrases are
`str.format` templates over {brand}, {noun}, the attributes and the words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Kind:
    """One kind of product: where it sits, what it is called, what it costs, how it is described."""

    path: tuple[str, str]
    nouns: tuple[str, ...]
    price: float
    title: str
    attrs: tuple[tuple[str, tuple[str, ...]], ...]
    features: tuple[str, ...]
    words: tuple[tuple[str, tuple[str, ...]], ...] = ()
    pitches: tuple[str, ...] = ()


@dataclass(frozen=True)
class Department:
    name: str
    brands: tuple[str, ...]
    pitches: tuple[str, ...]
    closers: tuple[str, ...]
    kinds: tuple[Kind, ...]


def read_data(name: str) -> Any:
    """A JSON file of the demo's package data (`shelfwise/demo/data/<name>.json`)."""
    text = resources.files("shelfwise.demo").joinpath("data", f"{name}.json").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def english_names_zh() -> dict[str, str]:
    """English names of the Chinese demo's kinds, colours and materials (data/english_names_zh.json):
    the English query set over the Chinese catalog."""
    names: dict[str, str] = read_data("english_names_zh")["names"]
    return names


@cache
def load_departments(language: str) -> tuple[Department, ...]:
    """The demo catalog's departments in `language` (en or zh), in catalog order."""
    return tuple(_department(raw) for raw in read_data(f"departments_{language}")["departments"])


def _choices(raw: dict[str, list[str]]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    return tuple((name, tuple(values)) for name, values in raw.items())


def _kind(raw: dict[str, Any]) -> Kind:
    level2, level3 = raw["path"]
    return Kind(
        path=(level2, level3),
        nouns=tuple(raw["nouns"]),
        price=raw["price"],
        title=raw["title"],
        attrs=_choices(raw["attrs"]),
        features=tuple(raw["features"]),
        words=_choices(raw.get("words", {})),
        pitches=tuple(raw.get("pitches", ())),
    )


def _department(raw: dict[str, Any]) -> Department:
    return Department(
        name=raw["name"],
        brands=tuple(raw["brands"]),
        pitches=tuple(raw["pitches"]),
        closers=tuple(raw["closers"]),
        kinds=tuple(_kind(k) for k in raw["kinds"]),
    )

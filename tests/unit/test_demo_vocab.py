"""The demo shop's vocabularies are package data (JSON under shelfwise/demo/data/), read by a
small loader, and every kind's templates can be filled from its own choices."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

import pytest

from shelfwise.demo.vocab import Department, load_departments, read_data
from shelfwise.demo.vocab_zh import ATTRIBUTE_LABELS, QUERY_WORDS

ROOT = Path(__file__).resolve().parents[2]


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_every_kind_fills_its_templates_from_its_own_choices(language: str) -> None:
    departments = load_departments(language)
    assert departments and all(isinstance(d, Department) and d.kinds for d in departments)
    for department in departments:
        for kind in department.kinds:
            known = {"brand", "noun"} | {n for n, _ in kind.attrs} | {n for n, _ in kind.words}
            assert _fields(kind.title) <= known, (department.name, kind.path)
            for pitch in kind.pitches or department.pitches:
                assert _fields(pitch) <= known, (department.name, kind.path, pitch)
            assert len(kind.features) >= 3 and all(values for _, values in kind.attrs + kind.words)


def test_the_chinese_tables_are_read_from_package_data() -> None:
    assert dict(ATTRIBUTE_LABELS) == read_data("attribute_labels_zh")
    assert QUERY_WORDS["黑色"] == ("黑色", "heise")
    assert all(len(pair) == 2 for pair in QUERY_WORDS.values())


def test_the_wheel_ships_the_vocabularies() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["setuptools"]["package-data"]["shelfwise"]
    assert "demo/data/*.json" in shipped
    assert sorted(p.name for p in (ROOT / "shelfwise" / "demo" / "data").glob("*.json")) == [
        "attribute_labels_zh.json",
        "departments_en.json",
        "departments_zh.json",
        "english_names_zh.json",
        "query_words_zh.json",
        "reviews_en.json",
        "reviews_zh.json",
    ]
    assert "aspects/data/*.json" in shipped  # the opinion lexicon of review aspects


@pytest.mark.parametrize("language", ["en", "zh"])
def test_review_vocabularies_name_the_catalogs_departments_and_categories(language: str) -> None:
    """Every department the demo reviews describe, and every second-level category an aspect is
    limited to ('only'), is one of the demo catalog's; each aspect has forms and words both ways."""
    reviews = read_data(f"reviews_{language}")
    departments = {d.name: {kind.path[0] for kind in d.kinds} for d in load_departments(language)}
    assert set(reviews["departments"]) <= set(departments)
    for name, aspects in reviews["departments"].items():
        for aspect in aspects.values():
            assert set(aspect.get("only", ())) <= departments[name], (name, aspect["forms"])
            assert aspect["forms"] and aspect["good"] and aspect["bad"]

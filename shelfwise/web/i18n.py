"""The storefront's own labels in the shop's language: a message catalog per language.

`messages/<lang>.json` maps each English label, as the templates and scripts write it, to its
translation; English needs none (`en.json` is empty), so an English storefront renders exactly
the strings in the templates. A label with values uses `{name}` placeholders ("Total: {total}").
Templates call `_("...")`; the scripts get the same catalog in a JSON data block (static/i18n.js).

The shop's language is `serve.storefront_language`, or with "auto" the catalog's: Chinese when
most of a sample of product titles hold Chinese characters.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Final

LANGUAGES: Final = ("en", "zh")


def load_messages(folder: Path) -> dict[str, dict[str, str]]:
    """Every language's catalog; a label missing from one falls back to the English text."""
    catalogs: dict[str, dict[str, str]] = {}
    for language in LANGUAGES:
        data = json.loads((folder / f"{language}.json").read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
            raise ValueError(f"{folder / language}.json: expected an object of strings")
        catalogs[language] = data
    return catalogs


def translator(messages: dict[str, str]) -> Callable[..., str]:
    """`_(text, **values)`: the translation of `text` (or `text` itself) with `{name}` filled in."""

    def translate(text: str, **values: object) -> str:
        out = messages.get(text, text)
        for name, value in values.items():
            out = out.replace("{" + name + "}", str(value))
        return out

    return translate

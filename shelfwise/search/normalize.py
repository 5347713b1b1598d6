"""Query normalisation: Unicode NFKC, lower case, collapsed whitespace, no control characters."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def normalize_query(query: str) -> str:
    text = unicodedata.normalize("NFKC", query)
    text = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in text)
    return _SPACE.sub(" ", text).strip().lower()

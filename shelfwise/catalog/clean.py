"""Text from real feeds, cleaned: HTML tags, entities and runs of whitespace removed.

Scraped and exported catalogs carry page markup in their text: Amazon's metadata has brands such as
'by\\n    \\n    iTunes', category paths ending in '</span></span>' and titles with '&amp;' and
'&#39;'. Ingestion cleans the title, brand, category, description and attributes with these
functions; only a description that held markup keeps its feed value (`Product.raw`).
"""

from __future__ import annotations

import html
import re

# a tag needs a name (or is a comment), so '3 < 5 > 2' stays text
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.S)
_HIDDEN = re.compile(r"<(script|style)\b[^>]*>.*?(?:</\1\s*>|$)", re.I | re.S)
_BLOCK_TAG = re.compile(r"</?(?:br|p|div|li|ul|ol|tr|td|th|table|h[1-6]|section|hr)\b[^<>]*>", re.I)
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9:-]*(?:\s[^<>]*)?/?>")
# Amazon's brand byline: a lower-case 'by' before the name ('by\n    \n    Microsoft', 'by iTunes');
# a brand that starts with 'By' (By Terry) keeps it
_BYLINE = re.compile(r"^by\s+(?=\S)")


def has_markup(text: str) -> bool:
    """Whether `text` holds HTML tags or comments (entities alone do not count)."""
    return bool(_TAG.search(text) or _COMMENT.search(text))


def clean_text(text: str) -> str:
    """Tags removed (block tags and line breaks become spaces), entities decoded, whitespace
    collapsed: '<p>Dave &amp; Buster&#39;s</p>\\n ' -> "Dave & Buster's"."""
    if "<" in text:
        text = _HIDDEN.sub(" ", _COMMENT.sub(" ", text))
        text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    if "&" in text:
        text = html.unescape(text)
    return " ".join(text.split())


def clean_brand(text: str) -> str:
    """A brand cleaned like any text, without Amazon's 'by' byline: 'by\\n  iTunes' -> 'iTunes'."""
    return _BYLINE.sub("", clean_text(text))

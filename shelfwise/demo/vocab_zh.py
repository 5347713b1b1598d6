"""Word lists of the Chinese demo shop (package data: `data/departments_zh.json`,
`data/attribute_labels_zh.json`, `data/query_words_zh.json`; the format is vocab.py's).

Brands are real Chinese and international names, Chinese and Latin script, as a Chinese shop
lists them; every product is still fictional. Attribute names stay the English keys the rest of
Shelfwise reads (`color`, `material`, `size`); their values are Chinese. Prices are medians in CNY.

`QUERY_WORDS` gives, for each kind's leaf and each colour, what a shopper types besides the
simplified form: the traditional form and the pinyin (the query set and the shoppers use them).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from shelfwise.demo.vocab import Department, load_departments, read_data

DEPARTMENTS_ZH: tuple[Department, ...] = load_departments("zh")
ATTRIBUTE_LABELS: Mapping[str, str] = MappingProxyType(read_data("attribute_labels_zh"))
"""attribute key -> its Chinese label in descriptions"""
QUERY_WORDS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {word: (traditional, pinyin) for word, (traditional, pinyin) in read_data("query_words_zh").items()}
)
"""simplified -> (traditional, pinyin): kind leaves, colours and a few materials and features"""

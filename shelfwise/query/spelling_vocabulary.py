"""The words a spelling corrector trusts: counts from product text and popular queries.

Words are counted lowercased, weighted by field (a title word counts most); words with digits are
left out (model numbers are never corrected, nor suggested). Bigrams of neighbouring title words,
and of the words around a stop word ("tongue and groove" -> "tongue groove"), give context. Saved as
a folder: manifest.json (format, version, sizes, data hash) and vocabulary.json; never pickle.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.index.lexical import build_analyzer
from shelfwise.records import Product

FORMAT = "shelfwise-spelling-vocabulary"
FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
VOCABULARY_FILE = "vocabulary.json"

# a word with an apostrophe between letters ("men's"), else a run of letters and digits ("rx580")
WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)+(?![^\W_])|[^\W_]+")
DIGIT_RE = re.compile(r"\d")


class VocabularyWeights(BaseModel):
    """How much one occurrence of a word in each product field counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    title: int = Field(default=3, ge=0)
    brand: int = Field(default=3, ge=0)
    category: int = Field(default=2, ge=0)
    attributes: int = Field(default=1, ge=0)
    description: int = Field(default=1, ge=0)


@dataclass(frozen=True)
class SpellingVocabulary:
    """Word and title-bigram counts ("a b" keys), lowercased; words with digits are left out."""

    words: Mapping[str, int]
    bigrams: Mapping[str, int]
    query_words: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def from_products(
        cls, products: Iterable[Product], weights: VocabularyWeights | None = None
    ) -> SpellingVocabulary:
        weights = weights or VocabularyWeights()
        words: Counter[str] = Counter()
        bigrams: Counter[str] = Counter()
        stopwords = _StopWords()
        for product in products:
            title = _text_words(product.title)
            _count(words, title, weights.title)
            bigrams.update(_bigrams(title, stopwords))
            _count(words, _text_words(product.brand), weights.brand)
            _count(words, _text_words(" ".join(product.category)), weights.category)
            _count(words, _text_words(" ".join(product.attributes.values())), weights.attributes)
            _count(words, _text_words(product.description), weights.description)
        return cls(words=dict(words), bigrams=dict(bigrams))

    def add_queries(self, queries: Iterable[tuple[str, int]]) -> SpellingVocabulary:
        """A new vocabulary that also counts the words and bigrams of (query, count) pairs."""
        query_words: Counter[str] = Counter(self.query_words)
        bigrams: Counter[str] = Counter(self.bigrams)
        stopwords = _StopWords()
        for text, count in queries:
            words = _text_words(text)
            _count(query_words, words, count)
            for bigram in _bigrams(words, stopwords):
                bigrams[bigram] += count
        return SpellingVocabulary(
            words=dict(self.words), bigrams=dict(bigrams), query_words=dict(query_words)
        )

    def save(self, path: Path) -> None:
        """Write a folder: manifest.json and vocabulary.json (each written atomically)."""
        path.mkdir(parents=True, exist_ok=True)
        body = json.dumps(
            {"words": self.words, "query_words": self.query_words, "bigrams": self.bigrams},
            ensure_ascii=False,
            sort_keys=True,
        )
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "words": len(self.words),
            "query_words": len(self.query_words),
            "bigrams": len(self.bigrams),
            "data_hash": hashlib.sha256(body.encode("utf-8")).hexdigest(),
        }
        _write_atomic(path / VOCABULARY_FILE, body)
        _write_atomic(path / MANIFEST_FILE, json.dumps(manifest, indent=2))

    @classmethod
    def load(cls, path: Path) -> SpellingVocabulary:
        manifest = json.loads((path / MANIFEST_FILE).read_text(encoding="utf-8"))
        if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
            raise ValueError(f"{path} is not a spelling vocabulary of version {FORMAT_VERSION}")
        body = (path / VOCABULARY_FILE).read_text(encoding="utf-8")
        if hashlib.sha256(body.encode("utf-8")).hexdigest() != manifest["data_hash"]:
            raise ValueError(f"{path / VOCABULARY_FILE} does not match its manifest")
        data = json.loads(body)
        return cls(words=data["words"], bigrams=data["bigrams"], query_words=data["query_words"])


# -- helpers ----------------------------------------------------------------------------------


def _text_words(text: str) -> list[str | None]:
    """Lowercased words of text; None where a word with digits breaks the bigram chain."""
    return [None if DIGIT_RE.search(word) else word for word in WORD_RE.findall(text.lower())]


def _count(counter: Counter[str], words: list[str | None], weight: int) -> None:
    if weight:
        for word in words:
            if word is not None:
                counter[word] += weight


def _bigrams(words: list[str | None], stopwords: _StopWords) -> list[str]:
    """Pairs of neighbouring words, and pairs around stop words ("tongue and groove" -> "tongue groove")."""
    pairs = [f"{a} {b}" for a, b in zip(words, words[1:], strict=False) if a is not None and b is not None]
    content = [word for word in words if word is None or not stopwords(word)]
    pairs.extend(
        f"{a} {b}" for a, b in zip(content, content[1:], strict=False) if a is not None and b is not None
    )
    return sorted(set(pairs))


class _StopWords:
    """The lexical index's stop words (words its analyzer drops), remembered as they are looked up."""

    def __init__(self) -> None:
        self._analyzer = build_analyzer()
        self._known: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self._known.get(word)
        if found is None:
            found = self._known[word] = not self._analyzer.analyze(word)
        return found


def _write_atomic(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)

"""Text folding for autocomplete: words, words with character spans, plural-insensitive stems.

A word is a run of letters or digits; folding lower-cases, decomposes compatibility characters and
drops diacritics ("Réfrigérateur" -> "refrigerateur"). ASCII text takes a fast path that gives the
same result. Scripts without spaces (Chinese, Japanese) come out as one word per run of characters,
so they match by character prefix.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_WORD = re.compile(r"[^\W_]+")
_SEGMENT_BREAK = re.compile(r"[()\[\]{},;:|/+_]|\s[-\u2013\u2014]+\s")
_WORD_OR_BREAK = re.compile(r"[^\W_]+|_")
BREAK = "_"


@dataclass(frozen=True, slots=True)
class Token:
    """A folded word and the [start, end) span of the original characters it came from."""

    norm: str
    start: int
    end: int


def fold(text: str) -> str:
    """Lower-case, compatibility-decompose and strip combining marks."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def words(text: str) -> list[str]:
    """The folded words of text, in order."""
    if text.isascii():
        return _WORD.findall(text.lower())
    return [part for raw in _WORD.findall(text) for part in _WORD.findall(fold(raw))]


def tokenize(text: str) -> list[Token]:
    """Like `words`, with each word's span in the original text (shared by a word's parts)."""
    if text.isascii():
        return [Token(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
    return [
        Token(part, m.start(), m.end())
        for m in _WORD.finditer(text)
        for part in _WORD.findall(fold(m.group()))
    ]


def words_and_breaks(title: str) -> list[str]:
    """The words of a title with BREAK where punctuation ends a phrase (brackets, commas, slashes,
    ' - '); the words alone are `words(title)`."""
    marked = _SEGMENT_BREAK.sub(" _ ", title)
    if marked.isascii():
        return _WORD_OR_BREAK.findall(marked.lower())
    return [part for raw in _WORD_OR_BREAK.findall(marked) for part in _WORD_OR_BREAK.findall(fold(raw))]


def stem(word: str) -> str:
    """Light English plural folding: 'bulbs' -> 'bulb', 'boxes' -> 'box', 'batteries' -> 'battery'."""
    size = len(word)
    if size > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if size > 4 and word.endswith(("ches", "shes", "sses", "xes", "zes")):
        return word[:-2]
    if size > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def dedup_key(folded_words: list[str]) -> str:
    """Key under which suggestions count as the same: case-, accent- and plural-insensitive."""
    return " ".join(stem(word) for word in folded_words)


def osa_distance(left: str, right: str) -> int:
    """Edit distance with adjacent transpositions (optimal string alignment)."""
    if left == right:
        return 0
    prev2: list[int] = []
    prev = list(range(len(right) + 1))
    for i, lc in enumerate(left, 1):
        row = [i] + [0] * len(right)
        for j, rc in enumerate(right, 1):
            cost = 0 if lc == rc else 1
            best = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and lc == right[j - 2] and left[i - 2] == rc:
                best = min(best, prev2[j - 2] + 1)
            row[j] = best
        prev2, prev = prev, row
    return prev[-1]


def ends_inside_word(text: str) -> bool:
    """True when the last character continues a word: the last typed word may be incomplete."""
    if not text:
        return False
    last = text[-1]
    return bool(_WORD.match(last)) or unicodedata.combining(last) > 0

"""Pinyin over a catalog's Chinese words: homophone typos ("连衣群" -> "连衣裙"), full pinyin
("lianyiqun") and initials ("lyq") read as the Chinese word, for search and autocomplete.

The vocabulary is the catalog's own: jieba's words of its titles' Han runs, kept when at least
`min_count` titles use them. A query's Han run is corrected only where a stretch of it never
occurs in any title, is no word of jieba's dictionary ("超过" is not a typo of "炒锅") and sounds
(toneless pinyin) like a catalog word of the same length.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import islice

from pypinyin import Style, lazy_pinyin

from shelfwise.query.zh_text import HAN_RUN_RE, cut, fold, is_word

MIN_WORD_COUNT = 2
MAX_WORD_CHARS = 4
CONFIDENCE_HOMOPHONE = 0.8  # one catalog word sounds like it
CONFIDENCE_HOMOPHONE_AMBIGUOUS = 0.65  # several do; the most frequent wins
CONFIDENCE_FULL_PINYIN = 0.9
CONFIDENCE_INITIALS = 0.7
MIN_INITIALS = 2  # autocomplete
MIN_SEARCH_INITIALS = 3  # a search: "hs" is too often something else to be read as 黑色
MAX_LOOKUP = 200  # words a typed pinyin prefix may stand for (before ranking by count)
_ASCII_WORD_RE = re.compile(r"[A-Za-z]+")


@dataclass(frozen=True, slots=True)
class PinyinChange:
    start: int
    end: int
    replacement: str
    confidence: float
    kind: str  # "homophone", "pinyin", "initials"


def pinyin_key(word: str) -> str:
    return "".join(lazy_pinyin(word, errors="ignore"))


def initials_key(word: str) -> str:
    return "".join(s[:1] for s in lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Pinyin is typed as a word of its own: not glued to digits or Han ("XL码", "t恤", "15w")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


class PinyinIndex:
    """Read-only after construction."""

    def __init__(self, counts: Counter[str], seen: frozenset[str]) -> None:
        self.counts = counts
        self._seen = seen  # every 2..4-character stretch of the titles' Han runs
        self.by_pinyin: dict[str, list[str]] = {}
        self.by_initials: dict[str, list[str]] = {}
        for word in sorted(counts, key=lambda w: (-counts[w], w)):
            self.by_pinyin.setdefault(pinyin_key(word), []).append(word)
            self.by_initials.setdefault(initials_key(word), []).append(word)
        keyed = [(key, word) for key, words in self.by_pinyin.items() for word in words]
        keyed += [(key, word) for key, words in self.by_initials.items() for word in words]
        self._sorted = sorted(keyed)  # (key, word), for prefix lookups by bisection

    @classmethod
    def build(cls, titles: Iterable[str], min_count: int = MIN_WORD_COUNT) -> PinyinIndex:
        counts: Counter[str] = Counter()
        seen: set[str] = set()
        for title in titles:
            words: set[str] = set()
            for run in HAN_RUN_RE.findall(fold(title)):
                words.update(w for w in cut(run) if 2 <= len(w) <= MAX_WORD_CHARS)
                for n in range(2, MAX_WORD_CHARS + 1):
                    seen.update(run[i : i + n] for i in range(len(run) - n + 1))
            counts.update(words)
        kept = Counter({w: c for w, c in counts.items() if c >= min_count})
        return cls(kept, frozenset(seen))

    def __len__(self) -> int:
        return len(self.counts)

    def changes(self, query: str, known_latin: Callable[[str], bool]) -> list[PinyinChange]:
        """Homophone corrections in Han runs, and pinyin words as Chinese: lower-case (or capitalized)
        words of their own that are no known Latin word; initials from three letters."""
        if not self.counts:
            return []
        out: list[PinyinChange] = []
        folded = fold(query)
        folded = folded if len(folded) == len(query) else query
        for run in HAN_RUN_RE.finditer(folded):
            out.extend(self._homophones(run.group(), run.start()))
        for word in _ASCII_WORD_RE.finditer(query):
            typed = word.group()
            if (typed.islower() or typed[1:].islower()) and _stands_alone(query, word.start(), word.end()):
                change = self._pinyin(typed.lower(), word.start(), word.end(), known_latin)
                if change is not None:
                    out.append(change)
        return sorted(out, key=lambda c: c.start)

    def lookup(self, typed: str) -> list[str]:
        """Catalog words whose full pinyin or initials start with `typed` (autocomplete)."""
        typed = typed.lower().replace(" ", "")
        if len(typed) < MIN_INITIALS or not typed.isascii() or not typed.isalpha():
            return []
        found: list[str] = []
        for key, word in islice(self._sorted, bisect_left(self._sorted, (typed, "")), None):
            if not key.startswith(typed) or len(found) >= MAX_LOOKUP:
                break
            found.append(word)
        return sorted(dict.fromkeys(found), key=lambda w: (-self.counts[w], w))

    def _homophones(self, run: str, offset: int) -> list[PinyinChange]:
        out: list[PinyinChange] = []
        i = 0
        while i < len(run) - 1:
            step = 1
            for n in range(min(MAX_WORD_CHARS, len(run) - i), 1, -1):
                piece = run[i : i + n]
                if piece in self._seen or is_word(piece):  # in a title, or a Chinese word ("超过")
                    step = n
                    break
                words = [w for w in self.by_pinyin.get(pinyin_key(piece), []) if len(w) == n]
                if words:
                    confidence = CONFIDENCE_HOMOPHONE if len(words) == 1 else CONFIDENCE_HOMOPHONE_AMBIGUOUS
                    out.append(PinyinChange(offset + i, offset + i + n, words[0], confidence, "homophone"))
                    step = n
                    break
            i += step
        return out

    def _pinyin(self, word: str, start: int, end: int, known: Callable[[str], bool]) -> PinyinChange | None:
        if len(word) < MIN_INITIALS or known(word):
            return None
        full = self.by_pinyin.get(word)
        if full:
            return PinyinChange(start, end, full[0], CONFIDENCE_FULL_PINYIN, "pinyin")
        initials = self.by_initials.get(word) if len(word) >= MIN_SEARCH_INITIALS else None
        if initials:
            return PinyinChange(start, end, initials[0], CONFIDENCE_INITIALS, "initials")
        return None

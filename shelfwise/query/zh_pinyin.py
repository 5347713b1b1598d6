"""Pinyin over a catalog's Chinese words: homophone typos ("连衣群" -> "连衣裙"), full pinyin
("lianyiqun") and initials ("lyq") read as the Chinese word, for search and autocomplete.

The vocabulary is the catalog's own: jieba's words of its titles' Han runs (a lone character joined
to its neighbour: "瑜伽垫"), kept when at least
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

from shelfwise.query.zh_text import HAN_RUN_RE, cut_words, fold, is_word

MIN_WORD_COUNT = 2
MAX_WORD_CHARS = 6  # "笔记本电脑"
CONFIDENCE_HOMOPHONE = 0.8  # one catalog word sounds like it
CONFIDENCE_HOMOPHONE_AMBIGUOUS = 0.65  # several do; the most frequent wins
CONFIDENCE_FULL_PINYIN = 0.9
CONFIDENCE_INITIALS = 0.7
MAX_JOINED_WORDS = 4  # pinyin typed with spaces: "bi ji ben", "bijiben diannao"
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


def _all_han(text: str) -> bool:
    return len(text) >= 2 and HAN_RUN_RE.fullmatch(text) is not None


def _stands_alone(text: str, start: int, end: int) -> bool:
    """Pinyin is typed as a word of its own: not glued to digits or Han ("XL码", "t恤", "15w")."""
    before = text[start - 1] if start > 0 else " "
    after = text[end] if end < len(text) else " "
    return not (before.isalnum() or after.isalnum())


class PinyinIndex:
    """Read-only after construction."""

    def __init__(self, counts: Counter[str], runs: str) -> None:
        self.counts = counts
        self._runs = runs  # the titles' distinct Han runs, joined by newlines
        self.by_pinyin: dict[str, list[str]] = {}
        self.by_initials: dict[str, list[str]] = {}
        for word in sorted(counts, key=lambda w: (-counts[w], w)):
            self.by_pinyin.setdefault(pinyin_key(word), []).append(word)
            self.by_initials.setdefault(initials_key(word), []).append(word)
        keyed = [(key, word) for key, words in self.by_pinyin.items() for word in words]
        keyed += [(key, word) for key, words in self.by_initials.items() for word in words]
        self._sorted = sorted(keyed)  # (key, word), for prefix lookups by bisection

    @classmethod
    def build(
        cls, titles: Iterable[str], names: Iterable[str] = (), min_count: int = MIN_WORD_COUNT
    ) -> PinyinIndex:
        """From titles (cut into words) and names taken whole, once per product (categories and
        brands: "遥控车", "奥迪双钻")."""
        counts: Counter[str] = Counter(n for n in (fold(name).strip() for name in names) if _all_han(n))
        words_of: dict[str, list[str]] = {}  # jieba's words of each distinct run, cut once
        for title in titles:
            words: set[str] = set()
            for run in HAN_RUN_RE.findall(fold(title)):
                if run not in words_of:
                    words_of[run] = [w for w in cut_words(run) if 2 <= len(w) <= MAX_WORD_CHARS]
                words.update(words_of[run])
            counts.update(words)
        kept = Counter({w: c for w, c in counts.items() if c >= min_count})
        return cls(kept, "\n".join(sorted(words_of)))

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
        out.extend(self._pinyin_words(query, known_latin))
        return sorted(out, key=lambda c: c.start)

    def _pinyin_words(self, query: str, known: Callable[[str], bool]) -> list[PinyinChange]:
        """Pinyin words, and runs of them that spell one word ("bijiben diannao" -> 笔记本电脑)."""
        found = [
            w
            for w in _ASCII_WORD_RE.finditer(query)
            if (w.group().islower() or w.group()[1:].islower()) and _stands_alone(query, w.start(), w.end())
        ]
        out: list[PinyinChange] = []
        k = 0
        while k < len(found):
            step, change = 1, None
            for n in range(min(MAX_JOINED_WORDS, len(found) - k), 1, -1):
                span = found[k : k + n]
                if all(query[a.end() : b.start()].isspace() for a, b in zip(span, span[1:], strict=False)):
                    joined = "".join(w.group().lower() for w in span)
                    words = (
                        [] if any(known(w.group().lower()) for w in span) else self.by_pinyin.get(joined, [])
                    )
                    if words:
                        step = n
                        change = PinyinChange(
                            span[0].start(), span[-1].end(), words[0], CONFIDENCE_FULL_PINYIN, "pinyin"
                        )
                        break
            if change is None:
                word = found[k]
                change = self._pinyin(word.group().lower(), word.start(), word.end(), known)
            if change is not None:
                out.append(change)
            k += step
        return out

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
        """Left to right, longest stretch first: a catalog or dictionary word is kept; a stretch that
        sounds like a catalog word of its length and occurs in no title is replaced by it."""
        out: list[PinyinChange] = []
        i = 0
        while i < len(run) - 1:
            step = 1
            for n in range(min(MAX_WORD_CHARS, len(run) - i), 1, -1):
                piece = run[i : i + n]
                if piece in self.counts or is_word(piece):  # "超过" is no typo of "炒锅"
                    step = n
                    break
                words = [w for w in self.by_pinyin.get(pinyin_key(piece), []) if len(w) == n]
                if words and piece not in self._runs:
                    confidence = CONFIDENCE_HOMOPHONE if len(words) == 1 else CONFIDENCE_HOMOPHONE_AMBIGUOUS
                    out.append(PinyinChange(offset + i, offset + i + n, words[0], confidence, "homophone"))
                if words:
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

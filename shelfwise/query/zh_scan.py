"""One left-to-right pass over a Chinese (or mixed) query's characters: sizes ("XL码", "38码",
"大号"), colour, material and brand phrases in either script (longest first), negations ("不要红色的",
"不要苹果", "无糖") and relative price words ("便宜点"). Runs over the folded query
(zh_table.fold_keep_offsets), so offsets are those of the query as typed.

Hard negation cues ("不要", "不含", "除了") drop the negated phrase (and a following "的") from the
text and exclude a matched value; free cues ("无糖", "非转基因") stay in the text, because catalogs
write them literally, and are reported with the form "free", as English "sugar-free".
"""

from __future__ import annotations

import re

from shelfwise.query.attribute_scan import RelativeMention, ScanResult
from shelfwise.query.lexicon import FREE_CONFIDENCE, phrase_key
from shelfwise.query.parsed import NegatedTerm, ParsedConstraint
from shelfwise.query.zh_lexicon import (
    SINGLE_CHAR_FOLLOWERS,
    ZH_FREE_CUES,
    ZH_FREE_EXCEPTIONS,
    ZH_NEGATION_CUES,
    ZH_RELATIVE_PRICES,
    ZH_SKIP_AFTER_CUE,
)
from shelfwise.query.zh_table import PhraseEntry, ZhTable
from shelfwise.query.zh_text import HAN_RUN_RE, cut, has_han

_SIZE_RE = re.compile(r"(?<![a-z0-9])([a-z0-9]{1,4}(?:\.5)?)\s*(?:码|号)", re.IGNORECASE)
_LATIN_WORD_RE = re.compile(r"[a-z0-9]+(?:[-.][a-z0-9]+)*", re.IGNORECASE)
_CUES = sorted(ZH_NEGATION_CUES, key=len, reverse=True)
_RELATIVE = sorted(ZH_RELATIVE_PRICES, key=len, reverse=True)
MAX_FREE_TERM = 4  # "无糖", "非转基因": characters a free cue may govern


def _is_ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


class ZhScanner:
    def __init__(self, table: ZhTable, folded: str, usable: list[bool]) -> None:
        self.table = table
        self.text = folded
        self.lower = folded.lower()
        self.usable = usable  # per character: not inside a price phrase
        self.constraints: list[ParsedConstraint] = []
        self.negations: list[NegatedTerm] = []
        self.removed: list[tuple[int, int]] = []
        self.relative: list[RelativeMention] = []
        self.covered: list[tuple[int, int]] = []  # spans the English token scan must skip

    def run(self) -> ScanResult:
        i = 0
        while i < len(self.text):
            if not self.usable[i]:
                i += 1
                continue
            end = self._negation(i) or self._relative(i) or self._positive(i)
            i = end if end else i + 1
        return ScanResult(
            tuple(self.constraints), tuple(self.negations), tuple(self.removed), tuple(self.relative)
        )

    def _add(self, entry: PhraseEntry, span: tuple[int, int], negated: bool, confidence: float) -> None:
        source = self.text[span[0] : span[1]]
        values, field = entry.values, entry.field
        self.constraints.append(
            ParsedConstraint(field, values, None, None, negated, round(confidence, 3), span, source)
        )
        self.covered.append(span)

    def match_at(self, i: int) -> tuple[int, PhraseEntry] | None:
        """End and entry of the longest size or phrase at character i."""
        if _is_ascii_alnum(self.text[i]):
            size = _SIZE_RE.match(self.text, i)
            entry = self.table.sizes.get(size.group(1).lower()) if size is not None else None
            if size is not None and entry is not None:
                return size.end(), entry
            glued = self._glued_latin(i)
            if glued is not None:
                return glued
        for length in range(min(self.table.longest, len(self.text) - i), 0, -1):
            end = i + length
            if not all(self.usable[i:end]):
                continue
            entry = self.table.phrases.get(self.lower[i:end])
            if entry is not None and self._bounded(i, end):
                return end, entry
        return None

    def _glued_latin(self, i: int) -> tuple[int, PhraseEntry] | None:
        """A Latin word written against Han characters ("TPE瑜伽垫", "sony耳机"), read as the token
        scan would read it alone; a Latin word between spaces is left to the token scan."""
        if i > 0 and _is_ascii_alnum(self.text[i - 1]):
            return None
        word = _LATIN_WORD_RE.match(self.text, i)
        if word is None:
            return None
        before = self.text[i - 1] if i > 0 else ""
        after = self.text[word.end()] if word.end() < len(self.text) else ""
        if not (has_han(before) or has_han(after)):
            return None
        entry = self.table.english.get(phrase_key(word.group()))
        return (word.end(), entry) if entry is not None else None

    def _bounded(self, i: int, end: int) -> bool:
        """Latin phrases stand alone; one-character colours and materials end a word ("红的")."""
        before = self.text[i - 1] if i > 0 else " "
        after = self.text[end] if end < len(self.text) else " "
        if _is_ascii_alnum(self.text[i]) and _is_ascii_alnum(before):
            return False
        if _is_ascii_alnum(self.text[end - 1]) and _is_ascii_alnum(after):
            return False
        return (
            end - i > 1 or not has_han(self.text[i]) or after in SINGLE_CHAR_FOLLOWERS or not has_han(after)
        )

    def _positive(self, i: int) -> int | None:
        found = self.match_at(i)
        if found is None:
            return None
        end, entry = found
        self._add(entry, (i, end), False, entry.confidence)
        return end

    def _relative(self, i: int) -> int | None:
        for word in _RELATIVE:
            if self.text.startswith(word, i) and all(self.usable[i : i + len(word)]):
                self.relative.append(RelativeMention(i, i + len(word), ZH_RELATIVE_PRICES[word]))
                self.covered.append((i, i + len(word)))
                return i + len(word)
        return None

    def _negation(self, i: int) -> int | None:
        for cue in _CUES:
            if self.text.startswith(cue, i):
                if i > 0 and self.text[i - 1] == cue[-1]:
                    return None  # "有没有", "要不要", "是不是": a question, not a negation
                return self._negated(i, cue, i + len(cue), ZH_NEGATION_CUES[cue], hard=True)
        ch = self.text[i]
        if ch in ZH_FREE_CUES and self.text[i : i + 2] not in ZH_FREE_EXCEPTIONS:
            return self._negated(i, ch, i + 1, FREE_CONFIDENCE, hard=False)
        return None

    def _negated(self, start: int, cue: str, j: int, weight: float, hard: bool) -> int | None:
        while hard and j < len(self.text) and self.text[j] in ZH_SKIP_AFTER_CUE:
            j += 1
        if j >= len(self.text) or not self.usable[j]:
            return None
        found = self.match_at(j)
        end = found[0] if found is not None else self._word_end(j, hard)
        if end is None:
            return None
        term = self.lower[j:end]
        if hard:
            while end < len(self.text) and self.text[end] == "的":
                end += 1
        span = (start, end)
        if found is not None:
            self._add(found[1], span, True, found[1].confidence * weight)
        self.covered.append(span)
        self.negations.append(NegatedTerm(term, cue if hard else "free", span, self.text[start:end]))
        if hard:
            self.removed.append(span)
        return end

    def _word_end(self, j: int, hard: bool) -> int | None:
        """End of the word at j: a Latin word, or jieba's first word of the Han run."""
        latin = _LATIN_WORD_RE.match(self.text, j)
        if latin is not None:
            return latin.end()
        run = HAN_RUN_RE.match(self.text, j)
        if run is None:
            return None
        words = cut(run.group())
        if not words:
            return None
        length = len(words[0]) if hard else min(len(words[0]), MAX_FREE_TERM)
        return j + length

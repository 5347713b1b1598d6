"""One left-to-right pass over a query's tokens: phrases (longest first), attribute cues
("size 10"), negations ("without lid", "not red", "bpa-free") and relative price words ("cheap").

Tokens that a price phrase already took are skipped. A phrase never spans punctuation other than
spaces, hyphens and colons, so "red, dress" is two phrases.
"""

from __future__ import annotations

from dataclasses import dataclass

from shelfwise.query.attribute_index import PhraseEntry, PhraseIndex
from shelfwise.query.lexicon import (
    CONNECTORS,
    COORDINATION,
    FREE_AFTER_EXCEPTIONS,
    FREE_BEFORE_EXCEPTIONS,
    FREE_CONFIDENCE,
    NEGATION_CUES,
    NEGATION_SKIP,
    NO_EXCEPTIONS,
    RELATIVE_PRICES,
    RelativePrice,
    Token,
)
from shelfwise.query.parsed import NegatedTerm, ParsedConstraint

_JOIN_GAP = " -‐–:"
_NOT_TARGETS = (
    CONNECTORS
    | NEGATION_SKIP
    | frozenset(NEGATION_CUES)
    | frozenset({"too", "very", "so", "really", "just", "only", "more", "less", "sure", "free"})
)


@dataclass(frozen=True, slots=True)
class RelativeMention:
    """A price word without a number ("cheap"), resolved later against price quantiles."""

    start: int
    end: int
    word: RelativePrice


@dataclass(frozen=True, slots=True)
class ScanResult:
    constraints: tuple[ParsedConstraint, ...]
    negations: tuple[NegatedTerm, ...]
    removed: tuple[tuple[int, int], ...]  # character spans to drop from the remaining text
    relative_prices: tuple[RelativeMention, ...]


@dataclass(frozen=True, slots=True)
class _Match:
    start: int  # token index
    end: int  # token index, exclusive
    entry: PhraseEntry


def scan_tokens(index: PhraseIndex, query: str, tokens: list[Token], usable: list[bool]) -> ScanResult:
    return _Scanner(index, query, tokens, usable).run()


class _Scanner:
    def __init__(self, index: PhraseIndex, query: str, tokens: list[Token], usable: list[bool]) -> None:
        self.index = index
        self.query = query
        self.tokens = tokens
        self.norms = [t.norm for t in tokens]
        self.usable = usable
        self.joinable = [False] + [
            query[a.end : b.start].strip(_JOIN_GAP) == "" for a, b in zip(tokens, tokens[1:], strict=False)
        ]
        self.constraints: list[ParsedConstraint] = []
        self.negations: list[NegatedTerm] = []
        self.removed: list[tuple[int, int]] = []
        self.relative: list[RelativeMention] = []

    def run(self) -> ScanResult:
        i = 0
        while i < len(self.tokens):
            if not self.usable[i]:
                i += 1
                continue
            if self.norms[i] in NEGATION_CUES:
                end = self._negation(i)
                if end is not None:
                    i = end
                    continue
            match = self._phrase_at(i)
            if match is not None:
                i = self._positive(match)
                continue
            end = self._relative_at(i)
            i = end if end is not None else self._free_word(i)
        return ScanResult(
            tuple(self.constraints), tuple(self.negations), tuple(self.removed), tuple(self.relative)
        )

    def _continues(self, j: int) -> bool:
        return j < len(self.tokens) and self.usable[j] and self.joinable[j]

    def _span(self, start: int, end: int) -> tuple[int, int]:
        return self.tokens[start].start, self.tokens[end - 1].end

    def _words(self, start: int, end: int) -> str:
        return " ".join(t.text.lower() for t in self.tokens[start:end])

    def _phrase_at(self, i: int) -> _Match | None:
        """The longest phrase (or cue and value) starting at token i."""
        best: _Match | None = None
        key = ""
        limit = max(self.index.longest_phrase, self.index.longest_cue)
        for j in range(i, min(len(self.tokens), i + limit)):
            if j > i and not self._continues(j):
                break
            key = self.norms[j] if j == i else f"{key} {self.norms[j]}"
            cue = self.index.cues.get(key)
            if cue is not None:
                cued = self._cued_value(cue, i, j + 1)
                if cued is not None and (best is None or cued.end > best.end):
                    best = cued
            entry = self.index.phrases.get(key)
            typed_ok = entry is not None and (not entry.upper_only or self._lone_capital(j))
            if entry is not None and typed_ok and (best is None or j + 1 > best.end):
                best = _Match(i, j + 1, entry)
        return best

    def _lone_capital(self, j: int) -> bool:
        """Token j is typed upper case and stands alone: "shirt M", not "m" or "L-shaped"."""
        token = self.tokens[j]
        before = self.query[token.start - 1 : token.start]
        after = self.query[token.end : token.end + 1]
        return token.text.isupper() and not before.strip() and not after.strip(" ,;")

    def _cued_value(self, cue: dict[str, PhraseEntry], start: int, i: int) -> _Match | None:
        best: _Match | None = None
        key = ""
        for j in range(i, min(len(self.tokens), i + self.index.longest_cued_value)):
            if not self._continues(j):
                break
            key = self.norms[j] if j == i else f"{key} {self.norms[j]}"
            entry = cue.get(key)
            if entry is not None:
                best = _Match(start, j + 1, entry)
        return best

    def _free_at(self, j: int, before: str) -> int | None:
        """Index after "free" when token j makes the preceding words an "X-free" negation."""
        if not self._continues(j) or self.norms[j] != "free" or before in FREE_BEFORE_EXCEPTIONS:
            return None
        if j + 1 < len(self.tokens) and self.norms[j + 1] in FREE_AFTER_EXCEPTIONS:
            return None
        return j + 1

    def _positive(self, match: _Match) -> int:
        entry = match.entry
        free_end = self._free_at(match.end, self.norms[match.end - 1])
        end = match.end if free_end is None else free_end
        span = self._span(match.start, end)
        confidence = entry.confidence if free_end is None else entry.confidence * FREE_CONFIDENCE
        self.constraints.append(
            ParsedConstraint(
                entry.field,
                entry.values,
                None,
                None,
                free_end is not None,
                round(confidence, 3),
                span,
                self.query[span[0] : span[1]],
            )
        )
        if free_end is not None:
            term = self._words(match.start, match.end)
            self.negations.append(NegatedTerm(term, "free", span, self.query[span[0] : span[1]]))
        return end

    def _free_word(self, i: int) -> int:
        if not any(ch.isalpha() for ch in self.tokens[i].text) or self.norms[i] in _NOT_TARGETS:
            return i + 1
        end = self._free_at(i + 1, self.norms[i])
        if end is None:
            return i + 1
        span = self._span(i, end)
        self.negations.append(NegatedTerm(self._words(i, i + 1), "free", span, self.query[span[0] : span[1]]))
        return end

    def _relative_at(self, i: int) -> int | None:
        keys = [(i + 1, self.norms[i])]
        if self._continues(i + 1):
            keys.insert(0, (i + 2, f"{self.norms[i]} {self.norms[i + 1]}"))
        for end, key in keys:
            word = RELATIVE_PRICES.get(key)
            if word is not None:
                start, stop = self._span(i, end)
                self.relative.append(RelativeMention(start, stop, word))
                return end
        return None

    def _negation(self, i: int) -> int | None:
        """Token after the negated phrase(s) when token i starts a negation, else None."""
        cue = self.norms[i]
        j = i + 1
        while j < len(self.tokens) and self.usable[j] and self.norms[j] in NEGATION_SKIP:
            j += 1
        if j >= len(self.tokens) or not self.usable[j]:
            return None
        after_cue = self.query[self.tokens[i].end : self.tokens[i].end + 1]
        if cue == "no" and (self.norms[j] in NO_EXCEPTIONS or after_cue == "."):
            return None
        end = self._negated_target(j, cue, self.tokens[i].start)
        while end is not None and end + 1 < len(self.tokens) and self.norms[end] in COORDINATION:
            if not (self.usable[end] and self.usable[end + 1]):
                break
            following = self._negated_target(end + 1, cue, self.tokens[end].start)
            if following is None:
                break
            end = following
        return end

    def _negated_target(self, j: int, cue: str, start: int) -> int | None:
        match = self._phrase_at(j)
        if match is not None:
            end = match.end
        elif any(ch.isalpha() for ch in self.tokens[j].text) and self.norms[j] not in _NOT_TARGETS:
            end = j + 1
        else:
            return None
        span = (start, self.tokens[end - 1].end)
        source = self.query[span[0] : span[1]]
        if match is not None:
            confidence = round(match.entry.confidence * NEGATION_CUES[cue], 3)
            entry = match.entry
            self.constraints.append(
                ParsedConstraint(entry.field, entry.values, None, None, True, confidence, span, source)
            )
        self.negations.append(NegatedTerm(self._words(j, end), cue, span, source))
        self.removed.append(span)
        return end

"""Spelling correction against the catalog's own vocabulary ("did you mean").

`SpellingVocabulary` counts the words of product text (titles weigh most) and, optionally, of popular
queries, plus word bigrams of titles. `SpellingCorrector` looks unknown query words up in a symspellpy
index of that vocabulary (Damerau distance <= 2) and picks a candidate by word frequency, edit
distance and bigram context with the neighbouring words. It also joins words split by a space
("dish washer" -> "dishwasher") and splits run-together ones ("wattsolar" -> "watt solar").

It is conservative, because a wrong "correction" hides the products the shopper asked for: a word
is left alone when it is known (in the vocabulary, or its stem is, or it is a common English word),
has a digit ("rx580", "2x4", "18v"), is not ASCII, is an acronym typed in capitals, or is short and
the correction is not clearly right. Spacing, punctuation and casing of the query are kept.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from symspellpy import SymSpell, Verbosity

from shelfwise.index.lexical import build_analyzer
from shelfwise.query.spelling_vocabulary import DIGIT_RE, WORD_RE, SpellingVocabulary, VocabularyWeights

__all__ = [
    "SpellingConfig",
    "SpellingCorrection",
    "SpellingCorrector",
    "SpellingVocabulary",
    "TokenCorrection",
    "VocabularyWeights",
]

ENGLISH_DICTIONARY = "frequency_dictionary_en_82_765.txt"
MAX_ACRONYM_LENGTH = 5  # "GFCI", "CPVC": capitals in a query that is not all capitals

_JOINABLE_GAP_RE = re.compile(r"[\s-]+")


class SpellingConfig(BaseModel):
    """Scores are log-counts: a candidate's stem count, less edit costs, plus log bigram counts."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    max_edit_distance: int = Field(default=2, ge=1, le=2)
    distance_2_min_length: int = Field(default=5, ge=3, description="shorter words get 1 edit at most")
    min_token_length: int = Field(default=4, ge=1, description="shorter: 1 edit, short_min_confidence")
    min_frequency: int = Field(default=3, ge=1, description="weighted count that makes a word known")
    min_query_frequency: int = Field(default=50, ge=1, description="query count that makes a word known")
    min_confidence: float = Field(default=0.6, ge=0, le=1)
    short_min_confidence: float = Field(default=0.9, ge=0, le=1)
    distance_cost: float = Field(default=1.5, ge=0, description="cost of an edit in a reference_length word")
    reference_length: int = Field(default=7, ge=1, description="edits cost less in longer words, by ratio")
    length_exponent: float = Field(default=1.0, ge=0, description="power of that ratio")
    second_edit_cost: float = Field(default=3.0, ge=0, description="extra cost of a second edit")
    first_letter_cost: float = Field(default=4.0, ge=0, description="extra cost of changing the first letter")
    unknown_count: float = Field(default=0.5, gt=0, description="pseudo-count of an unknown word as typed")
    context_weight: float = Field(default=1.0, ge=0, description="weight of bigram counts with neighbours")
    context_required_length: int = Field(default=3, ge=0, description="changes to/from shorter need context")
    # English words at least this frequent in symspellpy's list are never changed; None: off
    common_english_min_count: int | None = Field(default=200_000, ge=1)
    join_min_ratio: float = Field(default=3.0, gt=0, description="joined word / pair count, known words")
    join_min_count: int = Field(default=30, ge=1, description="joined word's count, known words")
    split_min_bigram: int = Field(default=2, ge=1, description="title bigram count a split needs")
    split_min_length: int = Field(default=3, ge=1, description="shortest word a split or join may have")
    split_cost: float = Field(default=1.0, ge=0, description="cost of inserting a space")


class TokenCorrection(BaseModel):
    """One change: a misspelled word, two words joined ("dish washer") or one split ("wattsolar")."""

    model_config = ConfigDict(frozen=True)

    original: str
    replacement: str
    edit_distance: int
    confidence: float
    kind: Literal["spelling", "join", "split"] = "spelling"


class SpellingCorrection(BaseModel):
    """The query as typed and as corrected; when `changed`, show "did you mean" (or "showing results for")."""

    model_config = ConfigDict(frozen=True)

    original: str
    corrected: str
    changed: bool
    corrections: tuple[TokenCorrection, ...] = ()


@dataclass(frozen=True)
class _Token:
    start: int
    end: int
    text: str
    lower: str
    fixed: bool  # never changed: digits, not ASCII, acronym
    breaks: bool  # digits or not ASCII: not a context word


@dataclass(frozen=True)
class _Neighbours:
    """Words a candidate may form a bigram with: the adjacent one, and the nearest past stop words."""

    previous: tuple[str, ...]
    following: tuple[str, ...]


@dataclass
class _Context:
    """The query's words as corrected so far; None where a number or non-ASCII word breaks bigrams."""

    words: list[str | None]
    stop: list[bool]

    def replace(self, i: int, text: str, span: int = 1) -> None:
        """Token i (and the span - 1 after it, when joined) now reads text."""
        for j in range(i, i + span):
            self.words[j] = text

    def neighbours(self, i: int) -> _Neighbours:
        return _Neighbours(self._side(i, -1), self._side(i, 1))

    def _side(self, i: int, step: int) -> tuple[str, ...]:
        found: list[str] = []
        j = i + step
        while 0 <= j < len(self.words):
            word = self.words[j]
            if word is None:
                break
            if word not in found:
                found.append(word)
            if not self.stop[j]:
                break
            j += step
        return tuple(found)


@dataclass(frozen=True)
class _Candidate:
    text: str  # lowercased replacement, one or two words
    distance: int
    score: float


class SpellingCorrector:
    """Corrects query words against a `SpellingVocabulary`; `correct` keeps no state between calls."""

    def __init__(self, vocabulary: SpellingVocabulary, config: SpellingConfig | None = None) -> None:
        self._config = config or SpellingConfig()
        self._analyzer = build_analyzer()
        self._counts = _known_counts(vocabulary, self._config)
        self._symspell = SymSpell(max_dictionary_edit_distance=self._config.max_edit_distance)
        for word, count in self._counts.items():
            self._symspell.create_dictionary_entry(word, count)
        self._raw_counts = vocabulary.words
        self._stem_counts: Counter[str] = Counter()
        for word, count in self._counts.items():
            self._stem_counts[self._stem(word)] += count
        self._stem_bigrams: Counter[str] = Counter()
        for bigram, count in vocabulary.bigrams.items():
            first, _, second = bigram.partition(" ")
            self._stem_bigrams[f"{self._stem(first)} {self._stem(second)}"] += count
        self._protected = _common_english(self._config.common_english_min_count)

    def correct(self, query: str) -> SpellingCorrection:
        tokens = _tokenize(query)
        known = [token.fixed or self._is_known(token.lower) for token in tokens]
        # bigram context: numbers and non-ASCII words break it, stop words are looked past
        state = _Context(
            [None if token.breaks else token.lower for token in tokens],
            [not self._analyzer.analyze(token.lower) for token in tokens],
        )
        pieces: list[tuple[int, int, str]] = []  # (start, end, replacement) spans of the query
        corrections: list[TokenCorrection] = []
        i = 0
        while i < len(tokens):
            step, correction = self._correct_at(query, tokens, known, state, i)
            if correction is not None:
                first, last = tokens[i], tokens[i + step - 1]
                pieces.append((first.start, last.end, _match_case(first.text, correction.replacement)))
                corrections.append(correction)
            i += step
        corrected = _splice(query, pieces)
        return SpellingCorrection(
            original=query, corrected=corrected, changed=corrected != query, corrections=tuple(corrections)
        )

    def _correct_at(
        self, query: str, tokens: list[_Token], known: list[bool], context: _Context, i: int
    ) -> tuple[int, TokenCorrection | None]:
        """How many tokens from i one decision covers (1, or 2 when joined), and the change if any."""
        joined = self._try_join(query, tokens, known, i)
        if joined is not None:
            text, confidence = joined
            original = query[tokens[i].start : tokens[i + 1].end]
            context.replace(i, text, span=2)
            correction = TokenCorrection(
                original=original, replacement=text, edit_distance=1, confidence=confidence, kind="join"
            )
            return 2, correction
        if known[i]:
            return 1, None
        best = self._best_candidate(tokens[i], context.neighbours(i))
        if best is None:
            return 1, None
        candidate, confidence = best
        context.replace(i, candidate.text)
        return 1, TokenCorrection(
            original=tokens[i].text,
            replacement=candidate.text,
            edit_distance=candidate.distance,
            confidence=confidence,
            kind="split" if " " in candidate.text else "spelling",
        )

    # -- known words --------------------------------------------------------------------------

    def _stem(self, word: str) -> str:
        stems = self._analyzer.analyze(word)
        return stems[0] if stems else word

    def _is_known(self, word: str) -> bool:
        if word in self._counts or word in self._protected:
            return True
        stems = self._analyzer.analyze(word)
        return not stems or stems[0] in self._stem_counts

    def _count(self, word: str) -> int:
        return self._counts.get(word, 0)

    def _bigram(self, first: str | None, second: str | None) -> int:
        if not first or not second:
            return 0
        return self._stem_bigrams.get(f"{self._stem(first)} {self._stem(second)}", 0)

    # -- joins and candidates -----------------------------------------------------------------

    def _try_join(
        self, query: str, tokens: list[_Token], known: list[bool], i: int
    ) -> tuple[str, float] | None:
        """The joined word for tokens i and i+1 ("dish washer" -> "dishwasher"), with a confidence."""
        if i + 1 >= len(tokens) or tokens[i].fixed or tokens[i + 1].fixed:
            return None
        if not _JOINABLE_GAP_RE.fullmatch(query[tokens[i].end : tokens[i + 1].start]):
            return None
        first, second = tokens[i].lower, tokens[i + 1].lower
        joined = first + second
        joined_count = self._count(joined)
        if joined_count == 0:
            return None
        if not (known[i] and known[i + 1]):
            return joined, 0.9
        if min(len(first), len(second)) < self._config.split_min_length:
            return None
        pair_count = self._bigram(first, second)
        config = self._config
        if joined_count >= config.join_min_count and joined_count >= config.join_min_ratio * (pair_count + 1):
            return joined, joined_count / (joined_count + pair_count)
        return None

    def _best_candidate(self, token: _Token, neighbours: _Neighbours) -> tuple[_Candidate, float] | None:
        """The most likely replacement of an unknown word and its probability, if it beats the word."""
        config, word = self._config, token.lower
        short = len(word) < config.min_token_length
        max_distance = 1 if short or len(word) < config.distance_2_min_length else config.max_edit_distance
        keep_count = max(config.unknown_count, self._raw_counts.get(word, 0))
        keep = _Candidate(word, 0, math.log(keep_count) + self._context(neighbours, word))
        candidates = [keep, *self._splits(word, neighbours)]
        for suggestion in self._symspell.lookup(word, Verbosity.ALL, max_distance):
            if suggestion.distance > 0 and self._analyzer.analyze(suggestion.term):  # not a stop word
                score = self._score(word, suggestion.term, suggestion.distance, neighbours)
                candidates.append(_Candidate(suggestion.term, suggestion.distance, score))
        best, confidence = self._most_likely(word, keep, candidates)
        if best is keep or confidence < (config.short_min_confidence if short else config.min_confidence):
            return None
        if short and best.distance > 1:
            return None
        shortest = min(len(word), len(best.text))
        if shortest <= config.context_required_length and not self._context(neighbours, best.text):
            return None
        return best, confidence

    def _most_likely(
        self, word: str, keep: _Candidate, candidates: list[_Candidate]
    ) -> tuple[_Candidate, float]:
        """The best candidate and the probability of its group: forms of one word do not compete."""
        top = max(candidate.score for candidate in candidates)
        groups: dict[str, tuple[float, _Candidate]] = {}
        for candidate in candidates:
            key = "" if candidate is keep else self._group(candidate.text)
            mass, best = groups.get(key, (0.0, candidate))
            if self._rank(word, candidate) > self._rank(word, best):
                best = candidate
            groups[key] = (mass + math.exp(candidate.score - top), best)
        total = sum(mass for mass, _ in groups.values())
        mass, best = max(groups.values(), key=lambda group: group[0])
        return best, mass / total

    def _rank(self, word: str, candidate: _Candidate) -> tuple[float, bool, int]:
        """Order within a group: score, then plural as typed, then frequency."""
        return (
            candidate.score,
            candidate.text.endswith("s") == word.endswith("s"),
            self._count(candidate.text),
        )

    def _group(self, text: str) -> str:
        """Candidates of one group are one word: forms with one stem, or one exact split."""
        return text if " " in text else self._stem(text)

    def _edit_cost(self, word: str, distance: int) -> float:
        """Edits are likelier in long words; a second edit costs extra."""
        config = self._config
        per_edit = config.distance_cost * (config.reference_length / len(word)) ** config.length_exponent
        return per_edit * distance + config.second_edit_cost * max(distance - 1, 0)

    def _context(self, neighbours: _Neighbours, text: str) -> float:
        """Weighted log counts of the title bigrams text makes with the words around it."""
        first, _, last = text.partition(" ")
        before = max((self._bigram(word, first) for word in neighbours.previous), default=0)
        after = max((self._bigram(last or first, word) for word in neighbours.following), default=0)
        return self._config.context_weight * (math.log1p(before) + math.log1p(after))

    def _score(self, word: str, candidate: str, distance: int, neighbours: _Neighbours) -> float:
        score = math.log(self._stem_counts[self._stem(candidate)]) - self._edit_cost(word, distance)
        if candidate[0] != word[0]:
            score -= self._config.first_letter_cost
        return score + self._context(neighbours, candidate)

    def _splits(self, word: str, neighbours: _Neighbours) -> list[_Candidate]:
        """Two known words that, run together, spell `word` and follow each other in titles."""
        found = []
        shortest = self._config.split_min_length
        for cut in range(shortest, len(word) - shortest + 1):
            first, second = word[:cut], word[cut:]
            pair = self._bigram(first, second)
            if pair >= self._config.split_min_bigram and first in self._counts and second in self._counts:
                text = f"{first} {second}"
                score = math.log(pair) - self._config.split_cost + self._context(neighbours, text)
                found.append(_Candidate(text, 1, score))
        return found


# -- helpers ----------------------------------------------------------------------------------


def _known_counts(vocabulary: SpellingVocabulary, config: SpellingConfig) -> dict[str, int]:
    """Words that count as correctly spelled, with their counts (product and query counts added)."""
    counts = {word: count for word, count in vocabulary.words.items() if count >= config.min_frequency}
    for word, count in vocabulary.query_words.items():
        if word in counts:
            counts[word] += count
        elif count >= config.min_query_frequency:
            counts[word] = count
    return counts


def _common_english(min_count: int | None) -> frozenset[str]:
    if min_count is None:
        return frozenset()
    text = resources.files("symspellpy").joinpath(ENGLISH_DICTIONARY).read_text(encoding="utf-8")
    words = set()
    for line in text.splitlines():
        word, _, count = line.partition(" ")
        if count and int(count) >= min_count:
            words.add(word)
    return frozenset(words)


def _tokenize(query: str) -> list[_Token]:
    shouting = query.isupper()
    tokens = []
    for match in WORD_RE.finditer(query):
        text = match.group()
        breaks = bool(DIGIT_RE.search(text)) or not text.isascii()
        acronym = text.isupper() and not shouting and 1 < len(text) <= MAX_ACRONYM_LENGTH
        tokens.append(_Token(match.start(), match.end(), text, text.lower(), breaks or acronym, breaks))
    return tokens


def _match_case(original: str, replacement: str) -> str:
    if original.isupper() and len(original) > 1:
        return replacement.upper()
    if original[:1].isupper():
        return " ".join(part.capitalize() for part in replacement.split(" "))
    return replacement


def _splice(query: str, pieces: list[tuple[int, int, str]]) -> str:
    out, position = [], 0
    for start, end, text in pieces:
        out.append(query[position:start])
        out.append(text)
        position = end
    out.append(query[position:])
    return "".join(out)

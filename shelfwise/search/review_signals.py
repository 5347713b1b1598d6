"""What shoppers' reviews add to a search answer (issue 30 part 3), from the review features and
summaries published together (`models/review-summaries/`, precomputed; nothing here reads a
review): a product's rating with its prior added to the fused score when `rating_weight` is set,
and a boost for the products whose summary praises an aspect the query names (pure functions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from shelfwise.aspects.features import ReviewFeatureSet
from shelfwise.config.search import ReviewSearchConfig
from shelfwise.query.aspect_words import AspectVocabulary
from shelfwise.search.fusion import FusedCandidate, order_key


class ReviewSignals(Protocol):
    """The served review summaries as search reads them (`aspects.served.ServedSummaries`)."""

    @property
    def features(self) -> ReviewFeatureSet | None: ...

    def praised(self, product_id: str, aspect: str) -> int:
        """Reviews behind the summary's praise of the aspect; 0 when it does not praise it."""
        ...


def with_ratings(
    candidates: Sequence[FusedCandidate], features: ReviewFeatureSet | None, config: ReviewSearchConfig
) -> list[FusedCandidate]:
    """Each candidate's score plus `rating_weight * (rating - 1) / 4`, the rating being its
    Bayesian average (or sentiment-weighted one); a product without reviews has the prior's.
    Unchanged when the weight is 0 or no features are published."""
    if config.rating_weight <= 0 or features is None:
        return list(candidates)
    out = []
    for c in candidates:
        found = features.get(c.product_id)
        rating = found.bayes_rating if config.rating == "bayes" else found.sentiment_rating
        out.append(replace(c, score=c.score + config.rating_weight * (rating - 1.0) / 4.0))
    return sorted(out, key=order_key)


def boost_praised(
    candidates: Sequence[FusedCandidate], aspects: Sequence[str], signals: ReviewSignals, boost: float
) -> list[FusedCandidate]:
    """Add `boost` (once, however many of the aspects it is praised for) to each candidate whose
    summary praises one of `aspects`; its `aspect_boost` says so."""
    if boost <= 0 or not aspects:
        return list(candidates)
    out = []
    for c in candidates:
        praised = any(signals.praised(c.product_id, aspect) for aspect in aspects)
        out.append(replace(c, score=c.score + boost, aspect_boost=boost) if praised else c)
    return sorted(out, key=order_key)


class AspectReader:
    """Reads the aspects a query names with the vocabulary of the served features, built again
    only when another version of them is served."""

    def __init__(self) -> None:
        self._features: ReviewFeatureSet | None = None
        self._vocabulary = AspectVocabulary()

    def read(self, query: str, signals: ReviewSignals | None, config: ReviewSearchConfig) -> list[str]:
        """The aspects the query names, when reviews are served and the boost is on."""
        if signals is None or config.aspect_boost <= 0 or not query:
            return []
        features = signals.features
        if features is not self._features:
            self._vocabulary = AspectVocabulary.of(features.aspects if features is not None else ())
            self._features = features
        return self._vocabulary.read(query) if self._vocabulary else []

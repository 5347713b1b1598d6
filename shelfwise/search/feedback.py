"""Pseudo-relevance feedback for translated queries: the catalog's own words for what a
dictionary translation names in other words.

A Chinese query translated word by word often holds words the catalog does not use for the thing
("skirting board" for the catalog's "wall base"). Its first answers still tend to be the right
kind of product; the words their titles share are the catalog's words for it. Feedback takes the
first `docs` answers passing the filters, scores each title term held by at least `min_titles`
of them (and not in the query) by the share of those titles holding it times its inverse document
frequency, and searches the best `terms` beside the query as weighted lexical alternatives (the
best at `weight`, the others in proportion); the query's vector may also move toward the mean of
those answers' vectors (Rocchio, `vector_weight`). Only translated Han queries over a catalog not
written in Han get it (`CrossLingual.retrieval`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from pydantic import BaseModel, ConfigDict, Field


class FeedbackConfig(BaseModel):
    """Pseudo-relevance feedback for a Chinese query translated for a catalog not written in
    Chinese; off by default (+0.005 NDCG@10 on the Home Depot test half, within noise, for a
    second retrieval: docs/benchmarks.md). `docs=5` with the other defaults is the setting chosen
    on the dev half; set it through `CrossLingual.feedback`."""

    model_config = ConfigDict(frozen=True)

    docs: int = Field(default=0, ge=0, le=100, description="first answers read (0: no feedback)")
    min_titles: int = Field(default=2, ge=1, description="of those answers' titles a term must be in")
    terms: int = Field(default=3, ge=0, description="terms added at most")
    weight: float = Field(default=0.2, ge=0, description="lexical weight of the best term added")
    vector_weight: float = Field(
        default=0.2, ge=0, le=1, description="share of the answers' mean vector in the query's (0: none)"
    )
    min_similarity: float = Field(
        default=0.0,
        ge=0,
        le=1,
        description="cosine of a term's vector to the query's it needs (0: unchecked)",
    )


class TitleWords(Protocol):
    """What feedback reads of the catalog's titles (`shelfwise.search.coverage.TitleTerms`)."""

    def analyze(self, text: str) -> frozenset[str]: ...

    def idf(self, term: str) -> float: ...

    def terms_of(self, product_id: str) -> frozenset[str]: ...


class Vectors(Protocol):
    def vectors_for(self, product_ids: Sequence[str]) -> np.ndarray: ...

    def __contains__(self, product_id: object) -> bool: ...


@dataclass(frozen=True)
class Feedback:
    """What the first answers add to a query: weighted lexical alternatives (term, weight), and the
    normalised mean of their vectors with its share of the query's vector (None: unchanged)."""

    alternatives: tuple[tuple[str, float], ...] = ()
    centroid: np.ndarray | None = None
    vector_weight: float = 0.0

    def moved(self, query_vector: np.ndarray) -> np.ndarray:
        """The query's vector moved toward the answers' mean by `vector_weight` (Rocchio)."""
        if self.centroid is None or self.vector_weight <= 0:
            return query_vector
        return toward(query_vector, self.centroid, self.vector_weight)


def toward(vector: np.ndarray, target: np.ndarray, share: float) -> np.ndarray:
    """`vector` moved toward `target` by `share` and normalised (float32); `vector` itself when the
    mix has no length."""
    mixed = (1.0 - share) * vector + share * target
    norm = float(np.linalg.norm(mixed))
    return (mixed / norm).astype(np.float32) if norm > 0 else vector


def surface_words(texts: Sequence[str], analyze: Callable[[str], frozenset[str]]) -> dict[str, str]:
    """term -> the first word of the texts the analyser reads as that term alone ("sprinkler" for
    "sprinkl"): the word as written, for the encoder, which reads words rather than stems."""
    words: dict[str, str] = {}
    for text in texts:
        for word in text.lower().split():
            word = word.strip(".,;:()[]\"'!?")
            terms = analyze(word) if word else frozenset()
            if len(terms) == 1:
                words.setdefault(next(iter(terms)), word)
    return words


def searchable(term: str, titles: TitleWords) -> bool:
    """A term worth adding: at least three letters, not a number or a measure ("2", "1/2", "ft"
    are shared by many titles of any kind), and one the analyser reads back as itself (the
    alternatives are analysed again)."""
    return len(term) >= 3 and any(c.isalpha() for c in term) and titles.analyze(term) == frozenset({term})


Similarity = Callable[[Sequence[str]], np.ndarray]
"""cosines between terms' vectors and the query's"""


def feedback_terms(
    titles: Sequence[frozenset[str]],
    query_terms: frozenset[str],
    idf: Callable[[str], float],
    config: FeedbackConfig,
    usable: Callable[[str], bool] = lambda term: True,
    similarity: Similarity | None = None,
) -> tuple[tuple[str, float], ...]:
    """The terms the titles share, best first, with their weights: held by `min_titles` of them or
    more, not among the query's terms, `usable`; scored by share of titles times idf; with
    `config.min_similarity`, only those of the best `3 * config.terms` whose cosine to the query
    reaches it (`similarity`); the best `config.terms` kept, weighted `config.weight` times their
    score over the best one's."""
    if not titles or config.terms <= 0 or config.weight <= 0:
        return ()
    counts = Counter(term for title in titles for term in title if term not in query_terms)
    scored = sorted(
        ((count / len(titles) * idf(term), term) for term, count in counts.items()
         if count >= config.min_titles and usable(term)),
        key=lambda pair: (-pair[0], pair[1]),
    )  # fmt: skip
    if config.min_similarity > 0 and similarity is not None and scored:
        scored = scored[: 3 * config.terms]
        cosines = similarity([term for _, term in scored])
        scored = [
            pair
            for pair, cosine in zip(scored, cosines.tolist(), strict=True)
            if cosine >= config.min_similarity
        ]
    scored = scored[: config.terms]
    if not scored or scored[0][0] <= 0:
        return ()
    best = scored[0][0]
    return tuple((term, round(config.weight * score / best, 4)) for score, term in scored)


def feedback(
    titles: TitleWords,
    vectors: Vectors | None,
    searched: Sequence[str],
    answers: Sequence[str],
    config: FeedbackConfig,
    similarity: Similarity | None = None,
) -> Feedback:
    """Feedback from the first answers (product ids, best first) of a query whose searched texts
    (the translation and its alternatives) are `searched`; `similarity`: terms' cosines to the
    query's vector (for `config.min_similarity`)."""
    top = list(answers)[: config.docs]
    if not top or config.docs <= 0:
        return Feedback()
    query_terms = titles.analyze(" ".join(searched))
    alternatives = feedback_terms(
        [titles.terms_of(pid) for pid in top],
        query_terms,
        titles.idf,
        config,
        lambda term: searchable(term, titles),
        similarity,
    )
    centroid = None
    held = [pid for pid in top if vectors is not None and pid in vectors]
    if config.vector_weight > 0 and vectors is not None and held:
        mean = vectors.vectors_for(held).mean(axis=0)
        norm = float(np.linalg.norm(mean))
        centroid = (mean / norm).astype(np.float32) if norm > 0 else None
    return Feedback(alternatives, centroid, config.vector_weight if centroid is not None else 0.0)


__all__ = [
    "Feedback",
    "FeedbackConfig",
    "Similarity",
    "feedback",
    "feedback_terms",
    "searchable",
    "surface_words",
    "toward",
]

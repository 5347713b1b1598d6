"""Aspect sentiment: which accepted aspects a review mentions, clause by clause, and how it feels
about each: the sentiment of the clause it is mentioned in (`SentenceSentiment`).

An aspect applies to a review when its category is the review's category path or a start of it
("Electronics > Audio" aspects apply to "Electronics > Audio > Headphones" reviews). A clause
mentions an aspect when one of its forms appears there as whole words (English, with plural
endings: "cushion", "cushions"; Chinese, as a run of jieba's words). Each aspect counts once per
clause. When the model finds a clause neutral and the review mentions that one aspect only, the
review's rating decides if `rating_backoff` is on (4-5 positive, 1-2 negative): "Battery life."
under five stars is praise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shelfwise.aspects.mining import CATEGORY_JOIN
from shelfwise.aspects.records import AspectLanguage, AspectMention, AspectReview, ClauseSentiment
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import SentenceSentiment, predict_clauses
from shelfwise.aspects.text import Opinion, clauses, opinions, words

_MAX_TERM_WORDS = 4


class AspectMatcher:
    """Accepted aspects by category, matched against clauses."""

    def __init__(self, aspects: Iterable[Aspect]) -> None:
        self._by_category: dict[tuple[str, ...], list[tuple[Aspect, dict[tuple[str, ...], str]]]] = {}
        for aspect in aspects:
            path = tuple(
                part.strip() for part in aspect.category.split(CATEGORY_JOIN.strip()) if part.strip()
            )
            forms: dict[tuple[str, ...], str] = {}
            for term in aspect.terms:
                for form in _inflections(term, aspect.language):
                    forms.setdefault(_form_words(form, aspect.language), term)
            self._by_category.setdefault(path, []).append((aspect, forms))

    def aspects_for(self, category: Sequence[str]) -> list[tuple[Aspect, dict[tuple[str, ...], str]]]:
        path = tuple(category)
        return [
            entry
            for prefix, entries in self._by_category.items()
            if path[: len(prefix)] == prefix
            for entry in entries
        ]

    def find(self, category: Sequence[str], tokens: list[str]) -> list[tuple[Aspect, str, int]]:
        """(aspect, form found, index of its last word) for each aspect the words mention, in order."""
        found: dict[str, tuple[Aspect, str, int]] = {}
        for aspect, forms in self.aspects_for(category):
            for start in range(len(tokens)):
                hit = _longest_at(tokens, start, forms)
                if hit is not None and aspect.name not in found:
                    found[aspect.name] = (aspect, forms[hit], start + len(hit) - 1)
        return sorted(found.values(), key=lambda item: item[2])


def _longest_at(tokens: list[str], start: int, forms: dict[tuple[str, ...], str]) -> tuple[str, ...] | None:
    for length in range(min(_MAX_TERM_WORDS, len(tokens) - start), 0, -1):
        key = tuple(tokens[start : start + length])
        if key in forms:
            return key
    return None


def _form_words(form: str, language: AspectLanguage) -> tuple[str, ...]:
    return tuple(words(form, language))


def _inflections(term: str, language: AspectLanguage) -> set[str]:
    if language == "zh":
        return {term}
    *head, last = term.split()
    endings = {last, last + "s", last + "es"}
    if last.endswith("y"):
        endings.add(last[:-1] + "ies")
    return {" ".join([*head, ending]) for ending in endings}


@dataclass(frozen=True)
class _Found:
    review: AspectReview
    aspect: str
    term: str
    clause: str
    opinion: str | None


def find_mentions(
    reviews: Iterable[AspectReview],
    aspects: Iterable[Aspect] | AspectMatcher,
    sentiment: SentenceSentiment,
    rating_backoff: bool = True,
) -> list[AspectMention]:
    """Every aspect mention of the reviews (flagged ones included: summaries leave them out), in
    review order, each with its clause's sentiment."""
    matcher = aspects if isinstance(aspects, AspectMatcher) else AspectMatcher(aspects)
    found: list[_Found] = []
    for review in reviews:
        found.extend(_review_mentions(review, matcher))
    unique = list(dict.fromkeys(f.clause for f in found))
    labels = dict(zip(unique, predict_clauses(sentiment, unique), strict=True))
    per_review: dict[str, int] = {}
    for f in found:
        per_review[f.review.review_id] = per_review.get(f.review.review_id, 0) + 1
    out = []
    for f in found:
        label = labels[f.clause]
        if rating_backoff and label.label == "neutral" and per_review[f.review.review_id] == 1:
            label = _from_rating(f.review.rating, label)
        review = f.review
        out.append(
            AspectMention(
                review_id=review.review_id,
                product_id=review.product_id,
                aspect=f.aspect,
                term=f.term,
                clause=f.clause,
                label=label.label,
                score=label.score,
                opinion=f.opinion,
            )
        )
    return out


def _review_mentions(review: AspectReview, matcher: AspectMatcher) -> list[_Found]:
    language = review.language
    out = []
    for clause in clauses(review.text, language):
        tokens = words(clause, language)
        hits = matcher.find(review.category, tokens)
        if not hits:
            continue
        found_opinions = opinions(tokens, language)
        for aspect, term, position in hits:
            opinion = _nearest(found_opinions, position)
            out.append(_Found(review, aspect.name, term, clause, None if opinion is None else opinion.text))
    return out


def _nearest(found: list[Opinion], position: int) -> Opinion | None:
    """The opinion closest to the aspect's word, one after it winning a tie ("battery is great")."""
    if not found:
        return None
    return min(found, key=lambda o: (abs(o.position - position), o.position < position))


def _from_rating(rating: int | None, label: ClauseSentiment) -> ClauseSentiment:
    if rating is None or rating == 3:
        return label
    return ClauseSentiment("positive" if rating >= 4 else "negative", 0.5)

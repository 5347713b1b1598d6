"""A shop's review aspects and summaries from its own stores: the review store's reviews, each with
its product's category from the catalog, mined per category and language, and every product's
summary published under the data folder (`models/review-summaries/`).

`shelfwise demo` runs all of it and accepts every mined aspect (`accept_all`) so that its shop has
summaries at once; a real shop reviews the candidates first (`shelfwise aspects review`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from shelfwise.aspects.artifact import summaries_root, summarize_with_features, write_summaries
from shelfwise.aspects.inputs import from_store
from shelfwise.aspects.mining import AspectMiningConfig, EmbedTerms, mine_aspects
from shelfwise.aspects.records import AspectCandidate, AspectLanguage, AspectReview
from shelfwise.aspects.review import accepted_aspects
from shelfwise.aspects.sentiment import LexiconSentiment
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.reviews.base import ReviewStore
from shelfwise.store.base import Store

_LANGUAGES: tuple[AspectLanguage, ...] = ("en", "zh")


def shop_reviews(reviews: ReviewStore, catalog: Store, batch_size: int = 1000) -> list[AspectReview]:
    """Every stored review (flagged ones marked `flagged`) with its product's category path."""
    stored = list(reviews.iter_reviews(include_flagged=True))
    ids = sorted({review.product_id for review in stored})
    categories: dict[str, tuple[str, ...]] = {}
    for start in range(0, len(ids), batch_size):
        found = catalog.get_many(ids[start : start + batch_size])
        categories.update({pid: tuple(product.category) for pid, product in found.items()})
    return from_store(stored, categories)


def sample_per_category(reviews: Sequence[AspectReview], limit: int, seed: int = 7) -> list[AspectReview]:
    """At most `limit` unflagged reviews of each category path, picked at random (seeded), in
    their given order: enough to find a category's aspects in a fraction of the time mining all
    of them takes (summaries still read every review)."""
    by_category: dict[tuple[str, ...], list[int]] = {}
    for position, review in enumerate(reviews):
        if not review.flagged:
            by_category.setdefault(review.category, []).append(position)
    rng = random.Random(seed)
    kept: set[int] = set()
    for category in sorted(by_category):
        positions = by_category[category]
        kept.update(positions if len(positions) <= limit else rng.sample(positions, limit))
    return [review for position, review in enumerate(reviews) if position in kept]


def mine_every_language(
    reviews: Sequence[AspectReview],
    config: AspectMiningConfig | None = None,
    embed: EmbedTerms | None = None,
    languages: Sequence[AspectLanguage] = _LANGUAGES,
) -> list[AspectCandidate]:
    """Aspect candidates ("pending") of every category, for each language the reviews are in."""
    found: list[AspectCandidate] = []
    for language in languages:
        if any(review.language == language for review in reviews):
            found.extend(mine_aspects(reviews, language, config=config, embed=embed))
    return found


def accept_all(candidates: Sequence[AspectCandidate]) -> list[AspectCandidate]:
    """Every candidate accepted (the demo's shortcut; a shop decides one by one)."""
    return [candidate.model_copy(update={"status": "accepted"}) for candidate in candidates]


@dataclass(frozen=True)
class PublishedSummaries:
    """What `summarize_and_publish` wrote."""

    version: str
    products: int
    with_statements: int
    aspects: int
    mentions: int


def summarize_and_publish(
    data_dir: Path,
    reviews: Sequence[AspectReview],
    candidates: Sequence[AspectCandidate],
    config: SummaryConfig | None = None,
) -> PublishedSummaries:
    """Every product's summary with the accepted candidates (the lexicon reads clause sentiment),
    published as a new version of the data folder's review summaries."""
    config = config or SummaryConfig()
    aspects = accepted_aspects(candidates)
    summaries, mentions, features = summarize_with_features(reviews, aspects, LexiconSentiment(), config)
    root = summaries_root(data_dir)
    version = write_summaries(root, summaries, aspects, "lexicon", config, mentions, features)
    said = sum(1 for summary in summaries if summary.statements)
    return PublishedSummaries(version, len(summaries), said, len(aspects), mentions)

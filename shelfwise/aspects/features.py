"""Review-derived features of each product, precomputed with its review summary (issue 30 part 3):
what search and recommendations may rank on, never computed while a shopper waits.

- `bayes_rating`: the mean rating with a prior (a Bayesian average): `(C * m + sum of ratings) /
  (C + n)`, where `m` is the shop's mean rating and `C` the prior's weight in reviews, so that one
  5-star review does not outrank two hundred 4.7-star ones;
- `sentiment_rating`: the same average over each review's rating blended with what its text says
  (the sentiment model's label and confidence as stars: `3 + 2 * v`, v in -1..1, averaged with
  the rating), so a "5 stars, broke in a week" review weighs less than its stars; its prior is
  the shop's mean of the blended values (texts read lower than stars: with the ratings' prior, a
  product without reviews would outrank reviewed ones, as the Gift Cards benchmark showed);
- aspect scores: per accepted aspect of the product's category, the reviews that are positive and
  negative about it (each review counts once per aspect, by the balance of its clauses, as in
  the summary), and the net score `(positive - negative) / (positive + negative + 1)`.

Flagged reviews (duplicates, spam) are left out, as everywhere. The accepted aspects travel with
the features (`ReviewFeatureSet.aspects`), so that query reading knows the aspect words of each
category from the same version that scores them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.aspects.records import AspectLanguage, AspectMention, AspectReview
from shelfwise.aspects.review import Aspect
from shelfwise.aspects.sentiment import SentenceSentiment, predict_clauses


class ReviewFeatureConfig(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    prior_weight: float = Field(default=5.0, ge=0, description="the prior's weight, in reviews")
    prior_mean: float | None = Field(
        default=None, ge=1, le=5, description="the prior's mean rating (None: the shop's mean rating)"
    )
    praise_word_reviews: int = Field(default=2, ge=1, description="reviews that praise an aspect with a word")
    praise_word_share: float = Field(
        default=0.6, gt=0, le=1, description="of the word's praise in the category that is for the aspect"
    )


class AspectScore(BaseModel):
    """What a product's reviews say of one aspect: reviews positive and negative about it."""

    model_config = ConfigDict(frozen=True)

    aspect: str
    positive: int = Field(ge=0)
    negative: int = Field(ge=0)

    @property
    def score(self) -> float:
        """Net praise in -1..1, shrunk towards 0 when few reviews say anything."""
        return (self.positive - self.negative) / (self.positive + self.negative + 1)


class ProductReviewFeatures(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    reviews: int = Field(ge=0, description="unflagged reviews")
    mean_rating: float | None = None
    bayes_rating: float
    sentiment_rating: float
    aspects: tuple[AspectScore, ...] = ()

    def aspect(self, name: str) -> AspectScore | None:
        return next((a for a in self.aspects if a.aspect == name), None)


class AspectWord(BaseModel):
    """An accepted aspect as query reading needs it: its category, name, forms and language."""

    model_config = ConfigDict(frozen=True)

    category: str
    name: str
    terms: tuple[str, ...]
    language: AspectLanguage
    praise_words: tuple[str, ...] = Field(
        default=(), description="opinions reviews praise it with and hardly anything else ('quiet', '不掉色')"
    )


class ReviewFeatureSet(BaseModel):
    """Every reviewed product's features, the prior that products without reviews get, and the
    accepted aspects they were scored on."""

    model_config = ConfigDict(frozen=True)

    prior_mean: float
    sentiment_prior: float = Field(description="the sentiment-weighted rating's prior: the shop's mean of it")
    prior_weight: float
    products: dict[str, ProductReviewFeatures] = Field(default_factory=dict)
    aspects: tuple[AspectWord, ...] = ()

    def get(self, product_id: str) -> ProductReviewFeatures:
        """The product's features; a product without reviews gets the prior."""
        found = self.products.get(product_id)
        if found is not None:
            return found
        return ProductReviewFeatures(
            product_id=product_id,
            reviews=0,
            bayes_rating=self.prior_mean,
            sentiment_rating=self.sentiment_prior,
        )


def text_stars(label: str, score: float) -> float:
    """A sentiment answer as stars: positive 3..5, negative 3..1, neutral 3."""
    sign = 1.0 if label == "positive" else -1.0 if label == "negative" else 0.0
    return 3.0 + 2.0 * sign * min(max(score, 0.0), 1.0)


def review_text_stars(reviews: Sequence[AspectReview], sentiment: SentenceSentiment) -> dict[str, float]:
    """Each review's text read by the sentiment model, as stars (one batch over all texts)."""
    answers = predict_clauses(sentiment, [review.text for review in reviews])
    return {
        review.review_id: text_stars(answer.label, answer.score)
        for review, answer in zip(reviews, answers, strict=True)
    }


def review_features(
    reviews: Iterable[AspectReview],
    mentions: Iterable[AspectMention],
    stars_of_text: Mapping[str, float],
    aspects: Sequence[Aspect] = (),
    config: ReviewFeatureConfig | None = None,
) -> ReviewFeatureSet:
    """The features of every product with unflagged reviews. `stars_of_text`: each review's text
    as stars (`review_text_stars`); a review without one counts its rating alone."""
    config = config or ReviewFeatureConfig()
    kept = [review for review in reviews if not review.flagged]
    mentions = list(mentions)
    rated = [review.rating for review in kept if review.rating is not None]
    blended = _blended(kept, stars_of_text)
    prior = (
        config.prior_mean if config.prior_mean is not None else (sum(rated) / len(rated) if rated else 3.0)
    )
    # the sentiment-weighted rating's own prior: a shop's texts read lower than its stars, and
    # a product without reviews must not outrank the reviewed ones for that alone
    values = list(blended.values())
    sentiment_prior = sum(values) / len(values) if values and config.prior_mean is None else prior
    by_product: dict[str, list[AspectReview]] = defaultdict(list)
    for review in kept:
        by_product[review.product_id].append(review)
    scores = _aspect_scores(mentions)
    priors = (prior, sentiment_prior, config.prior_weight)
    products = {
        product: _product(product, found, blended, scores.get(product, {}), priors)
        for product, found in sorted(by_product.items())
    }
    return ReviewFeatureSet(
        prior_mean=round(prior, 6),
        sentiment_prior=round(sentiment_prior, 6),
        prior_weight=config.prior_weight,
        products=products,
        aspects=aspect_words(aspects, kept, mentions, config),
    )


def aspect_words(
    aspects: Sequence[Aspect],
    reviews: Sequence[AspectReview],
    mentions: Iterable[AspectMention],
    config: ReviewFeatureConfig,
) -> tuple[AspectWord, ...]:
    """The accepted aspects with their praise words: opinions of positive mentions of the aspect
    in its category, said by at least `praise_word_reviews` reviews, and at least
    `praise_word_share` of that opinion's positive uses in the category ("quiet" for noise; not
    "great", said of everything)."""
    category_of = {r.review_id: " > ".join(r.category) for r in reviews}
    said: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    for m in mentions:
        if m.label == "positive" and m.opinion and m.review_id in category_of:
            said[category_of[m.review_id], m.aspect, m.opinion].add(m.review_id)
    out = []
    for aspect in aspects:
        within = {key: ids for key, ids in said.items() if _under(key[0], aspect.category)}
        by_word: dict[str, set[str]] = defaultdict(set)
        mine: dict[str, set[str]] = defaultdict(set)
        for (_, name, word), ids in within.items():
            by_word[word] |= ids
            if name == aspect.name:
                mine[word] |= ids
        words = tuple(
            sorted(
                w
                for w, ids in mine.items()
                if len(ids) >= config.praise_word_reviews
                and len(ids) >= config.praise_word_share * len(by_word[w])
            )
        )
        out.append(
            AspectWord(
                category=aspect.category,
                name=aspect.name,
                terms=aspect.terms,
                language=aspect.language,
                praise_words=words,
            )
        )
    return tuple(out)


def _under(path: str, category: str) -> bool:
    return path == category or path.startswith(category + " > ")


def bayes_average(values: Sequence[float], prior: float, weight: float) -> float:
    return (weight * prior + sum(values)) / (weight + len(values)) if weight + len(values) > 0 else prior


def _blended(reviews: Sequence[AspectReview], stars_of_text: Mapping[str, float]) -> dict[str, float]:
    """Each review's rating averaged with its text's stars (either alone when the other is missing)."""
    out = {}
    for review in reviews:
        text = stars_of_text.get(review.review_id)
        if review.rating is not None:
            out[review.review_id] = review.rating if text is None else (review.rating + text) / 2.0
        elif text is not None:
            out[review.review_id] = text
    return out


def _product(
    product_id: str,
    reviews: Sequence[AspectReview],
    blended: Mapping[str, float],
    aspects: Mapping[str, tuple[int, int]],
    priors: tuple[float, float, float],
) -> ProductReviewFeatures:
    prior, sentiment_prior, weight = priors
    ratings = [float(r.rating) for r in reviews if r.rating is not None]
    mixed = [blended[r.review_id] for r in reviews if r.review_id in blended]
    return ProductReviewFeatures(
        product_id=product_id,
        reviews=len(reviews),
        mean_rating=round(sum(ratings) / len(ratings), 6) if ratings else None,
        bayes_rating=round(bayes_average(ratings, prior, weight), 6),
        sentiment_rating=round(bayes_average(mixed, sentiment_prior, weight), 6),
        aspects=tuple(
            AspectScore(aspect=name, positive=pos, negative=neg)
            for name, (pos, neg) in sorted(aspects.items())
        ),
    )


def _aspect_scores(mentions: Iterable[AspectMention]) -> dict[str, dict[str, tuple[int, int]]]:
    """product -> aspect -> (positive reviews, negative reviews): each review counts once per
    aspect, by the balance of its clauses about it (a tie counts neither way)."""
    balance: dict[tuple[str, str, str], int] = defaultdict(int)
    for m in mentions:
        if m.label != "neutral":
            balance[m.product_id, m.aspect, m.review_id] += 1 if m.label == "positive" else -1
    counts: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for (product, aspect, _), net in balance.items():
        if net:
            counts[product][aspect][0 if net > 0 else 1] += 1
    return {p: {a: (c[0], c[1]) for a, c in found.items()} for p, found in counts.items()}

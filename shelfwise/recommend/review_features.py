"""Review-derived item features for the recommender's ranker (issue 30 part 3), computed from the
reviews of the interactions the ranker learns from, exactly as the item counts are: a target held
out of the channels' data is held out of these too, so no feature knows the answer.

Per item: the log of its review count, its rating with a prior (Bayesian average), and the same
average over each review's rating blended with its text's sentiment as stars (see
`aspects.features`; its prior the mean of the blended values). Off unless
`ChannelRankerConfig.review_features` is set: kept only where it measurably helps
(docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np

from shelfwise.recommend.channel import TrainingData

REVIEW_FEATURE_NAMES = ("log_reviews", "bayes_rating", "sentiment_rating")


def item_review_features(data: TrainingData, prior_weight: float = 5.0) -> np.ndarray | None:
    """(n_items, 3) float32, or None when the data carries no reviews. An item without reviews
    has a count of 0 and the prior, the mean rating over every review of the data."""
    if data.reviews is None:
        return None
    n = data.n_items
    items = np.concatenate([np.asarray(s, dtype=np.int64) for s in data.sequences] or [np.zeros(0, np.int64)])
    values = np.concatenate(
        [np.asarray(r, dtype=np.float64).reshape(-1, 2) for r in data.reviews] or [np.zeros((0, 2))]
    )
    if len(items) != len(values):
        raise ValueError(
            f"reviews: {len(values)} rows for {len(items)} interactions; give one per interaction"
        )
    rating, text = values[:, 0], values[:, 1]
    rated = ~np.isnan(rating)
    prior = float(rating[rated].mean()) if rated.any() else 3.0
    blended = np.where(np.isnan(text), rating, (rating + text) / 2.0)
    sentiment_prior = float(blended[rated].mean()) if rated.any() else 3.0  # texts read lower than stars
    count = np.bincount(items[rated], minlength=n).astype(np.float64)
    out = np.zeros((n, 3), dtype=np.float32)
    out[:, 0] = np.log1p(count)
    weight = np.maximum(prior_weight + count, 1e-9)
    out[:, 1] = (prior_weight * prior + np.bincount(items[rated], rating[rated], minlength=n)) / weight
    out[:, 2] = (
        prior_weight * sentiment_prior + np.bincount(items[rated], blended[rated], minlength=n)
    ) / weight
    return out

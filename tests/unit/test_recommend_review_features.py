"""Review features for the recommender's ranker: per item from the reviews of the interactions
it learns from (so a held-out target's review is never among them), and their columns."""

from __future__ import annotations

import numpy as np
import pytest

from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.ranker import CandidateBuilder
from shelfwise.recommend.recommender import hold_out_latest
from shelfwise.recommend.review_features import REVIEW_FEATURE_NAMES, item_review_features

NAN = float("nan")


def _data() -> TrainingData:
    sequences = [np.array([0, 1, 2]), np.array([1, 2, 0]), np.array([0, 1])]
    reviews = [
        np.array([[5, 5], [4, 3], [1, 1]], dtype=np.float32),
        np.array([[5, NAN], [NAN, NAN], [3, 3]], dtype=np.float32),
        np.array([[4, 5], [2, 1]], dtype=np.float32),
    ]
    return TrainingData(("a", "b", "c", "d"), sequences, reviews=reviews)


def test_counts_and_ratings_with_a_prior_from_the_shops_mean() -> None:
    features = item_review_features(_data(), prior_weight=2.0)
    assert features is not None and features.shape == (4, 3)
    prior = (5 + 4 + 1 + 5 + 3 + 4 + 2) / 7
    assert features[:, 0] == pytest.approx(np.log1p([3, 3, 1, 0]))
    assert features[0, 1] == pytest.approx((2 * prior + 5 + 3 + 4) / 5)
    assert features[2, 1] == pytest.approx((2 * prior + 1) / 3)  # the unrated interaction counts nothing
    assert features[3, 1] == pytest.approx(prior)  # no reviews: the prior
    blended = (5 + 3.5 + 1 + 5 + 3 + 4.5 + 1.5) / 7  # the sentiment-weighted rating's own prior
    assert features[1, 2] == pytest.approx((2 * blended + 3.5 + 5 + 1.5) / 5)  # text without: the rating
    assert features[3, 2] == pytest.approx(blended)
    assert item_review_features(TrainingData(("a",), [np.array([0])])) is None


def test_a_held_out_targets_review_leaves_the_features_with_its_event() -> None:
    held, users, targets = hold_out_latest(_data(), fraction=1.0, seed=0)
    assert list(users) == [0, 1] and list(targets) == [2, 0]
    features = item_review_features(held, prior_weight=0.0)
    assert features is not None
    assert features[2, 0] == pytest.approx(np.log1p(0))  # c's only review was a target's
    assert features[0, 1] == pytest.approx((5 + 4) / 2)


def test_the_builder_adds_the_columns_only_when_given() -> None:
    data = _data()
    plain = CandidateBuilder([], data.item_counts(), None, depth=5)
    with_reviews = CandidateBuilder(
        [], data.item_counts(), None, depth=5, item_reviews=item_review_features(data)
    )
    assert plain.feature_names[-1] == "is_cold"
    assert with_reviews.feature_names[-3:] == list(REVIEW_FEATURE_NAMES)

"""The profile boost re-orders by relevance + weight * fit, and leaves empty profiles alone."""

from __future__ import annotations

import numpy as np

from shelfwise.personalize.boost import boost, profile_fit
from shelfwise.personalize.features import FEATURE_INDEX, FEATURE_NAMES


def _rows(*lifts: tuple[float, float, float, float], empty: bool = False) -> np.ndarray:
    out = np.zeros((len(lifts), len(FEATURE_NAMES)))
    for i, (category, brand, band, cosine) in enumerate(lifts):
        out[i, FEATURE_INDEX["category_lift"]] = category
        out[i, FEATURE_INDEX["brand_lift"]] = brand
        out[i, FEATURE_INDEX["price_band_lift"]] = band
        out[i, FEATURE_INDEX["embedding_cosine"]] = cosine
    out[:, FEATURE_INDEX["profile_empty"]] = float(empty)
    return out


def test_fit_blends_the_lifts_and_clips() -> None:
    fit = profile_fit(_rows((1.0, 0.0, 0.0, 0.0), (0.0, 1.0, 1.0, 0.2), (5.0, 5.0, 5.0, 1.0), (-9, 0, 0, 0)))
    np.testing.assert_allclose(fit, [0.35, 0.25 + 0.2 + 0.1, 1.0, -1.0])


def test_a_strong_fit_lifts_a_product_over_a_slightly_more_relevant_one() -> None:
    scores = np.array([0.9, 0.85, 0.2])
    features = _rows((0.0, 0.0, 0.0, 0.0), (2.0, 2.0, 0.0, 0.8), (2.0, 2.0, 0.0, 0.8))
    boosted = boost(scores, features, weight=0.3)
    assert boosted.order.tolist() == [1, 0, 2]  # the far less relevant third stays last
    np.testing.assert_allclose(boosted.relevance, [1.0, 0.65 / 0.7, 0.0])


def test_an_empty_profile_keeps_the_order_and_equal_scores_keep_it_too() -> None:
    scores = np.array([3.0, 2.0, 1.0])
    empty = _rows((2.0, 2.0, 2.0, 1.0), (9.0, 9.0, 9.0, 1.0), (0, 0, 0, 0), empty=True)
    assert boost(scores, empty, weight=1.0).order.tolist() == [0, 1, 2]
    flat = boost(np.ones(3), _rows((0, 0, 0, 0), (0, 0, 0, 0), (0, 0, 0, 0)), weight=1.0)
    assert flat.order.tolist() == [0, 1, 2]

"""The profile boost: re-order a result list's first places by how well each product fits the
shopper's profile, without a trained model (the learned ranking stage replaces it once trained).

    final = relevance + weight * fit

`relevance` is the list's own score min-max scaled to [0, 1] over the re-ordered places, so the
boost means the same whatever scale the scores have; `fit` is a fixed blend of the profile's lifts
(category, brand, price band; 0 = no evidence either way) and the cosine of the profile embedding
with the product's vector, clipped to [-1, 1]. An empty profile gives fit 0: the order stays.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shelfwise.personalize.features import FEATURE_INDEX

FIT_WEIGHTS: dict[str, float] = {
    "category_lift": 0.35,
    "brand_lift": 0.25,
    "price_band_lift": 0.2,
    "embedding_cosine": 0.5,
}


def profile_fit(features: np.ndarray) -> np.ndarray:
    """How well each candidate fits the profile, in [-1, 1], from `Profiles.features` rows."""
    fit = np.zeros(len(features))
    for name, weight in FIT_WEIGHTS.items():
        fit += weight * features[:, FEATURE_INDEX[name]]
    return np.clip(fit, -1.0, 1.0) * (1.0 - features[:, FEATURE_INDEX["profile_empty"]])


@dataclass(frozen=True)
class Boosted:
    order: np.ndarray  # indices into the candidates, best first
    final: np.ndarray  # final score of each candidate (input order)
    fit: np.ndarray
    relevance: np.ndarray


def boost(scores: np.ndarray, features: np.ndarray, weight: float) -> Boosted:
    """Re-order candidates (given best first, with their scores) by relevance + weight * fit;
    ties keep the incoming order."""
    scores = np.asarray(scores, dtype=np.float64)
    low, high = (float(scores.min()), float(scores.max())) if len(scores) else (0.0, 0.0)
    relevance = (scores - low) / (high - low) if high > low else np.ones(len(scores))
    fit = profile_fit(features)
    final = relevance + weight * fit
    order = np.argsort(-final, kind="stable")
    return Boosted(order, final, fit, relevance)

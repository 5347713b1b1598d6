"""Profiles as the ranking model's user features (`shelfwise.rank.UserFeatureProvider`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import numpy as np

from shelfwise.personalize.features import FEATURE_NAMES
from shelfwise.personalize.profiles import Profiles
from shelfwise.records import Product


class ProfileFeatures:
    """`features(actor, product_ids, at)`: the shopper's profile against each product.

    For training (`point_in_time=True`) each request sees the profile as it was at its own time,
    from events strictly before it, so a click never explains itself. Serving reads the current
    profile (`at` is ignored), which is also the fast path.
    """

    def __init__(self, profiles: Profiles, point_in_time: bool = False) -> None:
        self.profiles = profiles
        self.point_in_time = point_in_time

    @property
    def feature_names(self) -> tuple[str, ...]:
        return FEATURE_NAMES

    def features(self, actor: str | None, product_ids: Sequence[str | Product], at: datetime) -> np.ndarray:
        """A `Product` (one the profiles' catalog may not hold yet) is placed by its own fields."""
        if actor is None:
            return self.profiles.features("", list(product_ids))  # unknown: zeros, profile_empty set
        return self.profiles.features(actor, list(product_ids), at if self.point_in_time else None)

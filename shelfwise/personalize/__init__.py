"""Personalization: shopper profiles learned from their events (category, brand and price-band
affinities plus a taste embedding), matched against candidates as ranking features and
explained in words. `build_profiles` and `Profiles` are the entry points."""

from shelfwise.personalize.catalog import Located, ProfileCatalog, VectorLookup, VectorTable, category_levels
from shelfwise.personalize.config import ProfileConfig
from shelfwise.personalize.features import FEATURE_NAMES
from shelfwise.personalize.profile import Affinity, UserProfile, band_label
from shelfwise.personalize.profiles import Profiles, build_profiles, profile_from_events
from shelfwise.personalize.reasons import Reason, ReasonKind

__all__ = [
    "FEATURE_NAMES",
    "Affinity",
    "Located",
    "ProfileCatalog",
    "ProfileConfig",
    "Profiles",
    "Reason",
    "ReasonKind",
    "UserProfile",
    "VectorLookup",
    "VectorTable",
    "band_label",
    "build_profiles",
    "category_levels",
    "profile_from_events",
]

"""Impressions: what each search and recommendation response showed (the `ImpressionLog`, SQLite
`impressions.db` or in memory) and attribution of shoppers' events back to it (`attribute`),
which gives the CTR/CVR training examples."""

from __future__ import annotations

from shelfwise.impressions.attribution import AttributionConfig, AttributionStats, attribute
from shelfwise.impressions.buffered import BufferedImpressionLog
from shelfwise.impressions.log import (
    IMPRESSIONS_FILE,
    ImpressionLog,
    MemoryImpressionLog,
    open_impression_log,
)
from shelfwise.impressions.log_sqlite import SQLiteImpressionLog
from shelfwise.impressions.records import SURFACES, Impression, LabeledImpression, ShownItem

__all__ = [
    "IMPRESSIONS_FILE",
    "SURFACES",
    "AttributionConfig",
    "AttributionStats",
    "BufferedImpressionLog",
    "Impression",
    "ImpressionLog",
    "LabeledImpression",
    "MemoryImpressionLog",
    "SQLiteImpressionLog",
    "ShownItem",
    "attribute",
    "open_impression_log",
]

"""Impressions: what each search and recommendation response showed, and attribution of shoppers' events back to it."""

from __future__ import annotations

from shelfwise.impressions.records import SURFACES, Impression, LabeledImpression, ShownItem

__all__ = ["SURFACES", "Impression", "LabeledImpression", "ShownItem"]

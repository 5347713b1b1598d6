"""The admin console's reports: what each trained recommender measured on its held-out
shoppers (from its manifest) and what the event log holds, as server-drawn charts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from shelfwise.web.plots import bar_chart

MAX_VERSIONS = 5


@dataclass(frozen=True)
class RecommenderReport:
    version: str
    current: bool
    events: int | None
    products: int | None
    fused_by: str | None
    charts: list[Markup] = field(default_factory=list)


def _charts(fit: Mapping[str, Any]) -> list[Markup]:
    charts = []
    ndcg = fit.get("validation_ndcg") or {}
    if ndcg:
        bars = [(str(name), float(value)) for name, value in ndcg.items()]
        charts.append(bar_chart("Held-out NDCG@10 of the next item, by fusion", bars))
    seconds = fit.get("seconds") or {}
    if seconds:
        bars = [(str(name), float(value)) for name, value in seconds.items()]
        charts.append(bar_chart("Training time per channel (s)", bars, digits=2))
    return charts


def recommender_reports(data_dir: Path) -> list[RecommenderReport]:
    """The newest trained recommenders' held-out measurements, newest first."""
    from shelfwise.recommend.live import recommender_registry

    registry = recommender_registry(data_dir)
    try:
        current = registry.current()
    except FileNotFoundError:
        current = None
    reports = []
    for version in list(reversed(registry.versions()))[:MAX_VERSIONS]:
        try:
            manifest = json.loads((registry.path_of(version) / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        fit = manifest.get("fit", {})
        reports.append(RecommenderReport(
            version=version, current=current is not None and current[0] == version,
            events=manifest.get("events"), products=manifest.get("products"),
            fused_by=fit.get("fused_by"), charts=_charts(fit),
        ))  # fmt: skip
    return reports


def events_chart(by_type: Mapping[str, int]) -> Markup:
    bars = [(name, float(count)) for name, count in sorted(by_type.items(), key=lambda item: -item[1])]
    return bar_chart("Recorded events by type", bars, digits=0)

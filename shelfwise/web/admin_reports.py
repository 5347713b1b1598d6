"""The admin console's reports: what each trained recommender measured on its held-out
shoppers, what each CTR/CVR ranking model measured on its test requests (AUC against the
position baseline and the ceiling, calibration), read from their manifests, and what the event
log holds, as server-drawn charts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from shelfwise.web.plots import bar_chart, reliability_chart

MAX_VERSIONS = 5


TASKS = {"ctr": "click", "cvr": "purchase after a click", "ctcvr": "click and purchase"}
AUC_KINDS = (("model", "auc"), ("position baseline", "position_baseline_auc"), ("ceiling", "ceiling_auc"))


@dataclass(frozen=True)
class ModelReport:
    version: str
    current: bool
    summary: str
    charts: list[Markup] = field(default_factory=list)


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


def _importance_chart(importance: Mapping[str, Any]) -> Markup:
    """The features whose shuffling costs the click model most test AUC."""
    bars = sorted(
        ((name, float(v.get("ctr", 0.0))) for name, v in importance.items() if isinstance(v, dict)),
        key=lambda bar: -bar[1],
    )[:10]
    return bar_chart("Feature importance (test click AUC lost when shuffled), top 10", bars, digits=4)


def _ranker_charts(tasks: Mapping[str, Any]) -> list[Markup]:
    auc_bars: list[tuple[str, float]] = []
    curves = []
    for task, label in TASKS.items():
        metrics = tasks.get(task) or {}
        for name, key in AUC_KINDS:
            if metrics.get(key) is not None:
                auc_bars.append((f"{label}: {name}", float(metrics[key])))
        bins = metrics.get("reliability") or []
        points = [(float(b["mean_predicted"]), float(b["observed_rate"])) for b in bins]
        if points:
            curves.append((label, points))
    charts = [bar_chart("Test AUC by task", auc_bars)] if auc_bars else []
    if curves:
        charts.append(reliability_chart("Calibration on the test requests", curves))
    return charts


def ranker_reports(data_dir: Path) -> list[ModelReport]:
    """The newest CTR/CVR ranking models' test measurements, newest first."""
    from shelfwise.rank import ranker_registry

    registry = ranker_registry(data_dir)
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
        metrics = manifest.get("metrics") or {}
        rows = metrics.get("rows") or {}
        summary = (
            f"{metrics.get('architecture', 'model')} on {sum(rows.values())} impressions; "
            f"{'published' if manifest.get('published') else 'kept, not published'}"
        )
        reports.append(ModelReport(
            version=version, current=current is not None and current[0] == version,
            summary=summary, charts=[*_ranker_charts(metrics.get("tasks") or {}),
                                     _importance_chart(metrics.get("feature_importance") or {})],
        ))  # fmt: skip
    return reports

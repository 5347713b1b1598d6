"""The admin console's A/B experiments: each definition the server runs with its current
results (the same analysis as `shelfwise ab report`: exposures from the exposure log, outcomes
from one pass over the event log) and a chart of each variant's conversion."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup

from shelfwise.experiments.definitions import Experiment
from shelfwise.experiments.report import ExperimentReport
from shelfwise.serving import Serving
from shelfwise.web.plots import bar_chart


@dataclass(frozen=True)
class ExperimentView:
    experiment: Experiment
    running: bool
    report: ExperimentReport | None
    problem: str
    chart: Markup


def _chart(report: ExperimentReport) -> Markup:
    bars = [(v.name, v.metrics.get("conversion_rate") or 0.0) for v in report.variants if v.units]
    return bar_chart("Conversion rate by variant (units with a purchase)", bars) if bars else Markup("")


def experiment_views(shelfwise: Serving, now: datetime) -> list[ExperimentView]:
    """Every experiment in the server's definitions, with its report so far."""
    views = []
    for experiment in shelfwise.experiments.registry:
        events = (stored.event for stored in shelfwise.events.iter_events())
        try:
            report: ExperimentReport | None = shelfwise.experiments.report(experiment.name, events, until=now)
            problem = ""
        except ValueError as error:  # e.g. nothing exposed yet
            report, problem = None, str(error)
        views.append(ExperimentView(
            experiment=experiment, running=experiment.is_running(now), report=report, problem=problem,
            chart=_chart(report) if report is not None and report.units else Markup(""),
        ))  # fmt: skip
    return views

"""`Experiments`: the one entry point that serving and the CLI use.

Serving calls `decide` once per search or recommendation request, before running it: it assigns
the request's unit in every experiment running on that surface and gives back the settings
overrides to apply; once the answer has been computed, `record` writes the decision's exposures
(durable before it returns), so a request that fails (404, 503) is never counted as exposed.
`expose` does both at once. The CLI calls `report`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import JsonValue

from shelfwise.experiments.assignment import Assignment, assign
from shelfwise.experiments.definitions import Experiment
from shelfwise.experiments.exposure import Exposure, ExposureLog
from shelfwise.experiments.exposure_memory import MemoryExposureLog
from shelfwise.experiments.exposure_sqlite import EXPOSURES_FILE, SQLiteExposureLog
from shelfwise.experiments.outcomes import build_unit_outcomes
from shelfwise.experiments.registry import EXPERIMENTS_FILE, ExperimentRegistry
from shelfwise.experiments.report import ExperimentReport, analyze_experiment
from shelfwise.records import Event
from shelfwise.storage.urls import Databases, folder_or_url, on_database


def open_exposure_log(target: str | Path, databases: Databases | None = None) -> ExposureLog:
    """A data folder (its `experiments.db`), `sqlite:///path/to/file.db`, `memory://` or
    `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, EXPOSURES_FILE, "exposure log")
    if parsed.scheme == "memory":
        return MemoryExposureLog()
    if parsed.scheme == "postgresql":
        from shelfwise.experiments.exposure_postgres import PostgresExposureLog

        return PostgresExposureLog(on_database(parsed, databases))
    assert parsed.path is not None
    return SQLiteExposureLog(parsed.path)


@dataclass(frozen=True)
class ExposureDecision:
    """What one request runs under: its assignments and their merged settings overrides."""

    assignments: tuple[Assignment, ...] = ()
    settings: dict[str, JsonValue] | None = None
    conflicts: tuple[str, ...] = ()
    """Setting names that more than one running experiment overrides; the one defined first wins."""
    exposures: tuple[Exposure, ...] = ()
    """What `Experiments.record` writes once the request has been served."""

    def overrides(self) -> dict[str, JsonValue]:
        return dict(self.settings or {})


def merge_settings(assignments: Iterable[Assignment]) -> tuple[dict[str, JsonValue], tuple[str, ...]]:
    """The assignments' overrides merged in order (the first to name a setting wins), and the
    setting names that were claimed more than once."""
    merged: dict[str, JsonValue] = {}
    conflicts: list[str] = []
    for assignment in assignments:
        for key, value in assignment.settings.items():
            if key in merged:
                if key not in conflicts:
                    conflicts.append(key)
                continue
            merged[key] = value
    return merged, tuple(conflicts)


class Experiments:
    """Experiment definitions plus the exposure log."""

    def __init__(self, registry: ExperimentRegistry, log: ExposureLog) -> None:
        self.registry = registry
        self.log = log

    @classmethod
    def open(cls, data_dir: str | Path, log: ExposureLog | None = None) -> Experiments:
        """`data_dir/experiments.json` (missing: no experiments) and `data_dir/experiments.db`."""
        registry = ExperimentRegistry.load(Path(data_dir) / EXPERIMENTS_FILE)
        return cls(registry, log if log is not None else open_exposure_log(Path(data_dir)))

    def running(self, surface: str, at: datetime) -> list[Experiment]:
        """Experiments running at `at` on `surface`, in definition order."""
        return [e for e in self.registry if e.applies_to(surface) and e.is_running(at)]

    def assign(self, name: str, unit_id: str) -> Assignment:
        """The variant of one unit in one experiment (nothing is recorded)."""
        return assign(self.registry.get(name), unit_id)

    def decide(
        self,
        *,
        surface: str,
        request_id: str,
        at: datetime,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> ExposureDecision:
        """Assign the request's unit in every running experiment of `surface` (nothing is
        recorded yet: `record` the decision once the request has been served). An experiment whose
        unit the request lacks (a 'user' experiment and an anonymous shopper) is skipped: that
        request gets the defaults and is not counted. Pass the same `request_id` on the request's
        events so clicks can be tied to the exposure."""
        assignments: list[Assignment] = []
        exposures: list[Exposure] = []
        for experiment in self.running(surface, at):
            unit_id = user_id if experiment.unit == "user" else session_id
            if not unit_id:
                continue
            assignment = assign(experiment, unit_id)
            assignments.append(assignment)
            exposures.append(
                Exposure(
                    experiment=experiment.name,
                    variant=assignment.variant,
                    unit_id=unit_id,
                    request_id=request_id,
                    timestamp=at,
                    surface=surface,
                )
            )
        settings, conflicts = merge_settings(assignments)
        return ExposureDecision(tuple(assignments), settings, conflicts, tuple(exposures))

    def record(self, decision: ExposureDecision) -> None:
        """Record the exposures of a served request (idempotent by request id, durable on return)."""
        if decision.exposures:
            self.log.record(decision.exposures)

    def expose(
        self,
        *,
        surface: str,
        request_id: str,
        at: datetime,
        user_id: str | None = None,
        session_id: str | None = None,
    ) -> ExposureDecision:
        """`decide` and `record` at once, for a request that is sure to be served."""
        decision = self.decide(
            surface=surface, request_id=request_id, at=at, user_id=user_id, session_id=session_id
        )
        self.record(decision)
        return decision

    def report(
        self,
        name: str,
        events: Iterable[Event],
        *,
        until: datetime | None = None,
        seed: int = 0,
        alpha: float = 0.05,
        power: float = 0.8,
    ) -> ExperimentReport:
        """Analyse one experiment from its recorded exposures and a pass over the shoppers' events
        (e.g. `(stored.event for stored in event_store.iter_events())`)."""
        experiment = self.registry.get(name)
        exposures = self.log.exposures(name)
        outcomes = build_unit_outcomes(experiment, exposures, events, until=until)
        return analyze_experiment(experiment, exposures, outcomes, alpha=alpha, power=power, seed=seed)

    def close(self) -> None:
        self.log.close()

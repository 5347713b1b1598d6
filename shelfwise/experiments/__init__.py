"""A/B experiments: definitions and their registry (`experiments.json`), deterministic hash
assignment, the exposure log (SQLite `experiments.db` or in memory), per-unit outcomes from
shoppers' events, statistics and the experiment report. `Experiments` is the entry point."""

from __future__ import annotations

from shelfwise.experiments.assignment import Assignment, assign, bucket
from shelfwise.experiments.definitions import Experiment, Unit, Variant
from shelfwise.experiments.exposure import Exposure, ExposureLog, RecordOutcome
from shelfwise.experiments.exposure_memory import MemoryExposureLog
from shelfwise.experiments.exposure_sqlite import EXPOSURES_FILE, SQLiteExposureLog
from shelfwise.experiments.format import format_report
from shelfwise.experiments.manager import Experiments, ExposureDecision, merge_settings, open_exposure_log
from shelfwise.experiments.outcomes import UnitOutcome, build_unit_outcomes
from shelfwise.experiments.registry import (
    EXPERIMENTS_FILE,
    ExperimentDefinitionError,
    ExperimentRegistry,
    parse_experiment,
)
from shelfwise.experiments.report import (
    METRICS,
    Comparison,
    ExperimentReport,
    SampleRatio,
    VariantSummary,
    analyze_experiment,
)

__all__ = [
    "EXPERIMENTS_FILE",
    "EXPOSURES_FILE",
    "METRICS",
    "Assignment",
    "Comparison",
    "Experiment",
    "ExperimentDefinitionError",
    "ExperimentRegistry",
    "ExperimentReport",
    "Experiments",
    "Exposure",
    "ExposureDecision",
    "ExposureLog",
    "MemoryExposureLog",
    "RecordOutcome",
    "SQLiteExposureLog",
    "SampleRatio",
    "Unit",
    "UnitOutcome",
    "Variant",
    "VariantSummary",
    "analyze_experiment",
    "assign",
    "bucket",
    "build_unit_outcomes",
    "format_report",
    "merge_settings",
    "open_exposure_log",
    "parse_experiment",
]

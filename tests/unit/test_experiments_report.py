"""analyze_experiment on outcomes with known counts, and the Experiments entry point end to end."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from shelfwise.experiments import (
    Assignment,
    Experiment,
    ExperimentRegistry,
    Experiments,
    Exposure,
    MemoryExposureLog,
    UnitOutcome,
    Variant,
    analyze_experiment,
    assign,
    format_report,
    merge_settings,
    stats,
)
from shelfwise.records import Event

T0 = datetime(2026, 12, 1, tzinfo=UTC)


def _experiment(shares: tuple[float, float] = (0.5, 0.5)) -> Experiment:
    return Experiment(
        name="exp",
        salt="s",
        variants=(Variant(name="control", share=shares[0]), Variant(name="treatment", share=shares[1])),
    )


def _population(units: int, converters: int, clickers: int, revenue: float, variant: str, prefix: str):
    """`units` units of `variant`: the first `converters` bought for `revenue` each, the first
    `clickers` clicked their only impression."""
    exposures, outcomes = [], []
    for i in range(units):
        unit = f"{prefix}{i}"
        exposures.append(
            Exposure(experiment="exp", variant=variant, unit_id=unit, request_id=unit, timestamp=T0)
        )
        clicked = i < clickers
        outcomes.append(
            UnitOutcome(
                unit_id=unit,
                variant=variant,
                first_exposure=T0,
                impressions=1,
                clicked_impressions=int(clicked),
                clicks=int(clicked),
                purchases=int(i < converters),
                revenue=revenue if i < converters else 0.0,
            )
        )
    return exposures, outcomes


def _report(control_units: int = 1000, treatment_units: int = 1000, **kwargs: object):
    ce, co = _population(control_units, 100, 300, 40.0, "control", "c")
    te, to = _population(treatment_units, 130, 300, 40.0, "treatment", "t")
    return analyze_experiment(_experiment(), ce + te, co + to, **kwargs)  # type: ignore[arg-type]


def test_conversion_comparison_is_the_two_proportion_test() -> None:
    report = _report()
    conversion = report.comparison("conversion_rate", "treatment")
    expected = stats.two_proportion_ztest(100, 1000, 130, 1000)
    assert (conversion.control_value, conversion.variant_value) == (0.1, 0.13)
    assert conversion.p_value == pytest.approx(expected.p_value) == pytest.approx(0.035485, abs=1e-5)
    assert conversion.significant
    assert conversion.relative_lift == pytest.approx(0.3)
    assert conversion.mde == pytest.approx(0.0375875, abs=1e-6)  # mde_proportion(0.1, 1000, 1000)
    assert conversion.unit_of_analysis.startswith("per unit")
    clicks = report.comparison("click_rate", "treatment")
    assert clicks.difference == 0 and clicks.p_value == 1.0 and not clicks.significant


def test_revenue_and_ctr_comparisons() -> None:
    report = _report()
    revenue = report.comparison("revenue_per_unit", "treatment")
    control = np.array([40.0] * 100 + [0.0] * 900)
    treatment = np.array([40.0] * 130 + [0.0] * 870)
    reference = sps.ttest_ind(treatment, control, equal_var=False)
    assert (revenue.control_value, revenue.variant_value) == (4.0, 5.2)
    assert revenue.p_value == pytest.approx(reference.pvalue)
    assert revenue.bootstrap_ci_low is not None and revenue.bootstrap_ci_high is not None
    assert revenue.bootstrap_ci_low < 1.2 < revenue.bootstrap_ci_high
    assert revenue.mde == pytest.approx(stats.mde_mean(control.std(ddof=1), control.std(ddof=1), 1000, 1000))
    ctr = report.comparison("ctr", "treatment")
    assert (ctr.control_value, ctr.variant_value, ctr.p_value) == (0.3, 0.3, 1.0)
    assert ctr.unit_of_analysis.startswith("per impression")


def test_variant_summaries_and_sample_ratio() -> None:
    report = _report(control_units=1000, treatment_units=1000)
    control, treatment = report.variants
    assert (control.units, control.conversions, control.revenue, control.clicks) == (1000, 100, 4000.0, 300)
    assert treatment.metrics == {
        "conversion_rate": 0.13,
        "click_rate": 0.3,
        "ctr": 0.3,
        "revenue_per_unit": 5.2,
    }
    assert report.sample_ratio.p_value == 1.0 and not report.sample_ratio.mismatch
    assert report.units == 2000 and report.exposures == 2000 and report.warnings == []


def test_sample_ratio_mismatch_warns() -> None:
    report = _report(control_units=1000, treatment_units=1200)  # chi2 = 200**2/1100 * ... p ~ 2e-5
    assert report.sample_ratio.observed == {"control": 1000, "treatment": 1200}
    assert report.sample_ratio.p_value == pytest.approx(sps.chisquare([1000, 1200]).pvalue)
    assert report.sample_ratio.mismatch
    assert any(w.startswith("sample ratio mismatch") for w in report.warnings)
    assert not _report(control_units=1000, treatment_units=1060).sample_ratio.mismatch  # p ~ 0.19


def test_report_is_deterministic_for_a_seed() -> None:
    assert _report(seed=3) == _report(seed=3)
    a = _report(seed=3).comparison("revenue_per_unit", "treatment")
    b = _report(seed=4).comparison("revenue_per_unit", "treatment")
    assert a.bootstrap_ci_low != b.bootstrap_ci_low


def test_missing_outcomes_mixed_units_and_too_few_units() -> None:
    experiment = _experiment()
    exposures = [
        Exposure(experiment="exp", variant="control", unit_id="a", request_id="1", timestamp=T0),
        Exposure(
            experiment="exp", variant="treatment", unit_id="a", request_id="2", timestamp=T0 + timedelta(1)
        ),
        Exposure(experiment="exp", variant="treatment", unit_id="b", request_id="3", timestamp=T0),
        Exposure(experiment="exp", variant="ghost", unit_id="c", request_id="4", timestamp=T0),
    ]
    stray = UnitOutcome(unit_id="zz", variant="control", first_exposure=T0)
    report = analyze_experiment(experiment, exposures, [stray])
    assert [v.units for v in report.variants] == [1, 1]
    assert report.variants[0].impressions == 2  # unit a's two requests, with no outcome given
    assert report.comparisons == []
    text = " | ".join(report.warnings)
    for expected in ("more than one variant", "does not define", "without an exposure", "too few units"):
        assert expected in text


def test_format_report_lists_comparisons_and_warnings() -> None:
    text = format_report(_report(control_units=1000, treatment_units=1200))
    assert "experiment exp (unit: user, control: control): 2200 units" in text
    assert "conversion_rate" in text and "bootstrap [" in text
    assert "warning: sample ratio mismatch" in text


def _event(kind: str, user: str, minutes: int, **fields: object) -> Event:
    return Event(
        event_id=f"{user}-{kind}-{minutes}",
        type=kind,  # type: ignore[arg-type]
        user_id=user,
        product_id="p1",
        timestamp=T0 + timedelta(minutes=minutes),
        **fields,  # type: ignore[arg-type]
    )


def test_experiments_entry_point(tmp_path: Path) -> None:
    fusion = Experiment(
        name="fusion",
        salt="s1",
        surfaces=("search",),
        variants=(
            Variant(name="rrf", share=0.5),
            Variant(name="weighted", share=0.5, settings={"fusion": "weighted"}),
        ),
    )
    session_exp = Experiment(
        name="rerank",
        salt="s2",
        unit="session",
        end=T0 + timedelta(days=1),
        variants=(Variant(name="on", share=0.5, settings={"fusion": "rrf"}), Variant(name="off", share=0.5)),
    )
    ExperimentRegistry([fusion, session_exp]).save(tmp_path / "experiments.json")
    experiments = Experiments.open(tmp_path)
    try:
        # buckets: fusion/u1 0.778 -> weighted; rerank/s0 0.156 -> on, which also sets fusion
        decision = experiments.expose(surface="search", request_id="r1", at=T0, user_id="u1", session_id="s0")
        assert [(a.experiment, a.variant) for a in decision.assignments] == [
            ("fusion", "weighted"),
            ("rerank", "on"),
        ]
        assert decision.assignments[0] == experiments.assign("fusion", "u1") == assign(fusion, "u1")
        assert decision.overrides() == {"fusion": "weighted"} and decision.conflicts == ("fusion",)
        again = experiments.expose(surface="search", request_id="r1", at=T0, user_id="u1", session_id="s0")
        assert again == decision and experiments.log.count("fusion") == 1  # a retried request: one exposure
        assert experiments.expose(surface="search", request_id="r2", at=T0, session_id="s8").assignments[
            0
        ].experiment == ("rerank")  # anonymous: not in the user experiment
        assert [
            a.experiment
            for a in experiments.expose(surface="recommend", request_id="r3", at=T0, user_id="u1").assignments
        ] == []
        late = experiments.expose(surface="search", request_id="r4", at=T0 + timedelta(days=2), user_id="u2")
        assert [a.experiment for a in late.assignments] == ["fusion"]  # rerank has ended
        events = [_event("click", "u1", 1, request_id="r1"), _event("purchase", "u1", 2, price=12.5)]
        report = experiments.report("fusion", events)
        assert report.units == 2 and report.exposures == 2
        summary = {v.name: v for v in report.variants}[decision.assignments[0].variant]
        assert (summary.clicks, summary.revenue, summary.clicked_impressions) == (1, 12.5, 1)
    finally:
        experiments.close()
    assert Experiments.open(tmp_path).log.count() == 4  # durable: fusion r1, r4; rerank r1, r2


def test_merge_settings_first_wins() -> None:
    a = Assignment("a", "x", "u1", {"fusion": "weighted", "rerank": False})
    b = Assignment("b", "y", "u1", {"fusion": "rrf", "k": 3})
    merged, conflicts = merge_settings([a, b])
    assert merged == {"fusion": "weighted", "rerank": False, "k": 3} and conflicts == ("fusion",)


def test_memory_log_entry_point() -> None:
    registry = ExperimentRegistry([_experiment()])
    experiments = Experiments(registry, MemoryExposureLog())
    for i in range(200):
        experiments.expose(surface="search", request_id=f"r{i}", at=T0, user_id=f"u{i}")
    report = experiments.report("exp", [])
    assert report.units == 200 and report.sample_ratio.p_value > 0.001
    assert {v.name: v.units for v in report.variants} == {
        name: sum(1 for i in range(200) if assign(_experiment(), f"u{i}").variant == name)
        for name in ("control", "treatment")
    }

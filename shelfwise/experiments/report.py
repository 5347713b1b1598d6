"""`analyze_experiment`: per-variant metrics and each variant's comparison with the control.

Metrics and their unit of analysis (the randomised unit, user or session, is the independent
item everywhere; nothing treats impressions of one shopper as independent trials):

- `conversion_rate`: share of exposed units with at least one purchase; two-proportion z-test.
- `click_rate`: share of exposed units with at least one click; two-proportion z-test.
- `ctr`: clicked impressions / impressions (a ratio of per-unit sums); z-test with the
  delta-method variance over units.
- `revenue_per_unit`: mean revenue over exposed units (zeros included); Welch's t-test, plus a
  seeded percentile-bootstrap CI because revenue is heavy tailed with many zeros.

Each comparison carries the minimal detectable effect (absolute, two-sided, at `alpha` and
`power`) for the traffic observed, at the control's level. The units per variant are tested
against the configured shares (sample-ratio mismatch); p < 0.001 adds a warning.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.experiments import stats
from shelfwise.experiments.definitions import Experiment
from shelfwise.experiments.exposure import Exposure
from shelfwise.experiments.outcomes import UnitOutcome

SRM_ALARM = 0.001
METRICS: dict[str, str] = {
    "conversion_rate": "per unit: share of exposed units with a purchase",
    "click_rate": "per unit: share of exposed units with a click",
    "ctr": "per impression: clicked impressions / impressions, delta-method variance over units",
    "revenue_per_unit": "per unit: mean purchase revenue over exposed units, zeros included",
}


class VariantSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    expected_share: float
    observed_share: float
    units: int
    impressions: int
    clicked_impressions: int
    clicks: int
    conversions: int = Field(description="units with at least one purchase")
    purchases: int
    revenue: float
    metrics: dict[str, float | None] = Field(description="metric name -> value; None without units")


class Comparison(BaseModel):
    """One metric of one variant against the control: difference = variant - control."""

    model_config = ConfigDict(frozen=True)

    metric: str
    unit_of_analysis: str
    method: str
    variant: str
    control_value: float
    variant_value: float
    difference: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    relative_lift: float | None = Field(description="difference / control value; None if that is 0")
    mde: float = Field(description="absolute minimal detectable effect for this traffic")
    bootstrap_ci_low: float | None = None
    bootstrap_ci_high: float | None = None


class SampleRatio(BaseModel):
    model_config = ConfigDict(frozen=True)

    observed: dict[str, int]
    expected: dict[str, float]
    statistic: float
    p_value: float
    mismatch: bool = Field(description=f"p < {SRM_ALARM}: the split is broken, distrust the results")


class ExperimentReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    experiment: str
    unit: str
    control: str
    alpha: float
    power: float
    units: int
    exposures: int
    variants: list[VariantSummary]
    comparisons: list[Comparison]
    sample_ratio: SampleRatio
    warnings: list[str] = Field(default_factory=list)

    def comparison(self, metric: str, variant: str) -> Comparison:
        for item in self.comparisons:
            if item.metric == metric and item.variant == variant:
                return item
        raise KeyError(f"no comparison of '{metric}' for variant '{variant}'")


class _Arrays:
    """Per-unit columns of one variant's outcomes."""

    def __init__(self, outcomes: Sequence[UnitOutcome]) -> None:
        self.n = len(outcomes)
        self.converted = np.array([o.converted for o in outcomes], dtype=np.float64)
        self.clicked = np.array([o.clicked for o in outcomes], dtype=np.float64)
        self.clicked_impressions = np.array([o.clicked_impressions for o in outcomes], dtype=np.float64)
        self.impressions = np.array([o.impressions for o in outcomes], dtype=np.float64)
        self.revenue = np.array([o.revenue for o in outcomes], dtype=np.float64)
        self.clicks = np.array([o.clicks for o in outcomes], dtype=np.float64)
        self.purchases = np.array([o.purchases for o in outcomes], dtype=np.float64)

    def metrics(self) -> dict[str, float | None]:
        if self.n == 0:
            return dict.fromkeys(METRICS)
        shown = self.impressions.sum()
        return {
            "conversion_rate": float(self.converted.mean()),
            "click_rate": float(self.clicked.mean()),
            "ctr": float(self.clicked_impressions.sum() / shown) if shown > 0 else None,
            "revenue_per_unit": float(self.revenue.mean()),
        }


@dataclass(frozen=True)
class _Exposed:
    variant: str
    first: datetime
    requests: int


def _exposed_units(
    experiment: Experiment, exposures: Iterable[Exposure]
) -> tuple[dict[str, _Exposed], int, int]:
    """unit id -> its first exposure's variant and time and its request count; (that, exposures
    counted, units seen in more than one variant)."""
    first: dict[str, Exposure] = {}
    requests: dict[str, int] = {}
    seen: dict[str, set[str]] = {}
    for exposure in sorted(
        (e for e in exposures if e.experiment == experiment.name), key=lambda e: e.timestamp
    ):
        first.setdefault(exposure.unit_id, exposure)
        requests[exposure.unit_id] = requests.get(exposure.unit_id, 0) + 1
        seen.setdefault(exposure.unit_id, set()).add(exposure.variant)
    units = {u: _Exposed(e.variant, e.timestamp, requests[u]) for u, e in first.items()}
    mixed = sum(1 for variants in seen.values() if len(variants) > 1)
    return units, sum(requests.values()), mixed


def _group(
    experiment: Experiment, units: dict[str, _Exposed], outcomes: Iterable[UnitOutcome]
) -> tuple[dict[str, list[UnitOutcome]], list[str]]:
    """Each exposed unit's outcome (zeros when it has none) under its first variant, and warnings."""
    by_unit = {outcome.unit_id: outcome for outcome in outcomes}
    groups: dict[str, list[UnitOutcome]] = {variant.name: [] for variant in experiment.variants}
    unknown = 0
    for unit_id, exposed in units.items():
        if exposed.variant not in groups:
            unknown += 1
            continue
        found = by_unit.get(unit_id)
        if found is None:
            found = UnitOutcome(
                unit_id=unit_id,
                variant=exposed.variant,
                first_exposure=exposed.first,
                impressions=exposed.requests,
            )
        groups[exposed.variant].append(found)
    warnings = []
    if unknown:
        warnings.append(f"{unknown} units were exposed to variants the experiment does not define; left out")
    strays = len(set(by_unit) - set(units))
    if strays:
        warnings.append(f"{strays} outcomes belong to units without an exposure; left out")
    return groups, warnings


def _sample_ratio(experiment: Experiment, groups: dict[str, list[UnitOutcome]]) -> SampleRatio:
    names = [variant.name for variant in experiment.variants]
    counts = [len(groups[name]) for name in names]
    test = stats.sample_ratio_mismatch(counts, [variant.share for variant in experiment.variants])
    return SampleRatio(
        observed=dict(zip(names, counts, strict=True)),
        expected=dict(zip(names, test.expected, strict=True)),
        statistic=test.statistic,
        p_value=test.p_value,
        mismatch=test.p_value < SRM_ALARM,
    )


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    alpha: float = Field(default=stats.ALPHA, gt=0, lt=1)
    power: float = Field(default=stats.POWER, gt=0, lt=1)
    seed: int = 0
    n_resamples: int = Field(default=2000, ge=100)


def _comparison(
    metric: str, variant: str, test: stats.DifferenceTest, mde: float, alpha: float
) -> Comparison:
    return Comparison(
        metric=metric,
        unit_of_analysis=METRICS[metric],
        method=test.method,
        variant=variant,
        control_value=test.control,
        variant_value=test.treatment,
        difference=test.difference,
        ci_low=test.ci.low,
        ci_high=test.ci.high,
        p_value=test.p_value,
        significant=test.p_value < alpha,
        relative_lift=test.difference / test.control if test.control != 0 else None,
        mde=mde,
    )


def _compare(control: _Arrays, other: _Arrays, variant: str, settings: _Settings) -> list[Comparison]:
    alpha, power = settings.alpha, settings.power
    out = []
    for metric, column in (("conversion_rate", "converted"), ("click_rate", "clicked")):
        c, t = getattr(control, column), getattr(other, column)
        test = stats.two_proportion_ztest(int(c.sum()), control.n, int(t.sum()), other.n, alpha)
        mde = stats.mde_proportion(test.control, control.n, other.n, alpha, power)
        out.append(_comparison(metric, variant, test, mde, alpha))
    if control.impressions.sum() > 0 and other.impressions.sum() > 0:
        test = stats.ratio_difference_test(
            control.clicked_impressions,
            control.impressions,
            other.clicked_impressions,
            other.impressions,
            alpha,
        )
        out.append(
            _comparison("ctr", variant, test, stats.mde_from_se(test.standard_error, alpha, power), alpha)
        )
    test = stats.welch_ttest(control.revenue, other.revenue, alpha)
    sd = float(control.revenue.std(ddof=1))
    revenue = _comparison(
        "revenue_per_unit", variant, test, stats.mde_mean(sd, sd, control.n, other.n, alpha, power), alpha
    )
    boot = stats.bootstrap_difference_ci(
        control.revenue, other.revenue, settings.seed, settings.n_resamples, alpha
    )
    out.append(revenue.model_copy(update={"bootstrap_ci_low": boot.low, "bootstrap_ci_high": boot.high}))
    return out


def _summaries(experiment: Experiment, arrays: dict[str, _Arrays]) -> list[VariantSummary]:
    total = sum(a.n for a in arrays.values())
    out = []
    for variant in experiment.variants:
        a = arrays[variant.name]
        out.append(
            VariantSummary(
                name=variant.name,
                expected_share=variant.share,
                observed_share=a.n / total if total else 0.0,
                units=a.n,
                impressions=int(a.impressions.sum()),
                clicked_impressions=int(a.clicked_impressions.sum()),
                clicks=int(a.clicks.sum()),
                conversions=int(a.converted.sum()),
                purchases=int(a.purchases.sum()),
                revenue=float(a.revenue.sum()),
                metrics=a.metrics(),
            )
        )
    return out


def analyze_experiment(
    experiment: Experiment,
    exposures: Iterable[Exposure],
    outcomes: Iterable[UnitOutcome],
    *,
    alpha: float = stats.ALPHA,
    power: float = stats.POWER,
    seed: int = 0,
    n_resamples: int = 2000,
) -> ExperimentReport:
    """The report of one experiment. Units and their variants come from `exposures` (the first
    exposure decides); `outcomes` (from `build_unit_outcomes`) supply what they did. The first
    variant is the control. `seed` fixes the bootstrap, so the same inputs give the same report."""
    settings = _Settings(alpha=alpha, power=power, seed=seed, n_resamples=n_resamples)
    units, exposure_count, mixed = _exposed_units(experiment, exposures)
    groups, warnings = _group(experiment, units, outcomes)
    if mixed:
        warnings.append(f"{mixed} units were exposed to more than one variant; each counts under its first")
    unpriced = sum(o.unpriced_purchases for group in groups.values() for o in group)
    if unpriced:
        warnings.append(f"{unpriced} purchases had no price; revenue leaves them out")
    sample_ratio = _sample_ratio(experiment, groups)
    if sample_ratio.mismatch:
        warnings.append(
            f"sample ratio mismatch (p = {sample_ratio.p_value:.2g} < {SRM_ALARM}): units per variant "
            f"{sample_ratio.observed} differ from the configured shares; do not trust the comparisons"
        )
    arrays = {name: _Arrays(group) for name, group in groups.items()}
    control = arrays[experiment.control.name]
    comparisons: list[Comparison] = []
    for variant in experiment.variants[1:]:
        other = arrays[variant.name]
        if control.n < 2 or other.n < 2:
            warnings.append(
                f"'{variant.name}' vs '{experiment.control.name}': too few units to compare "
                f"({other.n} and {control.n}; at least 2 each)"
            )
            continue
        comparisons.extend(_compare(control, other, variant.name, settings))
    return ExperimentReport(
        experiment=experiment.name,
        unit=experiment.unit,
        control=experiment.control.name,
        alpha=alpha,
        power=power,
        units=sum(a.n for a in arrays.values()),
        exposures=exposure_count,
        variants=_summaries(experiment, arrays),
        comparisons=comparisons,
        sample_ratio=sample_ratio,
        warnings=warnings,
    )

"""Seeded A/A and A/B simulation of the experiment analysis (shelfwise.experiments).

Synthetic shoppers with known truth: each unit sees 1 + Poisson(4) result lists, clicks each with
its own propensity q ~ Beta(1, 4) (so a unit's impressions are correlated), converts with
probability 0.08, buys 1 + Poisson(0.3) baskets worth LogNormal(3.5, 1.2) each (heavy tailed,
most units 0). Units are assigned by the library's hash (a fresh salt per test), exposures and
per-unit outcomes go through `analyze_experiment`, exactly as the report does.

A/A tests (no true difference) count how often each metric comes out significant at 5% (should
be about 5%); A/B tests with a known true lift measure power, whether significant results have
the right sign, and how often the CIs cover the true difference. The naive per-impression CTR
z-test (impressions treated as independent) is shown beside the delta-method one.

    .venv/bin/python benchmarks/ab_simulation.py --aa 400 --ab 200 --units 6000 --seed 20261202
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime

import numpy as np

from shelfwise.experiments import (
    Experiment,
    Exposure,
    UnitOutcome,
    Variant,
    analyze_experiment,
    assign,
    stats,
)

T0 = datetime(2026, 12, 2, tzinfo=UTC)
METRIC_NAMES = ("conversion_rate", "click_rate", "ctr", "revenue_per_unit")


@dataclass(frozen=True)
class World:
    """The true behaviour of one variant's shoppers."""

    conversion: float = 0.08
    click_a: float = 1.0
    click_b: float = 4.0
    click_scale: float = 1.0  # multiplies each unit's click propensity
    extra_impressions: float = 4.0
    extra_purchases: float = 0.3
    basket_mu: float = 3.5
    basket_sigma: float = 1.2

    def truth(self) -> dict[str, float]:
        """Expected value of the metrics with a short closed form (click_rate has none); the click
        propensity cap at 1 is ignored (Beta(1, 4) * 1.1 exceeds 1 with probability ~7e-5)."""
        mean_q = self.click_scale * self.click_a / (self.click_a + self.click_b)
        impressions = 1 + self.extra_impressions
        basket = math.exp(self.basket_mu + self.basket_sigma**2 / 2)
        return {
            "conversion_rate": self.conversion,
            "ctr": mean_q,
            "impressions": impressions,
            "revenue_per_unit": self.conversion * (1 + self.extra_purchases) * basket,
        }


def draw_outcomes(rng: np.random.Generator, units: list[str], variants: list[str], worlds: dict[str, World]):
    """One UnitOutcome and one Exposure per unit (its first request), drawn from its variant's world."""
    outcomes, exposures = [], []
    for unit, variant in zip(units, variants, strict=True):
        world = worlds[variant]
        shown = 1 + int(rng.poisson(world.extra_impressions))
        q = min(1.0, world.click_scale * rng.beta(world.click_a, world.click_b))
        clicked = int(rng.binomial(shown, q))
        purchases = (1 + int(rng.poisson(world.extra_purchases))) if rng.random() < world.conversion else 0
        revenue = float(rng.lognormal(world.basket_mu, world.basket_sigma, size=purchases).sum())
        exposures.append(
            Exposure(experiment="sim", variant=variant, unit_id=unit, request_id=unit, timestamp=T0)
        )
        outcomes.append(
            UnitOutcome(
                unit_id=unit,
                variant=variant,
                first_exposure=T0,
                impressions=shown,
                clicked_impressions=clicked,
                clicks=clicked,
                purchases=purchases,
                revenue=revenue,
            )
        )
    return exposures, outcomes


@dataclass(frozen=True)
class TestResult:
    p_values: dict[str, float]
    differences: dict[str, float]
    covered: dict[str, bool]
    bootstrap_significant: bool
    bootstrap_covered: bool
    naive_ctr_p: float
    srm_p: float


def run_test(
    index: int, n_units: int, control: World, treatment: World, seed: int, resamples: int
) -> TestResult:
    experiment = Experiment(
        name="sim",
        salt=f"sim-{seed}-{index}",
        variants=(Variant(name="A", share=0.5), Variant(name="B", share=0.5)),
    )
    units = [f"unit-{index}-{i}" for i in range(n_units)]
    variants = [assign(experiment, unit).variant for unit in units]
    rng = np.random.default_rng([seed, index])
    exposures, outcomes = draw_outcomes(rng, units, variants, {"A": control, "B": treatment})
    report = analyze_experiment(experiment, exposures, outcomes, seed=index, n_resamples=resamples)
    truth_a, truth_b = control.truth(), treatment.truth()
    true_difference = {m: truth_b[m] - truth_a[m] for m in ("conversion_rate", "ctr", "revenue_per_unit")}
    items = {item.metric: item for item in report.comparisons}
    revenue = items["revenue_per_unit"]
    assert revenue.bootstrap_ci_low is not None and revenue.bootstrap_ci_high is not None
    a = [o for o in outcomes if o.variant == "A"]
    b = [o for o in outcomes if o.variant == "B"]
    naive = stats.two_proportion_ztest(
        sum(o.clicked_impressions for o in a),
        sum(o.impressions for o in a),
        sum(o.clicked_impressions for o in b),
        sum(o.impressions for o in b),
    )
    return TestResult(
        p_values={m: items[m].p_value for m in METRIC_NAMES},
        differences={m: items[m].difference for m in METRIC_NAMES},
        covered={m: items[m].ci_low <= d <= items[m].ci_high for m, d in true_difference.items()},
        bootstrap_significant=not (revenue.bootstrap_ci_low <= 0 <= revenue.bootstrap_ci_high),
        bootstrap_covered=revenue.bootstrap_ci_low
        <= true_difference["revenue_per_unit"]
        <= revenue.bootstrap_ci_high,
        naive_ctr_p=naive.p_value,
        srm_p=report.sample_ratio.p_value,
    )


def _rate(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def summarize_aa(results: list[TestResult]) -> dict[str, float]:
    out = {f"{m} significant": _rate([r.p_values[m] < 0.05 for r in results]) for m in METRIC_NAMES}
    out["revenue bootstrap CI excludes 0"] = _rate([r.bootstrap_significant for r in results])
    out["ctr naive impression z-test significant"] = _rate([r.naive_ctr_p < 0.05 for r in results])
    out["SRM alarm (p < 0.001)"] = _rate([r.srm_p < 0.001 for r in results])
    out["SRM p < 0.05"] = _rate([r.srm_p < 0.05 for r in results])
    return out


def summarize_ab(results: list[TestResult]) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in ("conversion_rate", "ctr", "revenue_per_unit"):
        significant = [r for r in results if r.p_values[m] < 0.05]
        out[f"{m} power"] = len(significant) / len(results) if results else float("nan")
        out[f"{m} significant with the right sign"] = _rate([r.differences[m] > 0 for r in significant])
        out[f"{m} CI covers the true lift"] = _rate([r.covered[m] for r in results])
    out["revenue bootstrap power"] = _rate([r.bootstrap_significant for r in results])
    out["revenue bootstrap CI covers the true lift"] = _rate([r.bootstrap_covered for r in results])
    return out


def _print(title: str, figures: dict[str, float]) -> None:
    print(title)
    for name, value in figures.items():
        print(f"  {name:<48} {value:6.1%}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aa", type=int, default=400, help="A/A tests")
    parser.add_argument("--ab", type=int, default=200, help="A/B tests")
    parser.add_argument("--units", type=int, default=6000, help="units per test (both variants)")
    parser.add_argument(
        "--conversion-lift", type=float, default=0.25, help="true relative conversion lift of B"
    )
    parser.add_argument(
        "--click-lift", type=float, default=0.10, help="true relative click propensity lift of B"
    )
    parser.add_argument("--resamples", type=int, default=1000, help="bootstrap resamples per test")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--json", default="", help="also write the figures to this file")
    args = parser.parse_args()
    start = time.perf_counter()
    world = World()
    lifted = replace(
        world, conversion=world.conversion * (1 + args.conversion_lift), click_scale=1 + args.click_lift
    )
    aa = [run_test(i, args.units, world, world, args.seed, args.resamples) for i in range(args.aa)]
    ab = [run_test(args.aa + i, args.units, world, lifted, args.seed, args.resamples) for i in range(args.ab)]
    figures = {"A/A": summarize_aa(aa), "A/B": summarize_ab(ab)}
    truth = {"A": world.truth(), "B": lifted.truth()}
    print(f"{args.aa} A/A and {args.ab} A/B tests, {args.units} units each, seed {args.seed}")
    print(f"truth A {truth['A']}\ntruth B {truth['B']}")
    _print("A/A (no true difference): share significant at 5%", figures["A/A"])
    _print(
        f"A/B (conversion +{args.conversion_lift:.0%}, click propensity +{args.click_lift:.0%})",
        figures["A/B"],
    )
    elapsed = time.perf_counter() - start
    print(f"{elapsed:.1f} s")
    if args.json:
        document = {
            "args": vars(args),
            "truth": truth,
            "figures": figures,
            "seconds": elapsed,
            "world": asdict(world),
        }
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump(document, out, indent=2)


if __name__ == "__main__":
    main()

"""Seeded A/A and A/B tests of the experiment library with shoppers in the closed loop.

The shoppers of `simulate_closed_loop` (hidden tastes, a known click and purchase model) are
served by reference rankers through the real `Experiments` (hash assignment, exposures recorded
per request in a `MemoryExposureLog`, `RankerBySetting` serving each request by its variant's
`ranker` setting); each test's report is `Experiments.report` over the run's events, i.e.
`build_unit_outcomes` and `analyze_experiment` exactly as the CLI would run them.

A/A (`--aa` tests): both variants serve the good reference ranker (`TextMatchRanker`). Since
nothing a shopper sees depends on the assignment, `--worlds` worlds are simulated (the first test
of each with its experiment in the loop) and every further test of a world re-assigns the same
requests under a fresh experiment salt: each of the world's requests is exposed again (same
request id, time, user and session) to a new `Experiments`, then reported on the world's events.
That is what running the loop again with that salt would give, at a fraction of the time (the
script checks it on each world's first salt). Tests of one world share their shoppers, so they
are re-randomisations of the same population rather than independent worlds.

A/B (`--ab` tests): control serves `ShuffledRanker` (a random page of the good ranker's top 30,
in random order), the treatment the good ranker; each test is a fresh simulation (its own seed,
so other shoppers) with a fresh salt. Reported: the share of tests where each metric is
significant at 5% (power) and, of those, the share with the right sign (treatment better).

The unit is a signed-in user (`--unit user`, the default; anonymous shoppers are not assigned and
get the control's ranker) or a visit (`--unit session`).

    .venv/bin/python benchmarks/ab_closed_loop.py --aa 200 --worlds 4 --ab 20 --shoppers 4000 \
        --days 30 --seed 20261203
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence

from shelfwise.demo import generate_demo_catalog
from shelfwise.experiments import (
    METRICS,
    Experiment,
    ExperimentRegistry,
    ExperimentReport,
    Experiments,
    MemoryExposureLog,
    Variant,
)
from shelfwise.records import Product
from shelfwise.simulate.loop import (
    ClosedLoopResult,
    ClosedLoopSimulation,
    RankerBySetting,
    ShuffledRanker,
    TextMatchRanker,
    shop_catalog,
    simulate_closed_loop,
)


def experiment(salt: str, unit: str, control: str, treatment: str) -> Experiment:
    return Experiment(
        name="ranking",
        unit=unit,  # type: ignore[arg-type]
        salt=salt,
        variants=(
            Variant(name="A", share=0.5, settings={"ranker": control}),
            Variant(name="B", share=0.5, settings={"ranker": treatment}),
        ),
    )


def run_world(
    products: Sequence[Product], config: ClosedLoopSimulation, definition: Experiment
) -> tuple[ClosedLoopResult, Experiments]:
    """One closed-loop simulation with `definition` running on every surface."""
    good = TextMatchRanker(shop_catalog(products, config))
    ranker = RankerBySetting({"good": good, "shuffled": ShuffledRanker(good, depth=30)}, default="shuffled")
    experiments = Experiments(ExperimentRegistry([definition]), MemoryExposureLog())
    return simulate_closed_loop(products, config, ranker, experiments), experiments


def reexpose(world: ClosedLoopResult, definition: Experiment) -> Experiments:
    """The world's requests exposed to `definition` again, as serving them would have done."""
    experiments = Experiments(ExperimentRegistry([definition]), MemoryExposureLog())
    for impression in world.impressions:
        experiments.expose(
            surface=impression.surface,
            request_id=impression.request_id,
            at=impression.timestamp,
            user_id=impression.user_id,
            session_id=impression.session_id,
        )
    return experiments


def outcome(report: ExperimentReport) -> dict[str, object]:
    items = {c.metric: c for c in report.comparisons}
    revenue = items["revenue_per_unit"]
    assert revenue.bootstrap_ci_low is not None and revenue.bootstrap_ci_high is not None
    return {
        "p": {m: items[m].p_value for m in METRICS},
        "difference": {m: items[m].difference for m in METRICS},
        "relative_lift": {m: items[m].relative_lift for m in METRICS},
        "control": {m: items[m].control_value for m in METRICS},
        "bootstrap_excludes_0": not (revenue.bootstrap_ci_low <= 0 <= revenue.bootstrap_ci_high),
        "srm_p": report.sample_ratio.p_value,
        "units": report.units,
    }


def _share(flags: list[bool]) -> float | None:
    return round(sum(flags) / len(flags), 4) if flags else None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def summarize_aa(results: list[dict]) -> dict[str, object]:
    out: dict[str, object] = {
        f"{m} significant": _share([r["p"][m] < 0.05 for r in results]) for m in METRICS
    }
    out["revenue bootstrap CI excludes 0"] = _share([r["bootstrap_excludes_0"] for r in results])
    out["SRM alarm (p < 0.001)"] = _share([r["srm_p"] < 0.001 for r in results])
    out["SRM p < 0.05"] = _share([r["srm_p"] < 0.05 for r in results])
    out["units per test"] = _mean([r["units"] for r in results])
    return out


def summarize_ab(results: list[dict]) -> dict[str, object]:
    out: dict[str, object] = {}
    for m in METRICS:
        significant = [r for r in results if r["p"][m] < 0.05]
        out[f"{m} power"] = _share([r["p"][m] < 0.05 for r in results])
        out[f"{m} significant with the right sign"] = _share([r["difference"][m] > 0 for r in significant])
        out[f"{m} control mean"] = _mean([r["control"][m] for r in results])
        out[f"{m} mean relative lift"] = _mean(
            [r["relative_lift"][m] for r in results if r["relative_lift"][m]]
        )
    out["revenue bootstrap power"] = _share([r["bootstrap_excludes_0"] for r in results])
    out["SRM alarm (p < 0.001)"] = _share([r["srm_p"] < 0.001 for r in results])
    out["units per test"] = _mean([r["units"] for r in results])
    return out


def aa_tests(products: Sequence[Product], args: argparse.Namespace) -> list[dict]:
    results: list[dict] = []
    per_world = -(-args.aa // args.worlds)
    for w in range(args.worlds):
        config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.days, seed=args.seed + w)
        for k in range(min(per_world, args.aa - len(results))):
            definition = experiment(f"aa-{args.seed}-{w}-{k}", args.unit, "good", "good")
            if k == 0:
                world, experiments = run_world(products, config, definition)
                again = reexpose(world, definition).log.exposures("ranking")
                assert again == experiments.log.exposures("ranking"), "re-exposure differs from serving"
            else:
                experiments = reexpose(world, definition)
            results.append(outcome(experiments.report("ranking", world.events, seed=len(results))))
    return results


def ab_tests(products: Sequence[Product], args: argparse.Namespace) -> list[dict]:
    results = []
    for i in range(args.ab):
        config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.days, seed=args.seed + 1000 + i)
        definition = experiment(f"ab-{args.seed}-{i}", args.unit, "shuffled", "good")
        world, experiments = run_world(products, config, definition)
        results.append(outcome(experiments.report("ranking", world.events, seed=i)))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--aa", type=int, default=200, help="A/A tests")
    parser.add_argument("--worlds", type=int, default=4, help="simulated worlds the A/A tests re-assign")
    parser.add_argument("--ab", type=int, default=20, help="A/B tests, a fresh simulation each")
    parser.add_argument("--shoppers", type=int, default=4000, help="shoppers per simulation")
    parser.add_argument("--days", type=int, default=30, help="days per simulation")
    parser.add_argument("--products", type=int, default=6000, help="demo catalog size")
    parser.add_argument("--unit", choices=("user", "session"), default="user")
    parser.add_argument("--seed", type=int, default=20261203)
    parser.add_argument("--json", default="", help="also write the summary to this file")
    args = parser.parse_args()
    if args.worlds < 1 or args.worlds > max(1, args.aa):
        parser.error("--worlds must be between 1 and --aa")
    start = time.perf_counter()
    products = generate_demo_catalog(args.products, seed=args.seed % 1000)
    aa = aa_tests(products, args) if args.aa else []
    aa_seconds = time.perf_counter() - start
    ab = ab_tests(products, args) if args.ab else []
    summary = {
        "command": vars(args),
        "A/A (both variants the good ranker): share significant at 5%": summarize_aa(aa),
        "A/B (control shuffled, treatment good)": summarize_ab(ab),
        "seconds": {"A/A": round(aa_seconds, 1), "total": round(time.perf_counter() - start, 1)},
    }
    text = json.dumps(summary, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            out.write(text + "\n")


if __name__ == "__main__":
    main()

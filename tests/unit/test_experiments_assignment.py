"""Hash assignment: pinned values, uniformity, configured shares, stability across processes."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from shelfwise.experiments import Experiment, ExperimentRegistry, Variant, assign, bucket
from shelfwise.experiments.assignment import variant_index


def _experiment(
    name: str = "fusion-test", shares: tuple[float, ...] = (0.5, 0.5), salt: str = "s1"
) -> Experiment:
    variants = tuple(Variant(name=f"v{i}", share=s, settings={"arm": i}) for i, s in enumerate(shares))
    return Experiment(name=name, salt=salt, variants=variants)


def test_bucket_values_are_pinned() -> None:
    # sha256("s1\nfusion-test\nu1") starts 9f4974f121afc837; its top 53 bits / 2**53:
    assert bucket("s1", "fusion-test", "u1") == 5604410988443129 / 2**53 == 0.6222146118831794
    assert bucket("s1", "fusion-test", "u2") == 0.7551759818364062
    assert bucket("s1", "fusion-test", "alice") == 0.796744051119719


def test_salt_name_and_unit_all_matter() -> None:
    base = bucket("s1", "fusion-test", "u1")
    assert bucket("s2", "fusion-test", "u1") != base
    assert bucket("s1", "fusion-test2", "u1") != base
    # the joined text would be ambiguous with a newline inside salt or name: both are validated
    assert bucket("a\nb", "c", "u1") == bucket("a", "b\nc", "u1")
    with pytest.raises(ValueError, match="newline"):
        _experiment(salt="a\nb")
    with pytest.raises(ValueError, match="pattern"):
        _experiment(name="b\nc")


def test_buckets_are_uniform_on_100k_ids() -> None:
    values = np.array([bucket("salt", "exp", f"user-{i}") for i in range(100_000)])
    assert values.min() >= 0 and values.max() < 1
    counts = np.histogram(values, bins=100, range=(0, 1))[0]
    result = sps.chisquare(counts)  # uniform expectation: 1,000 per bin
    assert result.pvalue > 0.001, result
    assert sps.kstest(values, "uniform").pvalue > 0.001


def test_assignment_follows_configured_shares() -> None:
    experiment = _experiment(shares=(0.2, 0.3, 0.5))
    counts = Counter(assign(experiment, f"user-{i}").variant for i in range(100_000))
    observed = [counts[f"v{i}"] for i in range(3)]
    assert sps.chisquare(observed, f_exp=[20_000, 30_000, 50_000]).pvalue > 0.001, observed
    assert abs(observed[0] / 100_000 - 0.2) < 0.01


def test_variant_index_boundaries() -> None:
    experiment = _experiment(shares=(0.25, 0.25, 0.5))
    assert [variant_index(experiment, x) for x in (0.0, 0.2499, 0.25, 0.4999, 0.5, 0.9999999999)] == [
        0,
        0,
        1,
        1,
        2,
        2,
    ]
    thirds = _experiment(shares=(1 / 3, 1 / 3, 1 / 3))
    assert variant_index(thirds, 1 - 2**-53) == 2  # cumulative float sums never leave a gap at the top


def test_assignment_carries_the_variants_settings() -> None:
    result = assign(_experiment(), "u1")  # bucket 0.622 -> second half
    assert (result.experiment, result.variant, result.unit_id, result.settings) == (
        "fusion-test",
        "v1",
        "u1",
        {"arm": 1},
    )
    with pytest.raises(ValueError, match="unit_id"):
        assign(_experiment(), "")


def test_units_keep_their_variant_when_another_experiment_is_added(tmp_path: Path) -> None:
    path = tmp_path / "experiments.json"
    ExperimentRegistry([_experiment("a")]).save(path)
    units = [f"user-{i}" for i in range(2000)]
    before = [assign(ExperimentRegistry.load(path).get("a"), u).variant for u in units]
    registry = ExperimentRegistry.load(path)
    registry.add(_experiment("b", shares=(0.1, 0.9)))
    registry.save(path)
    after = [assign(ExperimentRegistry.load(path).get("a"), u).variant for u in units]
    assert after == before


def test_assignments_of_two_experiments_are_independent() -> None:
    a, b = _experiment("a"), _experiment("b")
    table = np.zeros((2, 2))
    for i in range(20_000):
        unit = f"user-{i}"
        table[int(assign(a, unit).variant[1]), int(assign(b, unit).variant[1])] += 1
    assert sps.chi2_contingency(table, correction=False).pvalue > 0.001, table


def test_assignment_is_the_same_in_another_process() -> None:
    code = (
        "from shelfwise.experiments import bucket\n"
        "print(' '.join(repr(bucket('s1', 'fusion-test', f'user-{i}')) for i in range(50)))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    here = " ".join(repr(bucket("s1", "fusion-test", f"user-{i}")) for i in range(50))
    assert out.stdout.strip() == here

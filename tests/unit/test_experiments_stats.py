"""Statistics against scipy and hand-computed answers."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from shelfwise.experiments import stats


def test_two_proportion_ztest_hand_computed() -> None:
    # 100/1000 vs 130/1000: pooled p 0.115, se0 = sqrt(0.115 * 0.885 * 0.002) = 0.0142671, z = 2.10274;
    # unpooled se = sqrt(0.09/1000 + 0.1131/1000) = 0.0142513, CI = 0.03 -+ 1.959964 * se
    test = stats.two_proportion_ztest(100, 1000, 130, 1000)
    assert test.control == 0.1 and test.treatment == 0.13
    assert test.difference == pytest.approx(0.03)
    assert test.statistic == pytest.approx(2.10274, abs=1e-5)
    assert test.p_value == pytest.approx(0.035485, abs=1e-5)
    assert test.standard_error == pytest.approx(0.0142513, abs=1e-7)
    assert test.ci.low == pytest.approx(0.0020678, abs=1e-6)
    assert test.ci.high == pytest.approx(0.0579322, abs=1e-6)


def test_two_proportion_ztest_matches_scipy_chi_square() -> None:
    table = np.array([[37, 1200 - 37], [61, 1300 - 61]])
    chi2, p, _, _ = sps.chi2_contingency(table, correction=False)
    test = stats.two_proportion_ztest(37, 1200, 61, 1300)
    assert test.statistic**2 == pytest.approx(chi2)
    assert test.p_value == pytest.approx(p)


def test_two_proportion_edge_cases() -> None:
    same = stats.two_proportion_ztest(0, 50, 0, 60)
    assert (same.p_value, same.statistic, same.ci.low, same.ci.high) == (1.0, 0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="at least one trial"):
        stats.two_proportion_ztest(0, 0, 1, 2)
    with pytest.raises(ValueError, match="between 0"):
        stats.two_proportion_ztest(5, 4, 1, 2)


def test_welch_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    control = rng.lognormal(1.0, 1.2, size=300) * (rng.random(300) < 0.1)
    treatment = rng.lognormal(1.1, 1.2, size=280) * (rng.random(280) < 0.12)
    test = stats.welch_ttest(control, treatment)
    reference = sps.ttest_ind(treatment, control, equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert test.statistic == pytest.approx(reference.statistic)
    assert test.p_value == pytest.approx(reference.pvalue)
    assert (test.ci.low, test.ci.high) == pytest.approx((interval.low, interval.high))
    assert test.difference == pytest.approx(treatment.mean() - control.mean())


def test_welch_constant_samples() -> None:
    assert stats.welch_ttest([0, 0, 0], [0, 0]).p_value == 1.0
    differ = stats.welch_ttest([1, 1], [2, 2])
    assert differ.p_value == 0.0 and differ.ci.low == differ.ci.high == 1.0
    with pytest.raises(ValueError, match="at least 2"):
        stats.welch_ttest([1.0], [1.0, 2.0])


def test_bootstrap_is_seeded_and_close_to_scipy() -> None:
    rng = np.random.default_rng(3)
    control = rng.lognormal(2.0, 1.0, size=400) * (rng.random(400) < 0.3)
    treatment = rng.lognormal(2.0, 1.0, size=400) * (rng.random(400) < 0.4)
    ours = stats.bootstrap_difference_ci(control, treatment, seed=11, n_resamples=4000)
    assert ours == stats.bootstrap_difference_ci(control, treatment, seed=11, n_resamples=4000)
    assert ours != stats.bootstrap_difference_ci(control, treatment, seed=12, n_resamples=4000)
    reference = sps.bootstrap(
        (control, treatment),
        lambda c, t, axis: t.mean(axis=axis) - c.mean(axis=axis),
        method="percentile",
        n_resamples=4000,
        rng=np.random.default_rng(5),
    ).confidence_interval
    width = reference.high - reference.low
    # two seeded Monte Carlo estimates of the same quantiles: within a few percent of the width
    assert ours.low == pytest.approx(reference.low, abs=0.05 * width)
    assert ours.high == pytest.approx(reference.high, abs=0.05 * width)


def test_bootstrap_constant_and_chunked() -> None:
    interval = stats.bootstrap_difference_ci([2.0, 2.0, 2.0], [5.0, 5.0], seed=0, n_resamples=100)
    assert (interval.low, interval.high) == (3.0, 3.0)
    rng = np.random.default_rng(1)
    big_c, big_t = rng.normal(0, 1, 250_000), rng.normal(0.1, 1, 250_000)  # 16 resamples per chunk
    big = stats.bootstrap_difference_ci(big_c, big_t, seed=0, n_resamples=100)
    welch = stats.welch_ttest(big_c, big_t)
    assert big.low == pytest.approx(welch.ci.low, abs=0.002) and big.high == pytest.approx(
        welch.ci.high, abs=0.002
    )
    with pytest.raises(ValueError, match="at least 100"):
        stats.bootstrap_difference_ci([1, 2], [1, 2], seed=0, n_resamples=10)


def test_ratio_delta_method_hand_computed() -> None:
    # num (1, 0, 2), den (1, 1, 2): R = 1 / (4/3) = 0.75; var(num) = 1, var(den) = 1/3, cov = 1/2
    # var(R) = (1 - 2 * 0.75 * 0.5 + 0.75**2 / 3) / (3 * (4/3)**2) = 0.08203125
    num, den = [1, 0, 2], [1, 1, 2]
    test = stats.ratio_difference_test(num, den, num, den)
    assert test.control == test.treatment == 0.75
    assert test.standard_error == pytest.approx(math.sqrt(2 * 0.08203125))
    assert test.p_value == 1.0


def test_ratio_with_one_impression_per_unit_is_a_proportion() -> None:
    rng = np.random.default_rng(0)
    clicks_c, clicks_t = (rng.random(500) < 0.2).astype(float), (rng.random(600) < 0.25).astype(float)
    ratio = stats.ratio_difference_test(clicks_c, np.ones(500), clicks_t, np.ones(600))
    plain = stats.two_proportion_ztest(int(clicks_c.sum()), 500, int(clicks_t.sum()), 600)
    assert ratio.difference == pytest.approx(plain.difference)
    # the delta variance uses ddof=1 where the Wald one uses n: se ratio = sqrt(n / (n - 1)) per group
    p_c, p_t = plain.control, plain.treatment
    expected = math.sqrt(p_c * (1 - p_c) / 499 + p_t * (1 - p_t) / 599)
    assert ratio.standard_error == pytest.approx(expected)


def test_ratio_counts_clustered_impressions_once() -> None:
    # each unit either clicks on all of its 10 impressions or none: 100 units are 100 trials, not 1000,
    # so the standard error is sqrt(10) times the naive one (times sqrt(n / (n - 1)) for ddof=1)
    clicks = np.array([10.0] * 20 + [0.0] * 80)
    shown = np.full(100, 10.0)
    ratio = stats.ratio_difference_test(clicks, shown, clicks, shown)
    naive = stats.two_proportion_ztest(200, 1000, 200, 1000)
    assert ratio.standard_error == pytest.approx(naive.standard_error * math.sqrt(10 * 100 / 99))
    with pytest.raises(ValueError, match="one value per unit"):
        stats.ratio_difference_test([1, 2], [1, 2, 3], [1, 2], [1, 2])


def test_sample_ratio_mismatch_against_scipy() -> None:
    # (5000 - 5100)**2 / 5100 * 2 = 3.92157, chi2(1).sf(3.92157) = 0.047670
    test = stats.sample_ratio_mismatch([5000, 5200], [0.5, 0.5])
    assert test.statistic == pytest.approx(3.921569, abs=1e-6)
    assert test.p_value == pytest.approx(0.047670, abs=1e-6)
    reference = sps.chisquare([2100, 2950, 4950], f_exp=[2000, 3000, 5000])
    uneven = stats.sample_ratio_mismatch([2100, 2950, 4950], [0.2, 0.3, 0.5])
    assert (uneven.statistic, uneven.p_value) == pytest.approx((reference.statistic, reference.pvalue))
    assert uneven.expected == (2000.0, 3000.0, 5000.0)
    assert stats.sample_ratio_mismatch([0, 0], [0.5, 0.5]).p_value == 1.0
    with pytest.raises(ValueError, match="one count per share"):
        stats.sample_ratio_mismatch([1, 2, 3], [0.5, 0.5])


def test_mde_hand_computed() -> None:
    # (1.959964 + 0.841621) * sqrt(0.1 * 0.9 * (1/1000 + 1/1000)) = 2.801585 * 0.0134164
    assert stats.mde_proportion(0.1, 1000, 1000) == pytest.approx(0.0375875, abs=1e-6)
    # 2.801585 * sqrt(100/400 + 100/400)
    assert stats.mde_mean(10.0, 10.0, 400, 400) == pytest.approx(1.981020, abs=1e-5)
    with pytest.raises(ValueError):
        stats.mde_proportion(1.5, 10, 10)
    with pytest.raises(ValueError, match="alpha and power"):
        stats.mde_from_se(1.0, alpha=0.05, power=1.0)


def test_mde_is_detected_with_the_requested_power() -> None:
    se = math.sqrt(0.1 * 0.9 * (2 / 5000))
    effect = stats.mde_proportion(0.1, 5000, 5000, alpha=0.05, power=0.8)
    z_crit = sps.norm.ppf(0.975)
    power = sps.norm.sf(z_crit - effect / se) + sps.norm.cdf(-z_crit - effect / se)
    assert power == pytest.approx(0.8, abs=1e-3)  # the far tail adds ~1e-7

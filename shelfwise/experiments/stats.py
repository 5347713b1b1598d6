"""Pure statistics for A/B analysis. Every test compares a treatment with a control and reports
treatment minus control. Samples are per unit (one number per user or session), the independent
unit of randomisation; `ratio_difference_test` handles per-impression rates, whose impressions
are not independent within a unit, by the delta method over units.

Defaults: two-sided, alpha 0.05, power 0.8.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

ALPHA = 0.05
POWER = 0.8


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class DifferenceTest:
    """Treatment vs control: estimates, their difference, its CI, the test statistic and p-value."""

    method: str
    control: float
    treatment: float
    difference: float
    ci: Interval
    statistic: float
    p_value: float
    standard_error: float


@dataclass(frozen=True)
class SampleRatioTest:
    """Chi-square goodness of fit of the units per variant against the configured shares."""

    observed: tuple[int, ...]
    expected: tuple[float, ...]
    statistic: float
    p_value: float


def _two_sided_p(z: float) -> float:
    return float(2.0 * sps.norm.sf(abs(z)))


def _z_test(difference: float, se: float) -> tuple[float, float]:
    """(statistic, p-value) of a difference with standard error `se`; a zero se is exact."""
    if se > 0:
        statistic = difference / se
        return statistic, _two_sided_p(statistic)
    return (0.0, 1.0) if difference == 0 else (math.copysign(math.inf, difference), 0.0)


def _normal_ci(difference: float, se: float, alpha: float) -> Interval:
    half = float(sps.norm.ppf(1 - alpha / 2)) * se
    return Interval(difference - half, difference + half)


def two_proportion_ztest(
    successes_control: int, n_control: int, successes_treatment: int, n_treatment: int, alpha: float = ALPHA
) -> DifferenceTest:
    """z-test of p_treatment - p_control. The p-value uses the pooled standard error (the null
    says both rates are equal; z**2 equals the uncorrected 2x2 chi-square), the CI the unpooled
    (Wald) one. Each trial must be independent: use units (converted or not), not impressions."""
    if n_control <= 0 or n_treatment <= 0:
        raise ValueError("both groups need at least one trial")
    if not (0 <= successes_control <= n_control and 0 <= successes_treatment <= n_treatment):
        raise ValueError("successes must lie between 0 and the number of trials")
    p_c, p_t = successes_control / n_control, successes_treatment / n_treatment
    pooled = (successes_control + successes_treatment) / (n_control + n_treatment)
    se_pooled = math.sqrt(pooled * (1 - pooled) * (1 / n_control + 1 / n_treatment))
    se = math.sqrt(p_c * (1 - p_c) / n_control + p_t * (1 - p_t) / n_treatment)
    statistic, p_value = _z_test(p_t - p_c, se_pooled)
    return DifferenceTest(
        "two-proportion z-test", p_c, p_t, p_t - p_c, _normal_ci(p_t - p_c, se, alpha), statistic, p_value, se
    )


def _sample(values: ArrayLike, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).ravel()
    if array.size < 2:
        raise ValueError(f"{name} needs at least 2 values")
    return array


def welch_ttest(control: ArrayLike, treatment: ArrayLike, alpha: float = ALPHA) -> DifferenceTest:
    """Welch's unequal-variance t-test of mean(treatment) - mean(control), CI with the
    Welch-Satterthwaite degrees of freedom."""
    c, t = _sample(control, "control"), _sample(treatment, "treatment")
    v_c, v_t = c.var(ddof=1) / c.size, t.var(ddof=1) / t.size
    se = math.sqrt(v_c + v_t)
    difference = float(t.mean() - c.mean())
    if se == 0:
        statistic, p_value = _z_test(difference, 0.0)
        return DifferenceTest(
            "Welch t-test",
            float(c.mean()),
            float(t.mean()),
            difference,
            Interval(difference, difference),
            statistic,
            p_value,
            0.0,
        )
    df = (v_c + v_t) ** 2 / (v_c**2 / (c.size - 1) + v_t**2 / (t.size - 1))
    statistic = difference / se
    p_value = float(2 * sps.t.sf(abs(statistic), df))
    half = float(sps.t.ppf(1 - alpha / 2, df)) * se
    return DifferenceTest(
        "Welch t-test",
        float(c.mean()),
        float(t.mean()),
        difference,
        Interval(difference - half, difference + half),
        statistic,
        p_value,
        se,
    )


def bootstrap_difference_ci(
    control: ArrayLike,
    treatment: ArrayLike,
    seed: int,
    n_resamples: int = 2000,
    alpha: float = ALPHA,
) -> Interval:
    """Percentile bootstrap CI of mean(treatment) - mean(control): each group is resampled with
    replacement on its own (units are the resampled items). Same seed, same interval."""
    c, t = _sample(control, "control"), _sample(treatment, "treatment")
    if n_resamples < 100:
        raise ValueError("use at least 100 resamples")
    rng = np.random.default_rng(seed)
    differences = np.empty(n_resamples)
    chunk = max(1, 4_000_000 // max(c.size, t.size))  # bounds memory at ~32 MB of indices per group
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        mean_c = c[rng.integers(0, c.size, size=(size, c.size))].mean(axis=1)
        mean_t = t[rng.integers(0, t.size, size=(size, t.size))].mean(axis=1)
        differences[start : start + size] = mean_t - mean_c
    low, high = np.quantile(differences, [alpha / 2, 1 - alpha / 2])
    return Interval(float(low), float(high))


def _ratio_and_variance(numerator: np.ndarray, denominator: np.ndarray) -> tuple[float, float]:
    """sum(num) / sum(den) and its delta-method variance over n independent units."""
    n = numerator.size
    mean_num, mean_den = numerator.mean(), denominator.mean()
    if mean_den <= 0:
        raise ValueError("the denominator (e.g. impressions) must have a positive mean")
    ratio = mean_num / mean_den
    covariance = np.cov(numerator, denominator, ddof=1)
    var_num, var_den, cov = covariance[0, 0], covariance[1, 1], covariance[0, 1]
    variance = (var_num - 2 * ratio * cov + ratio**2 * var_den) / (n * mean_den**2)
    return float(ratio), float(max(variance, 0.0))


def ratio_difference_test(
    numerator_control: ArrayLike,
    denominator_control: ArrayLike,
    numerator_treatment: ArrayLike,
    denominator_treatment: ArrayLike,
    alpha: float = ALPHA,
) -> DifferenceTest:
    """z-test of a ratio metric such as clicks per impression, with per-unit numerators and
    denominators: the ratio of sums, its variance by the delta method with the unit as the
    independent item (Deng et al. 2018), so correlated impressions of one shopper are not
    counted as independent trials."""
    pairs = []
    for num, den, name in (
        (numerator_control, denominator_control, "control"),
        (numerator_treatment, denominator_treatment, "treatment"),
    ):
        num_a, den_a = _sample(num, name), _sample(den, name)
        if num_a.size != den_a.size:
            raise ValueError(f"{name}: numerator and denominator need one value per unit")
        pairs.append(_ratio_and_variance(num_a, den_a))
    (r_c, var_c), (r_t, var_t) = pairs
    se = math.sqrt(var_c + var_t)
    statistic, p_value = _z_test(r_t - r_c, se)
    return DifferenceTest(
        "ratio z-test (delta method)",
        r_c,
        r_t,
        r_t - r_c,
        _normal_ci(r_t - r_c, se, alpha),
        statistic,
        p_value,
        se,
    )


def sample_ratio_mismatch(counts: Sequence[int], shares: Sequence[float]) -> SampleRatioTest:
    """Chi-square test that `counts` (units per variant) follow the configured `shares`. A small
    p-value (< 0.001 is the usual alarm) means the split itself is broken: assignment, exposure
    logging or bot filtering differ between variants, and no other result can be trusted."""
    if len(counts) != len(shares) or len(counts) < 2:
        raise ValueError("need one count per share, and at least two variants")
    if any(share <= 0 for share in shares):
        raise ValueError("shares must be positive")
    total = sum(counts)
    weights = np.asarray(shares, dtype=np.float64) / math.fsum(shares)
    expected = weights * total
    if total == 0:
        return SampleRatioTest(tuple(counts), tuple(expected.tolist()), 0.0, 1.0)
    statistic = float(((np.asarray(counts) - expected) ** 2 / expected).sum())
    p_value = float(sps.chi2.sf(statistic, df=len(counts) - 1))
    return SampleRatioTest(tuple(int(c) for c in counts), tuple(expected.tolist()), statistic, p_value)


def _z_sum(alpha: float, power: float) -> float:
    if not (0 < alpha < 1 and 0 < power < 1):
        raise ValueError("alpha and power must lie in (0, 1)")
    return float(sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power))


def mde_from_se(standard_error: float, alpha: float = ALPHA, power: float = POWER) -> float:
    """Smallest absolute difference a two-sided test at `alpha` detects with `power`, for a
    difference estimated with `standard_error`: (z_{1-alpha/2} + z_power) * se."""
    return _z_sum(alpha, power) * standard_error


def mde_proportion(
    baseline: float, n_control: int, n_treatment: int, alpha: float = ALPHA, power: float = POWER
) -> float:
    """Absolute minimal detectable effect on a rate near `baseline` with these group sizes."""
    if not 0 <= baseline <= 1 or n_control <= 0 or n_treatment <= 0:
        raise ValueError("baseline must be a rate in [0, 1] and both groups non-empty")
    se = math.sqrt(baseline * (1 - baseline) * (1 / n_control + 1 / n_treatment))
    return mde_from_se(se, alpha, power)


def mde_mean(
    sd_control: float,
    sd_treatment: float,
    n_control: int,
    n_treatment: int,
    alpha: float = ALPHA,
    power: float = POWER,
) -> float:
    """Absolute minimal detectable difference of means (normal approximation)."""
    if n_control <= 0 or n_treatment <= 0 or sd_control < 0 or sd_treatment < 0:
        raise ValueError("standard deviations must be >= 0 and both groups non-empty")
    se = math.sqrt(sd_control**2 / n_control + sd_treatment**2 / n_treatment)
    return mde_from_se(se, alpha, power)

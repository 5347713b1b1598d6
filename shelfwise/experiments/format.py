"""Plain-text rendering of an `ExperimentReport`, for `shelfwise ab report`."""

from __future__ import annotations

from shelfwise.experiments.report import Comparison, ExperimentReport


def _number(value: float | None, digits: int = 4) -> str:
    return "-" if value is None else f"{value:.{digits}g}"


def _comparison_line(item: Comparison) -> str:
    lift = "-" if item.relative_lift is None else f"{item.relative_lift:+.1%}"
    line = (
        f"  {item.metric:<17} {item.variant:<12} "
        f"{_number(item.control_value)} -> {_number(item.variant_value)}"
        f"  diff {item.difference:+.4g} [{item.ci_low:+.4g}, {item.ci_high:+.4g}]  lift {lift}"
        f"  p={item.p_value:.3g}{' *' if item.significant else ''}  mde {item.mde:.3g}"
    )
    if item.bootstrap_ci_low is not None and item.bootstrap_ci_high is not None:
        line += f"  bootstrap [{item.bootstrap_ci_low:+.4g}, {item.bootstrap_ci_high:+.4g}]"
    return line


def format_report(report: ExperimentReport) -> str:
    srm = report.sample_ratio
    expected = {name: round(value, 1) for name, value in srm.expected.items()}
    lines = [
        f"experiment {report.experiment} (unit: {report.unit}, control: {report.control}): "
        f"{report.units} units, {report.exposures} exposures",
        f"sample ratio: {srm.observed} vs expected {expected}, p={srm.p_value:.3g}",
    ]
    for variant in report.variants:
        metrics = ", ".join(f"{name} {_number(value)}" for name, value in variant.metrics.items())
        lines.append(f"  {variant.name:<12} {variant.units} units ({variant.observed_share:.1%}): {metrics}")
    lines.append(f"comparisons with {report.control} (CI {1 - report.alpha:.0%}, * p < {report.alpha}):")
    lines.extend(_comparison_line(item) for item in report.comparisons)
    lines.extend(f"warning: {warning}" for warning in report.warnings)
    return "\n".join(lines)

"""Charts drawn on the server as inline SVG: no charting script, nothing fetched by the page.
Every label is escaped; the result is safe to place in a template as it is."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
MIN_LABEL_WIDTH = 90
CHAR_WIDTH = 7.2  # about one character at font-size 13
VALUE_WIDTH = 70
PALETTE = ("#0b5cad", "#1e7b34", "#8a5a00", "#6b3fa0", "#a4262c", "#2f6f7a")


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, digits: int = 3, width: int = 560) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value; titled for screen
    readers (role=img with the values in its label)."""
    if not bars:
        return Markup("")
    top = max((value for _, value in bars), default=0.0) or 1.0
    label_width = max(MIN_LABEL_WIDTH, int(max(len(label) for label, _ in bars) * CHAR_WIDTH) + 12)
    width = max(width, label_width + VALUE_WIDTH + 160)  # long labels widen the chart, not clip
    span = width - label_width - VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    described = "; ".join(f"{label}: {value:.{digits}f}" for label, value in bars)
    rows = []
    for i, (label, value) in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        baseline = y + BAR_HEIGHT * 0.7
        length = max(1.0, span * max(value, 0.0) / top)
        colour = PALETTE[i % len(PALETTE)]
        rows.append(
            f'<text x="{label_width - 8}" y="{baseline:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{label_width}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{baseline:.1f}">{value:.{digits}f}</text>'
        )
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}: {escape(described)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="13" fill="#1d2330">'
        f"{''.join(rows)}</svg></figure>"
    )


Points = Sequence[tuple[float, float]]


AXIS_TOPS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)


def axis_top(values: Sequence[float]) -> float:
    """The smallest of AXIS_TOPS that holds every value (probabilities: at most 1)."""
    largest = max(values, default=1.0)
    return next((top for top in AXIS_TOPS if largest <= top), 1.0)


def reliability_chart(title: str, series: Sequence[tuple[str, Points]], size: int = 320) -> Markup:
    """Observed rate against mean predicted probability, both axes from 0 to the same top (the
    smallest of AXIS_TOPS that holds every point), one line of points per series, over the
    diagonal a calibrated model would follow."""
    if not any(points for _, points in series):
        return Markup("")
    pad = 36
    span = size - 2 * pad
    low, high = pad, size - pad
    top = axis_top([v for _, points in series for point in points for v in point])

    def at(x: float, y: float) -> tuple[float, float]:
        return low + span * min(max(x / top, 0.0), 1.0), high - span * min(max(y / top, 0.0), 1.0)

    parts = [
        f'<line x1="{low}" y1="{high}" x2="{high}" y2="{low}" stroke="#9aa3b2" '
        'stroke-dasharray="4 4"></line>',
        f'<line x1="{low}" y1="{high}" x2="{high}" y2="{high}" stroke="#5b6475"></line>',
        f'<line x1="{low}" y1="{low}" x2="{low}" y2="{high}" stroke="#5b6475"></line>',
        f'<text x="{size / 2}" y="{size - 6}" text-anchor="middle">predicted</text>',
        f'<text x="12" y="{size / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {size / 2})">observed</text>',
        f'<text x="{pad - 4}" y="{size - pad + 14}" text-anchor="end">0</text>',
        f'<text x="{size - pad}" y="{size - pad + 14}" text-anchor="middle">{top:g}</text>',
        f'<text x="{pad - 6}" y="{pad + 4}" text-anchor="end">{top:g}</text>',
    ]
    legend = []
    for i, (name, points) in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        xy = [at(x, y) for x, y in points]
        parts.append(
            f'<polyline class="series" fill="none" stroke="{colour}" stroke-width="2" '
            f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in xy)}"></polyline>'
        )
        parts.extend(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"></circle>' for x, y in xy)
        legend.append(f'<text x="{pad + 8}" y="{pad + 14 + 16 * i}" fill="{colour}">{escape(name)}</text>')
    described = "; ".join(
        f"{name}: " + ", ".join(f"({x:.2f}, {y:.2f})" for x, y in points) for name, points in series
    )
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}: {escape(described)}" viewBox="0 0 {size} {size}" '
        f'width="{size}" font-size="12" fill="#1d2330">{"".join(parts + legend)}</svg></figure>'
    )

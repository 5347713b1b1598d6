"""Charts drawn on the server as inline SVG: no charting script, nothing fetched by the page.
Every label is escaped; the result is safe to place in a template as it is."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 170
VALUE_WIDTH = 70
PALETTE = ("#0b5cad", "#1e7b34", "#8a5a00", "#6b3fa0", "#a4262c", "#2f6f7a")


def bar_chart(title: str, bars: Sequence[tuple[str, float]], *, digits: int = 3, width: int = 560) -> Markup:
    """Horizontal bars, one per (label, value), scaled to the largest value; titled for screen
    readers (role=img with the values in its label)."""
    if not bars:
        return Markup("")
    top = max((value for _, value in bars), default=0.0) or 1.0
    span = width - LABEL_WIDTH - VALUE_WIDTH
    height = len(bars) * (BAR_HEIGHT + GAP) + GAP
    described = "; ".join(f"{label}: {value:.{digits}f}" for label, value in bars)
    rows = []
    for i, (label, value) in enumerate(bars):
        y = GAP + i * (BAR_HEIGHT + GAP)
        baseline = y + BAR_HEIGHT * 0.7
        length = max(1.0, span * max(value, 0.0) / top)
        colour = PALETTE[i % len(PALETTE)]
        rows.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{baseline:.1f}" text-anchor="end">{escape(label)}</text>'
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" '
            f'fill="{colour}"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{baseline:.1f}">{value:.{digits}f}</text>'
        )
    return Markup(
        f'<figure class="chart"><figcaption>{escape(title)}</figcaption>'
        f'<svg role="img" aria-label="{escape(title)}: {escape(described)}" viewBox="0 0 {width} {height}" '
        f'width="100%" preserveAspectRatio="xMinYMin meet" font-size="13" fill="#1d2330">'
        f'{"".join(rows)}</svg></figure>'
    )

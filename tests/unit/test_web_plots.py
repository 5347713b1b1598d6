"""Server-drawn charts: values become bar lengths and labels, text is escaped, axes fit the data."""

from __future__ import annotations

import re

from shelfwise.web.plots import axis_top, bar_chart, reliability_chart


def test_bars_scale_to_the_largest_value_and_escape_their_text() -> None:
    svg = str(bar_chart("A <b>title</b>", [("ranker", 0.5), ("rrf & co", 0.25)]))
    widths = [float(w) for w in re.findall(r'class="bar"[^>]* width="([\d.]+)"', svg)]
    assert len(widths) == 2 and abs(widths[0] - 2 * widths[1]) < 0.2
    assert "<b>" not in svg and "A &lt;b&gt;title&lt;/b&gt;" in svg and "rrf &amp; co" in svg
    assert 'aria-label="A &lt;b&gt;title&lt;/b&gt;: ranker: 0.500; rrf &amp; co: 0.250"' in svg
    assert str(bar_chart("empty", [])) == ""


def test_long_labels_move_the_bars_instead_of_being_cut() -> None:
    label = "purchase after a click: position baseline"
    bar_x = lambda svg: float(re.search(r'class="bar" x="([\d.]+)"', svg).group(1))  # noqa: E731
    short, long = str(bar_chart("t", [("a", 1.0)])), str(bar_chart("t", [(label, 1.0)]))
    label_end = float(re.search(r'<text x="([\d.]+)"[^>]*text-anchor="end"', long).group(1))
    assert bar_x(long) > bar_x(short) and label_end >= len(label) * 7
    very_long = str(bar_chart("t", [(label * 3, 1.0)]))
    assert float(re.search(r'viewBox="0 0 ([\d.]+)', very_long).group(1)) > 560


def test_reliability_axes_fit_the_points() -> None:
    assert axis_top([0.004, 0.03]) == 0.05 and axis_top([0.7]) == 1.0 and axis_top([]) == 1.0
    svg = str(reliability_chart("cal", [("click", [(0.01, 0.02), (0.04, 0.03)])]))
    assert svg.count("<circle") == 2 and ">0.05</text>" in svg and "click: (0.01, 0.02), (0.04, 0.03)" in svg
    assert str(reliability_chart("cal", [("click", [])])) == ""

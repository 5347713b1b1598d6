"""Coverage, concentration and diversity of what was shown, on a hand-made impression log."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shelfwise.impressions import Impression, ShownItem
from shelfwise.records import Product
from shelfwise.web.admin_exposure import exposure

T0 = datetime(2026, 12, 3, tzinfo=UTC)


def _answer(request_id: str, surface: str, ids: list[str]) -> Impression:
    items = tuple(ShownItem(product_id=pid, position=i) for i, pid in enumerate(ids))
    return Impression(request_id=request_id, surface=surface, timestamp=T0, items=items)


def test_exposure_counts_coverage_concentration_and_diversity() -> None:
    products = {
        f"p{i}": Product(product_id=f"p{i}", title=f"t{i}", brand="acme" if i < 2 else f"b{i}",
                         category=("Shop", "A" if i < 3 else "B"))
        for i in range(4)
    }  # fmt: skip
    log = [
        _answer("r1", "search", ["p0", "p1"]),  # one category, one brand of two items
        _answer("r2", "search", ["p0", "p3"]),  # two categories, two brands
        _answer("r3", "recommend", ["p2", "p3", "gone"]),  # an unknown id counts as shown only
        _answer("r4", "recommend", []),  # an empty answer is left out
    ]
    search, feed = exposure(log, products, catalog_size=200)
    assert (search.surface, search.answers, search.slots) == ("search", 2, 4)
    assert search.coverage == pytest.approx(3 / 200)
    assert search.top_share == pytest.approx(3 / 4)  # top 1% of 200 = 2 products: p0 twice, then one
    assert search.category_diversity == pytest.approx((1 / 2 + 2 / 2) / 2)
    assert search.brand_diversity == pytest.approx((1 / 2 + 2 / 2) / 2)
    assert (feed.surface, feed.answers, feed.slots) == ("recommend", 1, 3)
    assert feed.coverage == pytest.approx(3 / 200)
    assert feed.category_diversity == pytest.approx(2 / 2)

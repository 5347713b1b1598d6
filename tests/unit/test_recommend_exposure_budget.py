"""The exposure budget: a ledger of recent lists' places and the rule that holds back a product
over its share of them."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
import pytest

from shelfwise.config import ExposureConfig
from shelfwise.recommend.exposure import MIDDLE, exposure_pick
from shelfwise.recommend.exposure_ledger import (
    ExposureLedger,
    budgeted_pick,
    new_ledger,
    water_level,
    within_budget_order,
)

# only the budget acts: the per-list bounds are slack and nothing explores
BUDGET = ExposureConfig(enabled=True, head_fraction=0.01, head_cap=1.0, tail_quota=0.0, new_item_slots=0,
                        max_top_share=0.35, budget_half_life=500, budget_warmup=20)  # fmt: skip


def test_the_ledger_warms_up_then_counts_recent_lists_more() -> None:
    ledger = ExposureLedger(4, half_life_lists=1, warmup_lists=2)
    ledger.record([0, 1])
    assert ledger.shares([0, 1]) is None  # one list is not enough to judge shares
    ledger.record([2, 3])
    shares = ledger.shares([0, 1, 2, 3])
    assert shares is not None and shares.sum() == 1.0
    assert shares[2] == 2 * shares[0]  # the older list weighs half (half-life one list)
    for _ in range(2000):  # the weights grow geometrically and are rescaled, never overflow
        ledger.record([3])
    shares = ledger.shares([0, 3])
    assert shares is not None and np.isfinite(shares).all() and shares[1] > 0.99


def test_products_over_budget_go_after_the_others_in_order() -> None:
    shares = np.array([0.2, 0.01, 0.5, 0.0, 0.04])
    assert within_budget_order(shares, 0.05).tolist() == [1, 3, 4, 0, 2]


def test_the_cap_is_the_water_level_of_the_heads_excess() -> None:
    assert water_level(np.array([0.1, 0.05, 0.02]), 0.35) == math.inf  # within the target: no cap
    cap = water_level(np.array([0.3, 0.1, 0.05, 0.02]), 0.35)
    assert cap == pytest.approx(0.18)  # only the first is cut: 0.18 + 0.1 + 0.05 + 0.02 = 0.35
    assert np.minimum([0.3, 0.1, 0.05, 0.02], cap).sum() == pytest.approx(0.35)


def _top_share(lists: list[np.ndarray], n_items: int) -> float:
    counts = Counter(int(i) for items in lists for i in items)
    top = sorted(counts.values(), reverse=True)[: max(1, round(0.01 * n_items))]
    return sum(top) / sum(counts.values())


def test_alike_lists_are_spread_until_the_head_holds_its_share() -> None:
    n_items, k = 1000, 10
    tiers = np.full(n_items, MIDDLE, dtype=np.int8)
    candidates = np.arange(200)  # every shopper has the same candidates
    ledger = new_ledger(BUDGET, n_items)
    lists = [candidates[budgeted_pick(candidates, tiers, k, BUDGET, f"s{i}", ledger)] for i in range(600)]
    assert _top_share(lists[:1], n_items) == 1.0  # without the budget: the same ten for everyone
    assert _top_share(lists[100:], n_items) <= 0.40  # the target 0.35, give or take the ledger's lag
    # ten places over at least 10 / 0.35 products: the budget alone spreads no further than it must
    assert len({int(i) for items in lists for i in items}) >= 29


def test_spread_lists_are_left_as_the_bounds_give_them() -> None:
    n_items, k = 1000, 10
    tiers = np.full(n_items, MIDDLE, dtype=np.int8)
    rng = np.random.default_rng(3)
    ledger = new_ledger(BUDGET, n_items)
    for i in range(300):
        candidates = rng.permutation(n_items)[:50]
        plain = exposure_pick(tiers[candidates], k, BUDGET, f"s{i}")
        assert budgeted_pick(candidates, tiers, k, BUDGET, f"s{i}", ledger).tolist() == plain.tolist()
    assert new_ledger(BUDGET.model_copy(update={"max_top_share": 1.0}), n_items) is None  # off

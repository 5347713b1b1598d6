"""The exposure budget of recommendation lists (issue 30 part 5): a ledger of the places recent
lists gave each product, and the rule that holds back a product over its share.

The bounds of `exposure.py` look at one list at a time, so when every shopper's candidates are
alike (anonymous visits, popularity-led lists) every list can still hold the same few products.
The budget looks across lists: `ExposureLedger` counts the places the lists served lately gave each
product (each list's count decays with half-life `budget_half_life` lists). While the most shown
`head_fraction` of the catalog holds more than `max_top_share` of those places, a cap applies:
the level c at which those products' shares, each cut to c, add up to `max_top_share` (a water
level, `water_level`). A candidate above c goes after the candidates within it
(`within_budget_order`), unless the list would be short without it. The budget acts only on
concentration the target forbids: where the head holds less, it changes nothing, and only the
most shown products are held back, not the whole head.

The ledger is the serving process's own (each replica of a cluster budgets what it served, a
sample of the same traffic) and starts empty with each recommender version: it binds once it has
counted `warmup_lists` lists.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence

import numpy as np

from shelfwise.config import ExposureConfig
from shelfwise.recommend.exposure import exposure_pick

_RESCALE_AT = 1e150  # the weights grow geometrically; rescaled before they overflow


class ExposureLedger:
    """Decayed counts of the places served lists gave each of `n_items` items (thread-safe)."""

    def __init__(self, n_items: int, half_life_lists: float, warmup_lists: int) -> None:
        self._counts = np.zeros(n_items, dtype=np.float64)
        self._total = 0.0
        self._weight = 1.0  # the weight of the next list: older lists weigh relatively less
        self._growth = 2.0 ** (1.0 / max(half_life_lists, 1.0))
        self._lists = 0
        self._warmup = warmup_lists
        self._lock = threading.Lock()
        self._cap: float = math.inf  # the cached head cap ...
        self._cap_at: int | None = None  # ... and the count of lists it was worked out at

    def head_cap(self, head_items: int, target: float, refresh_lists: int = 32) -> float:
        """The share above which a product is over budget: the water level at which the most
        shown `head_items` products together hold `target` of the places (infinite while they hold
        less, or while warming up). Worked out again every `refresh_lists` lists."""
        with self._lock:
            if self._lists < self._warmup or self._total <= 0:
                return math.inf
            if self._cap_at is None or self._lists - self._cap_at >= refresh_lists:
                n = min(max(head_items, 1), len(self._counts))
                top = np.partition(self._counts, len(self._counts) - n)[len(self._counts) - n :]
                self._cap = water_level(top / self._total, target)
                self._cap_at = self._lists
            return self._cap

    def shares(self, items: Sequence[int] | np.ndarray) -> np.ndarray | None:
        """Each item's share of the counted places, or None while the ledger is warming up."""
        with self._lock:
            if self._lists < self._warmup or self._total <= 0:
                return None
            return self._counts[np.asarray(items, dtype=np.int64)] / self._total

    def record(self, items: Sequence[int] | np.ndarray) -> None:
        """Count one served list's items."""
        if len(items) == 0:
            return
        with self._lock:
            np.add.at(self._counts, np.asarray(items, dtype=np.int64), self._weight)
            self._total += self._weight * len(items)
            self._lists += 1
            self._weight *= self._growth
            if self._weight > _RESCALE_AT:
                self._counts /= self._weight
                self._total /= self._weight
                self._weight = 1.0


def water_level(top_shares: np.ndarray, target: float) -> float:
    """The cap c at which the head's shares, each cut to c, add up to `target` (infinite when
    they are within it): the products above c are the ones over budget."""
    shares = np.sort(np.asarray(top_shares, dtype=np.float64))[::-1]
    if shares.sum() <= target:
        return math.inf
    low, high = 0.0, float(shares[0])
    for _ in range(60):  # bisection: sum(min(shares, c)) grows with c
        middle = (low + high) / 2
        if np.minimum(shares, middle).sum() > target:
            high = middle
        else:
            low = middle
    return low


def within_budget_order(shares: np.ndarray, budget: float) -> np.ndarray:
    """Positions of candidates ranked best first (`shares`: theirs in the ledger): those within
    `budget` first, then those over it, each group in the candidates' order."""
    over = np.asarray(shares) > budget
    return np.concatenate([np.flatnonzero(~over), np.flatnonzero(over)]).astype(np.int64)


def new_ledger(config: ExposureConfig, n_items: int) -> ExposureLedger | None:
    """A ledger for `config`'s budget over `n_items` items (None with the budget off)."""
    if not config.enabled or config.max_top_share >= 1.0:
        return None
    return ExposureLedger(n_items, config.budget_half_life, config.budget_warmup)


def budgeted_pick(
    items: Sequence[int],
    tiers: np.ndarray,
    k: int,
    config: ExposureConfig,
    key: str,
    ledger: ExposureLedger | None,
) -> np.ndarray:
    """Positions into `items` (candidates ranked best first; `tiers`: every item's tier) of the
    list the policy gives: the candidates over budget moved after the others (once the ledger
    binds), then the exploring places and the bounds (`exposure_pick`). The list is counted in
    the ledger."""
    candidates = np.asarray(items, dtype=np.int64)
    order = np.arange(len(candidates), dtype=np.int64)
    if ledger is not None:
        cap = ledger.head_cap(math.ceil(config.head_fraction * len(tiers)), config.max_top_share)
        shares = None if math.isinf(cap) else ledger.shares(candidates)
        if shares is not None:
            order = within_budget_order(shares, cap)
    picked = order[exposure_pick(tiers[candidates[order]], k, config, key)]
    if ledger is not None:
        ledger.record(candidates[picked])
    return picked

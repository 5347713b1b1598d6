"""The exposure policy of recommendation lists (issue 30 part 5): how much of a list the most
popular products may take and how much is kept for the long tail and for new products.

Products fall into tiers by their events in the recommender's training data (`item_counts`): the
head is the most popular `head_fraction` of the catalog the recommender knows, the long tail is
everything outside the most popular `tail_start` share, and new products have no events at all
(a new product is in the long tail too). A list of k places, chosen from candidates ordered best
first, then holds at most `ceil(head_cap * k)` head products and at least `ceil(tail_quota * k)`
long-tail ones (as many as the candidates offer), of which at least `new_item_slots` are new. The
policy only ever swaps the lowest-ranked products that break a bound for the best-ranked ones
that meet it, and the list keeps the candidates' order: with every bound slack it is the top k.
With `explore_share` above 0, the last places of a list explore: they are drawn at random
(seeded per shopper and request, favouring better-ranked candidates) from the deeper candidates,
so the shoppers who would all see the same list see different products there; a shopper with
no history, whose list holds nothing personal, gets `explore_without_history` of its places (all of
them by default) drawn that way.

Pure functions over positions; `LiveRecommender` applies it (`RecommendServingConfig.exposure`)
after maximal marginal relevance and before the category cap.
"""

from __future__ import annotations

import hashlib
import math

import numpy as np

from shelfwise.config import ExposureConfig

HEAD, MIDDLE, TAIL, NEW = 0, 1, 2, 3


def popularity_tiers(item_counts: np.ndarray, config: ExposureConfig) -> np.ndarray:
    """Each item's tier (HEAD, MIDDLE, TAIL or NEW) by its event count: the top `head_fraction`
    of the items by count are HEAD (at least one item when any has events), those outside the
    top `tail_start` are TAIL, items without events NEW. Ties in count share a tier (the one of
    the first of them), so equal products are treated alike."""
    counts = np.asarray(item_counts, dtype=np.float64)
    n = len(counts)
    tiers = np.full(n, MIDDLE, dtype=np.int8)
    if n == 0:
        return tiers
    ordered = np.sort(counts)[::-1]
    head_n = max(1, math.ceil(config.head_fraction * n))
    body_n = max(head_n, math.ceil(config.tail_start * n))
    tiers[counts >= max(ordered[head_n - 1], 1e-12)] = HEAD
    if body_n < n:
        tiers[counts < ordered[body_n - 1]] = TAIL
    tiers[counts <= 0] = NEW
    return tiers


def exposure_order(tiers: np.ndarray, k: int, config: ExposureConfig) -> np.ndarray:
    """Positions (into candidates ordered best first, whose tiers are `tiers`) of a list of k
    places within the policy's bounds, in the candidates' order."""
    n = len(tiers)
    k = min(k, n)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    head_max = math.ceil(config.head_cap * k) if config.head_cap < 1.0 else k
    is_tail = (tiers == TAIL) | (tiers == NEW)
    is_new = tiers == NEW
    new_min = min(config.new_item_slots, int(is_new.sum()), k)
    tail_min = min(max(math.ceil(config.tail_quota * k), new_min), int(is_tail.sum()), k)
    chosen: list[int] = []
    heads = tails = news = 0
    for position in range(n):
        if len(chosen) == k:
            break
        tier = int(tiers[position])
        if tier == HEAD and heads >= head_max:
            continue
        left = k - len(chosen)
        if left <= max(new_min - news, 0) and tier != NEW:
            continue  # the places left are owed to new products
        if left <= max(tail_min - tails, 0) and not is_tail[position]:
            continue  # the places left are owed to the long tail
        chosen.append(position)
        heads += tier == HEAD
        tails += bool(is_tail[position])
        news += tier == NEW
    if len(chosen) < k:  # the bounds cannot all hold: fill with the best left, bounds relaxed
        taken = set(chosen)
        chosen += [p for p in range(n) if p not in taken][: k - len(chosen)]
    return np.array(sorted(chosen), dtype=np.int64)


def explored_order(n: int, k: int, config: ExposureConfig, key: str) -> np.ndarray:
    """An order of `n` candidates (ranked best first) for a list of k places whose last
    `round(explore_share * k)` places explore: the first places keep the ranking, the candidates
    after them come in a random order drawn with weights `1 / sqrt(rank + 1)` (the Gumbel top-k
    trick), so a well-ranked candidate is still likelier. The draw is seeded by `key` (the shopper
    and what the list is for): the same request gets the same list, two shoppers different ones."""
    explore = round(config.explore_share * min(k, n))
    if explore <= 0 or n <= k - explore:
        return np.arange(n, dtype=np.int64)
    fixed = k - explore
    seed = int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big")
    rest = np.arange(fixed, n, dtype=np.int64)
    keys = -0.5 * np.log(rest + 1.0) + np.random.default_rng(seed).gumbel(size=len(rest))
    return np.concatenate([np.arange(fixed, dtype=np.int64), rest[np.argsort(-keys, kind="stable")]])


def exposure_pick(tiers: np.ndarray, k: int, config: ExposureConfig, key: str) -> np.ndarray:
    """Positions (into candidates ranked best first, whose tiers are `tiers`) of the k places the
    policy gives: the exploring places drawn (`explored_order`, seeded by `key`), then the bounds
    (`exposure_order`)."""
    drawn = explored_order(len(tiers), k, config, key)
    return drawn[exposure_order(tiers[drawn], k, config)]


def tier_shares(tiers: np.ndarray) -> dict[str, float]:
    """The share of each tier among `tiers` (a list's, or a catalog's)."""
    n = max(len(tiers), 1)
    names = (("head", HEAD), ("middle", MIDDLE), ("tail", TAIL), ("new", NEW))
    return {name: float((tiers == value).sum()) / n for name, value in names}

"""How much of the simulator's click ceiling any ranking model could reach from what a shop logs.

The ceiling of `rank_closed_loop.py` is the AUC of the simulator's true click probabilities, which
use every shopper's hidden taste (brand, colour and material affinities, preferred price band,
latent factors), even for a shopper never seen before. This script measures, on the same test
rows (the last `--test-fraction` of the search impressions in time order):

1. the ceiling, and the ceiling without each taste term (what each term is worth);
2. the Bayes bound: the AUC of the best possible prediction when a shopper's taste is known
   exactly once they have at least k product events before the request, and otherwise only as
   the population (the expected click probability over every shopper's taste, relevance and
   position known exactly). It is generous: one event does not reveal a taste, and knowing
   relevance exactly is more than a query's words give.

    .venv/bin/python benchmarks/rank_information_bound.py --shoppers 10000 --days 60 --seed 7
"""

from __future__ import annotations

import argparse
import bisect
import json
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.evaluate.calibration import roc_auc
from shelfwise.simulate.catalog import ShopCatalog
from shelfwise.simulate.loop import (
    ClosedLoopSimulation,
    TextMatchRanker,
    shop_catalog,
    shopper_tastes,
    simulate_closed_loop,
)
from shelfwise.simulate.loop_run import CLICK_OFFSET, examine, sigmoid
from shelfwise.simulate.prefs import Taste

END = datetime(2026, 6, 1, tzinfo=UTC)  # as rank_closed_loop.py
TERMS = ("brand", "colour", "material", "price", "factors")
PRODUCT_EVENTS = ("view", "click", "add_to_cart", "purchase")


def taste_terms(taste: Taste, catalog: ShopCatalog, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The shopper-specific terms of `shoppers_prefs.utility` (quality and popularity are the
    product's own and known to a model)."""
    deviation = (catalog.price_q[idx] - taste.price_center) / taste.price_width
    return {
        "brand": taste.brand_affinity[catalog.brand[idx]],
        "colour": taste.colour_affinity[catalog.colour[idx]],
        "material": taste.material_affinity[catalog.material[idx]],
        "price": -taste.price_sensitivity * np.minimum(deviation * deviation, 4.0),
        "factors": 0.45 * catalog.taste[idx] @ taste.factors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--shoppers", type=int, default=10000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--test-fraction", type=float, default=0.1)
    parser.add_argument("--population", type=int, default=2000, help="shoppers the expectation averages over")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    products = generate_demo_catalog(args.products, args.seed)
    config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.days, seed=args.seed, end=END)
    result = simulate_closed_loop(products, config, TextMatchRanker(shop_catalog(products, config)))
    catalog, tastes = shopper_tastes(products, config)
    row_of = {pid: i for i, pid in enumerate(catalog.ids)}
    searches = [i for i in result.impressions if i.surface == "search"]
    test = searches[int(len(searches) * (1 - args.test_fraction)) :]

    seen: dict[str, list[float]] = defaultdict(list)
    for event in result.events:
        if event.product_id is not None and event.type in PRODUCT_EVENTS:
            seen[event.actor].append(event.timestamp.timestamp())
    for times in seen.values():
        times.sort()

    position, utility, clicked, item, prior, signed_in = [], [], [], [], [], []
    terms: dict[str, list[float]] = {name: [] for name in TERMS}
    for impression in test:
        taste = tastes[int(impression.request_id.split("-")[3])]
        actor = f"user:{impression.user_id}" if impression.user_id else f"session:{impression.session_id}"
        before = bisect.bisect_left(seen.get(actor, []), impression.timestamp.timestamp())
        idx = np.array([row_of[shown.product_id] for shown in impression.items])
        for name, values in taste_terms(taste, catalog, idx).items():
            terms[name].extend(values.tolist())
        for shown, i in zip(impression.items, idx.tolist(), strict=True):
            truth = result.truth[(impression.request_id, shown.product_id)]
            position.append(shown.position)
            utility.append(truth.utility)
            clicked.append(truth.clicked)
            item.append(i)
            prior.append(before)
            signed_in.append(taste.signed_in)
    y = np.array(clicked)
    seen_at = examine(np.array(position, dtype=float))
    u = np.array(utility)
    parts = {name: np.array(values) for name, values in terms.items()}
    taste_sum = sum(parts.values())
    out: dict[str, object] = {
        "command": {k: str(v) for k, v in vars(args).items()},
        "rows": int(y.size),
        "clicks": int(y.sum()),
        "share_signed_in": round(float(np.mean(signed_in)), 4),
        "share_without_prior_events": round(float(np.mean(np.array(prior) == 0)), 4),
        "ceiling": roc_auc(y, seen_at * sigmoid(u - CLICK_OFFSET)),
        "ceiling_without": {
            name: roc_auc(y, seen_at * sigmoid(u - parts[name] - CLICK_OFFSET)) for name in TERMS
        },
        "ceiling_without_any_taste": roc_auc(y, seen_at * sigmoid(u - taste_sum - CLICK_OFFSET)),
    }
    # the population's taste terms for every shown product: (products, shoppers)
    population = tastes[:: max(len(tastes) // args.population, 1)]
    products_shown, inverse = np.unique(np.array(item), return_inverse=True)
    table = np.stack([sum(taste_terms(t, catalog, products_shown).values()) for t in population], axis=1)
    rest = u - taste_sum
    bounds = {}
    for k in (1, 3, 5):
        p = seen_at * sigmoid(u - CLICK_OFFSET)
        unknown = np.flatnonzero(np.array(prior) < k)
        for start in range(0, unknown.size, 2000):
            rows = unknown[start : start + 2000]
            expected = sigmoid(rest[rows, None] + table[inverse[rows]] - CLICK_OFFSET).mean(axis=1)
            p[rows] = seen_at[rows] * expected
        known = round(1 - unknown.size / y.size, 4)
        bounds[f"taste_known_from_{k}_events"] = {"auc": roc_auc(y, p), "rows_known": known}
    out["bayes_bound"] = bounds
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

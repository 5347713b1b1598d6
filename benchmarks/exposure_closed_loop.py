"""Issue 30 part 5: the long-tail exposure policy on the closed-loop demo shop.

A built demo shop (`shelfwise demo --no-serve --data-dir D`) is copied once per arm; in each copy
the closed-loop shoppers (`shelfwise.simulate.loop`, hidden tastes and a known click and purchase
model) use the shop for `--days` after the demo's own loop, with the same seed in every arm, so
the same shoppers come at the same moments. Searches go through the shop as in the demo, home
feeds through its recommender with the exposure policy off (control) or on (`--policy` JSON,
`RecommendServingConfig.exposure`). Reported per arm, over the home feed's impressions: the
share of its slots on the most shown 1% of the catalog and the share of the catalog it showed
(the admin console's `exposure`), and the purchases: all of them, and the ones of products a
feed showed (`truth`); beside each count, the expected purchases (the sum over every shown
product of the shopper model's exact click and purchase probabilities), the measure with the
least noise. `--seeds` repeats the pair with other shoppers, for the noise.

    nice -n 10 .venv/bin/python benchmarks/exposure_closed_loop.py --shop /tmp/exposure/demo \\
        --shoppers 1000 --days 30 --seeds 7,8
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shelfwise.config import ExposureConfig, RecommendServingConfig, Settings  # noqa: E402
from shelfwise.service import Shelfwise  # noqa: E402
from shelfwise.simulate.loop import (  # noqa: E402
    ClosedLoopResult,
    ClosedLoopSimulation,
    ShelfwiseRanker,
    TextMatchRanker,
    shop_catalog,
    simulate_closed_loop,
)
from shelfwise.web.admin_exposure import exposure  # noqa: E402


def run_arm(shop_dir: Path, policy: ExposureConfig, shoppers: int, days: int, seed: int) -> dict[str, object]:
    """One arm in a copy of the shop: the loop's figures."""
    with tempfile.TemporaryDirectory(prefix="swexposure") as scratch:
        copy = Path(scratch) / "shop"
        shutil.copytree(shop_dir, copy)
        settings = Settings(data_dir=copy, recommend=RecommendServingConfig(exposure=policy))
        shop = Shelfwise(settings)
        try:
            shop.open_index()
            products = list(shop.store.iter_products())
            demo_end = ClosedLoopSimulation(seed=7).window()[1] + timedelta(days=30)
            config = ClosedLoopSimulation(
                n_shoppers=shoppers, days=days, seed=seed, end=demo_end + timedelta(days=days)
            )
            ranker = ShelfwiseRanker(shop, fallback=TextMatchRanker(shop_catalog(products, config)))
            started = time.perf_counter()
            result = simulate_closed_loop(products, config, ranker)
            seconds = time.perf_counter() - started
            return figures(result, products, seconds)
        finally:
            shop.close()


def figures(result: ClosedLoopResult, products: list, seconds: float) -> dict[str, object]:
    by_id = {p.product_id: p for p in products}
    surfaces = {s.surface: s for s in exposure(result.impressions, by_id, len(products))}
    feed = surfaces.get("recommend")
    feed_requests = {i.request_id for i in result.impressions if i.surface == "recommend"}
    feed_truth = [t for t in result.truth.values() if t.request_id in feed_requests]
    purchases = sum(1 for e in result.events if e.type == "purchase")
    return {
        "seconds": round(seconds, 1),
        "answers": len(result.impressions),
        "feed_answers": len(feed_requests),
        "feed_top1_share": None if feed is None else round(feed.top_share, 4),
        "feed_coverage": None if feed is None else round(feed.coverage, 4),
        "feed_category_diversity": None if feed is None else round(feed.category_diversity, 4),
        "purchases": purchases,
        "expected_purchases": round(sum(t.true_ctr * t.true_cvr for t in result.truth.values()), 2),
        "feed_purchases": sum(t.converted for t in feed_truth),
        "feed_clicks": sum(t.clicked for t in feed_truth),
        "feed_expected_purchases": round(sum(t.true_ctr * t.true_cvr for t in feed_truth), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shop", type=Path, required=True, help="a built demo shop's data folder")
    parser.add_argument("--shoppers", type=int, default=1000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seeds", default="7,8")
    parser.add_argument("--policy", default="{}", help="ExposureConfig fields as JSON (enabled is set)")
    parser.add_argument("--arms", default="off,on", help="off, on or both (off,on)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    policy = ExposureConfig.model_validate({**json.loads(args.policy), "enabled": True})
    results = []
    for seed in [int(s) for s in args.seeds.split(",") if s]:
        arms = {"off": ExposureConfig(), "on": policy}
        for name in args.arms.split(","):
            arm = arms[name]
            row = {"seed": seed, "arm": name, **run_arm(args.shop, arm, args.shoppers, args.days, seed)}
            results.append(row)
            print(json.dumps(row), flush=True)
    if args.out is not None:
        args.out.write_text(json.dumps({"policy": policy.model_dump(), "args": vars(args), "runs": results},
                                       default=str, indent=1))  # fmt: skip


if __name__ == "__main__":
    main()

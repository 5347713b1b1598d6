"""Where the ranking model's distance to the information bound lies: the same learner on the
ranker's own columns, then with one hidden taste term added as an oracle column.

`rank_information_bound.py` bounds what any model can reach when a shopper's taste is known
from their first event on. This script asks which taste terms a model misses: LightGBM
(63 leaves, early stopping on the validation part) is fitted on the ranking model's dense
columns, position and category/brand codes (the features `shelfwise train ranker` builds, with
point-in-time profiles), on the same time split as `rank_closed_loop.py`; then again with the
true value of one taste term (`price`, `brand`, `factors`, or `all` of them) as an extra column
for the rows whose shopper has at least one product event before the request (unknown for the
others, as the bound assumes). A gain here is what a better estimate of that term from the
shopper's history could be worth at most.

    HF_HUB_OFFLINE=1 .venv/bin/python benchmarks/rank_oracle_features.py --seed 7 \
        --json runs/rank-oracle-7.json
"""

from __future__ import annotations

import argparse
import bisect
import json
import sys
import time
from collections import defaultdict
from pathlib import Path

import lightgbm as lgb
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from rank_closed_loop import END, _encoder, _vectors  # noqa: E402
from rank_information_bound import PRODUCT_EVENTS, taste_terms  # noqa: E402

from shelfwise.demo.catalog import generate_demo_catalog  # noqa: E402
from shelfwise.evaluate.calibration import roc_auc  # noqa: E402
from shelfwise.personalize import VectorTable, build_profiles  # noqa: E402
from shelfwise.personalize.provider import ProfileFeatures  # noqa: E402
from shelfwise.rank.examples import Impressions, split_impressions  # noqa: E402
from shelfwise.rank.train import (
    CtrCvrRankerConfig,  # noqa: E402
    _features,  # noqa: E402
)
from shelfwise.simulate.loop import (  # noqa: E402
    ClosedLoopSimulation,
    TextMatchRanker,
    labeled_impressions,
    shop_catalog,
    shopper_tastes,
    simulate_closed_loop,
)

ORACLES = ("price", "brand", "factors", "all")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--shoppers", type=int, default=10000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/rank_closed_loop"))
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    products = generate_demo_catalog(args.products, args.seed)
    config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.days, seed=args.seed, end=END)
    result = simulate_closed_loop(products, config, TextMatchRanker(shop_catalog(products, config)))
    catalog, tastes = shopper_tastes(products, config)
    encoder = _encoder("minilm", args.cache_dir)
    vectors = _vectors(encoder, products, args.seed)
    profiles = build_profiles(result.events, products, VectorTable([p.product_id for p in products], vectors))
    data = Impressions.from_records([e for e in labeled_impressions(result) if e.surface == "search"])
    ranker_config = CtrCvrRankerConfig()
    t = ranker_config.training
    split = split_impressions(data, t.split, t.validation_fraction, t.test_fraction, t.seed)
    builder, batch = _features(
        data,
        split.train,
        products,
        vectors,
        ranker_config.features,
        encoder,
        ProfileFeatures(profiles, point_in_time=True),
    )

    seen: dict[str, list[float]] = defaultdict(list)
    for event in result.events:
        if event.product_id is not None and event.type in PRODUCT_EVENTS:
            seen[event.actor].append(event.timestamp.timestamp())
    for times in seen.values():
        times.sort()
    row_of = {pid: i for i, pid in enumerate(catalog.ids)}
    oracle = {name: np.full(len(data), np.nan) for name in ORACLES}
    prior = np.zeros(len(data), dtype=np.int64)
    for r in range(len(data)):
        prior[r] = bisect.bisect_left(seen.get(str(data.actors[r]), []), float(data.timestamps[r]))
        if prior[r]:
            taste = tastes[int(str(data.request_ids[r]).split("-")[3])]
            terms = taste_terms(taste, catalog, np.array([row_of[str(data.product_ids[r])]]))
            for name in ("price", "brand", "factors"):
                oracle[name][r] = terms[name][0]
            oracle["all"][r] = sum(v[0] for v in terms.values())

    y, test = data.clicked, split.test
    known = prior[test] >= 1
    columns = [n.replace(":", "_") for n in builder.spec.dense_names]
    columns += ["position", "category", "category_top", "brand", "price_band"]

    def fit(extra: tuple[str, ...]) -> dict[str, float | None]:
        def matrix(rows: np.ndarray) -> np.ndarray:
            part = batch.take(rows)
            oracle_columns = [oracle[name][rows, None] for name in extra]
            return np.hstack([part.dense, part.positions[:, None], part.categorical[:, 2:6], *oracle_columns])

        names = columns + [f"oracle_{name}" for name in extra]
        train = lgb.Dataset(
            matrix(split.train), y[split.train], feature_name=names, categorical_feature=["category", "brand"]
        )
        valid = lgb.Dataset(matrix(split.validation), y[split.validation], reference=train)
        params = {
            "objective": "binary",
            "learning_rate": 0.05,
            "num_leaves": 63,
            "min_data_in_leaf": 100,
            "feature_fraction": 0.8,
            "seed": 0,
            "num_threads": 1,
            "verbose": -1,
        }
        model = lgb.train(
            params, train, 2000, valid_sets=[valid], callbacks=[lgb.early_stopping(50, verbose=False)]
        )
        p = model.predict(matrix(test))
        return {
            "auc": roc_auc(y[test], p),
            "known_rows_auc": roc_auc(y[test][known], p[known]),
            "unknown_rows_auc": roc_auc(y[test][~known], p[~known]),
        }

    out: dict[str, object] = {
        "command": {k: str(v) for k, v in vars(args).items()},
        "test_rows": int(test.size),
        "share_known": round(float(known.mean()), 4),
        "ceiling": roc_auc(y[test], data.true_ctr[test]),
        "ceiling_known_rows": roc_auc(y[test][known], data.true_ctr[test][known]),
        "ceiling_unknown_rows": roc_auc(y[test][~known], data.true_ctr[test][~known]),
    }
    results = {}
    for extra in ((), *((name,) for name in ORACLES)):
        results["+".join(extra) or "ranker columns"] = fit(extra)
        print(extra or "ranker columns", results["+".join(extra) or "ranker columns"], flush=True)
    out["lightgbm"] = results
    out["seconds"] = round(time.perf_counter() - started, 1)
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

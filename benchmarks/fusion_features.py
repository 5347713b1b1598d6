"""Which learned-fusion features earn their place: k-fold cross-validation on the tuning queries.

    .venv/bin/python benchmarks/fusion_features.py runs/hd runs/hd/tuning_judgments.tsv \
        [--products ../shared/data/homedepot/products.tsv] [--folds 5] [--seed 7] [--out F.json]

Searches every tuning query once with the data folder's active encoder (as `shelfwise train
fusion` does), then for each feature set trains LambdaMART on k-1 folds (a fifth of them held out
to stop the boosting) and scores NDCG@10 on the fold left out. Every feature set sees the same
folds, so the per-fold differences are paired. The validation queries are not touched: choose
features here, then score the chosen model on validation once.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shelfwise.bench import open_products_shop
from shelfwise.config import Settings
from shelfwise.evaluate.trec import Judgments, read_judgments
from shelfwise.search.learned_fusion import FEATURES
from shelfwise.train.fusion import (
    GRADE_LEVELS,
    FusionExamples,
    FusionTrainingConfig,
    collect_examples,
    mean_ndcg10,
)

FIRST_EIGHTEEN = FEATURES[: FEATURES.index("query_pairs_in_title") + 1]
"""the features before the title-match ones were added (2026-12-05)"""
FEATURE_SETS = {"first 18 (before)": FIRST_EIGHTEEN, f"all {len(FEATURES)}": FEATURES}


def cross_validate(
    examples: FusionExamples,
    judgments: Judgments,
    names: tuple[str, ...],
    folds: int,
    seed: int,
    config: FusionTrainingConfig,
) -> list[float]:
    import lightgbm as lgb

    columns = [FEATURES.index(name) for name in names]
    order = np.random.default_rng(seed).permutation(len(examples.query_ids))
    useful = {i for i in range(len(examples.query_ids)) if examples.labels[examples.rows(i)].max() > 0}
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10],
        "label_gain": [level / 3 for level in range(GRADE_LEVELS)],
        "learning_rate": config.learning_rate,
        "num_leaves": config.leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "feature_fraction_seed": config.seed,
        "seed": config.seed,
        "num_threads": config.threads,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }

    def dataset(chosen: list[int]) -> lgb.Dataset:
        rows = np.concatenate(
            [np.arange(examples.starts[i], examples.starts[i] + examples.group[i]) for i in chosen]
        )
        return lgb.Dataset(
            examples.features[rows][:, columns],
            examples.labels[rows],
            group=examples.group[chosen],
            feature_name=list(names),
        )

    scores = []
    for test in np.array_split(order, folds):
        left_out = set(test.tolist())
        train = [int(i) for i in order if int(i) not in left_out and int(i) in useful]
        stop = len(train) // 5
        booster = lgb.train(
            params,
            dataset(train[stop:]),
            config.trees,
            valid_sets=[dataset(train[:stop])],
            callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
        )
        predicted = [
            booster.predict(examples.features_of(i)[:, columns]) if i in left_out else np.zeros(0)
            for i in range(len(examples.query_ids))
        ]
        scores.append(mean_ndcg10(examples, [int(i) for i in test], predicted, judgments))
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("judgments", type=Path, help="the tuning judgments (never the validation ones)")
    parser.add_argument("--products", type=Path, default=Path("../shared/data/homedepot/products.tsv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = FusionTrainingConfig()
    judgments = read_judgments(args.judgments)
    shop = open_products_shop(Settings(data_dir=args.data_dir), args.products, learned_fusion=False).shop
    try:
        examples = collect_examples(shop.engine, judgments, config)
    finally:
        shop.close()
    report: dict[str, object] = {
        "queries": len(examples.query_ids),
        "folds": args.folds,
        "seed": args.seed,
        "leaves": config.leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
    }
    baseline: list[float] | None = None
    for label, names in FEATURE_SETS.items():
        scores = cross_validate(examples, judgments, names, args.folds, args.seed, config)
        baseline = baseline or scores
        report[label] = {
            "ndcg10": round(float(np.mean(scores)), 4),
            "folds": [round(s, 4) for s in scores],
            "paired_gain": [round(s - b, 4) for s, b in zip(scores, baseline, strict=True)],
        }
        print(
            f"{label}: cross-validated NDCG@10 {np.mean(scores):.4f}  folds "
            + " ".join(f"{s:.4f}" for s in scores),
            flush=True,
        )
    if args.out:
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Accuracy against exposure for the long-tail exposure policy (issue 30 part 5), from one fit:
apply the policy to the deep lists `shelfwise bench recommend --k 100` wrote, exactly as
`bench recommend --exposure` does with `depth * 10 <= 100` (the same fused top 100, the same
`exposure_order`, tiers from each item's events in the training sequences), and print NDCG and
Recall at 10 beside the lists' exposure: the share of all slots on the most shown 1% of the
catalog, the share of the catalog shown, and the slots on the policy's head and long tail.

    .venv/bin/python benchmarks/exposure_tradeoff.py --predictions runs/beauty/val_pred.jsonl \\
        --truth runs/beauty/truth.tsv --sequences runs/beauty/train.tsv \\
        --items ../shared/data/amazon-beauty/items.tsv \\
        --policies '{"enabled": false}' '{}' '{"head_cap": 0.2, "tail_quota": 0.4}'
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from shelfwise.config import ExposureConfig  # noqa: E402
from shelfwise.evaluate.recommend_eval import evaluate_recommendations  # noqa: E402
from shelfwise.evaluate.sequences import (  # noqa: E402
    read_items_tsv,
    read_predictions_jsonl,
    read_sequences_tsv,
    read_truth_tsv,
)
from shelfwise.recommend.exposure import (  # noqa: E402
    HEAD,
    NEW,
    TAIL,
    popularity_tiers,
)
from shelfwise.recommend.exposure_ledger import budgeted_pick, new_ledger  # noqa: E402

K = 10


def bounded(lists: dict[str, list[str]], tier_of: np.ndarray, index: dict[str, int], policy: ExposureConfig
            ) -> dict[str, list[str]]:  # fmt: skip
    """Each shopper's K as the served lists would be (`budgeted_pick`), the budget's ledger counting
    the shoppers' lists in the predictions' order."""
    if not policy.enabled:
        return {user: ranked[:K] for user, ranked in lists.items()}
    depth = policy.depth * K
    ledger = new_ledger(policy, len(tier_of))
    out = {}
    for user, ranked in lists.items():
        top = ranked[:depth]
        order = budgeted_pick([index[i] for i in top], tier_of, K, policy, user, ledger)
        out[user] = [top[i] for i in order]
    return out


def exposure_figures(lists: dict[str, list[str]], tiers: dict[str, int], catalog: int) -> dict[str, float]:
    shown = Counter(item for ranked in lists.values() for item in ranked)
    slots = sum(shown.values())
    top = max(1, round(0.01 * catalog))
    picked = np.array([tiers[i] for ranked in lists.values() for i in ranked], dtype=np.int8)
    return {
        "top1_share": sum(count for _, count in shown.most_common(top)) / slots,
        "coverage": len(shown) / catalog,
        "head_slots": float((picked == HEAD).mean()),
        "tail_slots": float(((picked == TAIL) | (picked == NEW)).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--sequences", type=Path, required=True, help="the training sequences (events)")
    parser.add_argument("--items", type=Path, required=True, help="the catalog (item_id, text)")
    parser.add_argument("--policies", nargs="+", default=['{"enabled": false}', "{}"])
    args = parser.parse_args()
    truth = read_truth_tsv(args.truth)
    lists = {u: r for u, r in read_predictions_jsonl(args.predictions).items() if u in truth}
    catalog = sorted(read_items_tsv(args.items))
    index = {item: i for i, item in enumerate(catalog)}
    counts = np.zeros(len(catalog))
    for items in read_sequences_tsv(args.sequences).values():
        for item in items:
            counts[index[item]] += 1
    print("| policy | NDCG@10 | Recall@10 | top 1% share | coverage | head slots | tail slots |")
    print("|---|---|---|---|---|---|---|")
    for text in args.policies:
        policy = ExposureConfig.model_validate({"enabled": True, **json.loads(text)})
        tier_of = popularity_tiers(counts, policy)
        tiers = {item: int(tier_of[i]) for item, i in index.items()}
        chosen = bounded(lists, tier_of, index, policy)
        at10 = evaluate_recommendations(chosen, truth, (K,)).at(K)
        shown = exposure_figures(chosen, tiers, len(catalog))
        figures = " | ".join(f"{v:.4f}" for v in shown.values())
        print(f"| {text} | {at10.ndcg:.4f} | {at10.recall:.4f} | {figures} |", flush=True)


if __name__ == "__main__":
    main()

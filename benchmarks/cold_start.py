"""Cold-start items: hide every event of a random share of items, fit the recommender on what is
left, and measure how often a shopper whose true next item is a hidden item gets it recommended.

    .venv/bin/python benchmarks/cold_start.py --sequences runs/beauty/train.tsv \
        --truth runs/beauty/truth.tsv --items ../shared/data/amazon-beauty/items.tsv \
        --data-dir runs/beauty/data [--share 0.05] [--channels ...] \
        [--cold-item-share 0.05] [--cold-slots 0,1,2] [--threads 2]

The hidden items stay in the catalog with their texts, so only text (the content channel, and the
sequential model's text half) can reach them. Prints Recall/NDCG@10 on the shoppers whose next
item is hidden, how many hidden items are recommended to anyone, and the same figures for the
other shoppers, once per number of places kept for items without events (`--cold-slots`, all
from one fit). `--cold-item-share` is the recommender's own simulation of cold items while its
ranker learns (0 turns it off).

New shoppers: the list an empty history gets, scored against every evaluated shopper's held-out
next item (what a shopper with no history would have been shown), and against each shopper's
first item (in-sample: first items are in the training data).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shelfwise.bench import load_item_encoder
from shelfwise.config import Settings
from shelfwise.evaluate.sequences import read_items_tsv, read_sequences_tsv, read_truth_tsv
from shelfwise.recommend import Recommender, RecommenderTrainingConfig, recommender_config
from shelfwise.recommend.offline import training_data


def _scores(predictions: dict[str, list[str]], truth: dict[str, str], users: list[str]) -> dict[str, float]:
    recall = ndcg = 0.0
    for user in users:
        top = predictions.get(user, [])[:10]
        if truth[user] in top:
            recall += 1
            ndcg += 1 / np.log2(top.index(truth[user]) + 2)
    n = max(1, len(users))
    return {"users": len(users), "recall@10": recall / n, "ndcg@10": ndcg / n}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sequences", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--items", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--channels", default="cooccurrence,sequential,als,content,popularity")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cold-item-share", type=float, default=RecommenderTrainingConfig().cold_item_share)
    parser.add_argument("--cold-slots", default="0", help="comma-separated places kept for cold items")
    parser.add_argument("--threads", type=int, default=2, help="torch and LightGBM threads")
    args = parser.parse_args()
    sequences = read_sequences_tsv(args.sequences)
    truth = read_truth_tsv(args.truth)
    texts = read_items_tsv(args.items)
    seen = sorted({item for seq in sequences.values() for item in seq})
    rng = np.random.default_rng(args.seed)
    hidden = set(rng.choice(seen, size=int(len(seen) * args.share), replace=False).tolist())
    visible = {user: [i for i in seq if i not in hidden] for user, seq in sequences.items()}
    encoder = load_item_encoder(Settings(data_dir=args.data_dir))
    config = recommender_config(args.channels, args.threads, args.seed, args.cold_item_share)
    data, _ = training_data(visible, texts, encoder.encode_texts)
    recommender = Recommender(config)
    fit = recommender.fit(data, print)
    users = list(visible)
    cold_users = [u for u in truth if truth[u] in hidden]
    warm_users = [u for u in truth if truth[u] not in hidden]
    by_slots = {}
    for slots in (int(s) for s in args.cold_slots.split(",")):
        lists = recommender.recommend(data.sequences, 10, cold_slots=slots)
        predictions = {u: [data.item_ids[i] for i, _ in items] for u, items in zip(users, lists, strict=True)}
        recommended = {i for items in predictions.values() for i in items}
        by_slots[slots] = {
            "cold_next_item": _scores(predictions, truth, cold_users),
            "warm_next_item": _scores(predictions, truth, warm_users),
            "all": _scores(predictions, truth, list(truth)),
            "hidden_items_recommended_to_anyone": len(hidden & recommended),
            "lists_with_a_hidden_item": sum(bool(hidden & set(v)) for v in predictions.values()),
        }
    empty = [data.item_ids[i] for i, _ in recommender.recommend([np.zeros(0, dtype=np.int64)], 10)[0]]
    result = {
        "hidden_items": len(hidden),
        "hidden_events": sum(len(s) for s in sequences.values()) - sum(len(s) for s in visible.values()),
        "channels": fit.channels,
        "fused_by": fit.fused_by,
        "validation_ndcg": fit.validation_ndcg,
        "simulated_cold_items": fit.cold_items,
        "simulated_cold_examples": fit.cold_examples,
        "by_cold_slots": by_slots,
        "new_shopper_list": empty,
        "new_shopper_vs_next_item": _scores({u: empty for u in truth}, truth, list(truth)),
        "new_shopper_vs_first_item_in_sample": _scores(
            {u: empty for u in sequences}, {u: s[0] for u, s in sequences.items()}, list(sequences)
        ),
        "seconds": fit.seconds,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

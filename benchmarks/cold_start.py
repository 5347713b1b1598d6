"""Cold-start items: hide every event of a random share of items, fit the recommender on what is
left, and measure how often a shopper whose true next item is a hidden item gets it recommended.

    .venv/bin/python benchmarks/cold_start.py --sequences runs/beauty/train.tsv \
        --truth runs/beauty/truth.tsv --items ../shared/data/amazon-beauty/items.tsv \
        --data-dir runs/beauty/data [--share 0.05] [--channels ...]

The hidden items stay in the catalog with their texts, so only text (the content channel, and the
sequential model's text half) can reach them. Prints Recall/NDCG@10 on the shoppers whose next
item is hidden, how many hidden items are recommended to anyone, and the same figures for the
other shoppers.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shelfwise.config import Settings
from shelfwise.evaluate.recommend_eval import load_item_encoder
from shelfwise.evaluate.sequences import read_items_tsv, read_sequences_tsv, read_truth_tsv
from shelfwise.recommend import ChannelsConfig, RecommenderConfig
from shelfwise.recommend.offline import predict_next_items


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
    args = parser.parse_args()
    sequences = read_sequences_tsv(args.sequences)
    truth = read_truth_tsv(args.truth)
    texts = read_items_tsv(args.items)
    seen = sorted({item for seq in sequences.values() for item in seq})
    rng = np.random.default_rng(args.seed)
    hidden = set(rng.choice(seen, size=int(len(seen) * args.share), replace=False).tolist())
    visible = {user: [i for i in seq if i not in hidden] for user, seq in sequences.items()}
    encoder = load_item_encoder(Settings(data_dir=args.data_dir))
    config = RecommenderConfig(channels=ChannelsConfig(enabled=tuple(args.channels.split(","))))  # type: ignore[arg-type]
    predictions, report = predict_next_items(visible, texts, encoder.encode_texts, 10, config, print)
    cold_users = [u for u in truth if truth[u] in hidden]
    warm_users = [u for u in truth if truth[u] not in hidden]
    recommended = {i for items in predictions.values() for i in items[:10]}
    result = {
        "hidden_items": len(hidden),
        "hidden_events": sum(len(s) for s in sequences.values()) - sum(len(s) for s in visible.values()),
        "channels": report.fit.channels,
        "fused_by": report.fit.fused_by,
        "cold_next_item": _scores(predictions, truth, cold_users),
        "warm_next_item": _scores(predictions, truth, warm_users),
        "hidden_items_recommended_to_anyone": len(hidden & recommended),
        "lists_with_a_hidden_item": sum(bool(hidden & set(v[:10])) for v in predictions.values()),
        "seconds": report.seconds,
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

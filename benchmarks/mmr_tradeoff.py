"""Accuracy against diversity for maximal marginal relevance (MMR) re-ranking, from one fit:
re-rank the deep lists `shelfwise bench recommend --k 100` wrote, once per lambda, exactly as
`bench recommend --mmr LAMBDA --mmr-pool 100` would (same fused order, same `mmr_order`), and
print NDCG / Recall / intra-list diversity (MiniLM cosine distance) at 10 and 20.

    .venv/bin/python benchmarks/mmr_tradeoff.py --predictions runs/beauty/val_pred100.jsonl \
        --truth runs/beauty/truth.tsv --items ../shared/data/amazon-beauty/items.tsv \
        --data-dir runs/beauty/data --lambdas 1,0.95,0.9,0.8,0.7,0.5
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shelfwise.config import Settings
from shelfwise.evaluate.recommend_eval import ItemVectors, evaluate_recommendations, load_item_encoder
from shelfwise.evaluate.sequences import read_items_tsv, read_predictions_jsonl, read_truth_tsv
from shelfwise.recommend.diversity import mmr_order


def item_vectors(items: list[str], texts: dict[str, str], data_dir: Path) -> dict[str, np.ndarray]:
    """Unit text vectors of the items (zeros for an item without text), as the bench uses them."""
    with_text = [i for i in items if texts.get(i, "").strip()]
    raw = np.asarray(
        load_item_encoder(Settings(data_dir=data_dir)).encode_texts([texts[i] for i in with_text])
    )
    raw = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
    vectors = {item: row.astype(np.float32) for item, row in zip(with_text, raw, strict=True)}
    zero = np.zeros(raw.shape[1], dtype=np.float32)
    return {item: vectors.get(item, zero) for item in items}


def rerank(
    lists: dict[str, list[str]], vectors: dict[str, np.ndarray], lam: float, k: int, pool: int
) -> dict[str, list[str]]:
    out = {}
    for user, ranked in lists.items():
        top = ranked[:pool]
        if not top:
            out[user] = []
            continue
        order = mmr_order(np.stack([vectors[i] for i in top]), k, lam)
        out[user] = [top[i] for i in order]
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--predictions", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--items", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--lambdas", default="1,0.95,0.9,0.8,0.7,0.5")
    parser.add_argument("--pool", type=int, default=100)
    args = parser.parse_args()
    lists = read_predictions_jsonl(args.predictions)
    truth = read_truth_tsv(args.truth)
    texts = read_items_tsv(args.items)
    lists = {u: lists[u] for u in truth if u in lists}
    vectors = item_vectors(
        sorted({i for ranked in lists.values() for i in ranked[: args.pool]}), texts, args.data_dir
    )
    with_text = {i: v for i, v in vectors.items() if v.any()}
    diversity = ItemVectors(sorted(with_text), np.stack([with_text[i] for i in sorted(with_text)]))
    rows = []
    for lam in (float(x) for x in args.lambdas.split(",")):
        report = evaluate_recommendations(
            rerank(lists, vectors, lam, 20, args.pool), truth, (10, 20), item_vectors=diversity
        )
        at10, at20 = report.at(10), report.at(20)
        rows.append(
            {"lambda": lam, "ndcg@10": at10.ndcg, "recall@10": at10.recall, "ild@10": at10.diversity,
             "ndcg@20": at20.ndcg, "recall@20": at20.recall, "ild@20": at20.diversity}
        )  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
    print("| lambda | NDCG@10 | Recall@10 | ILD@10 | NDCG@20 | Recall@20 | ILD@20 |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['lambda']} | " + " | ".join(f"{r[key]:.4f}" for key in list(r)[1:]) + " |")


if __name__ == "__main__":
    main()

"""The knowledge-graph walk channel (`graph_walk`) against the current recommender and the
catalog-links channel (`graph`): what `shelfwise bench recommend` trains and predicts, scored
as `shelfwise eval recommend` scores (leave-last-out, `shelfwise eval holdout`), in one process
so the items are encoded once.

    shelfwise eval holdout --sequences S.tsv --out-sequences train.tsv --out-truth truth.tsv
    nice -n 10 python benchmarks/graph_walk.py --items I.tsv --train train.tsv --truth truth.tsv \
        -d runs/walk --configs default default+graph default+graph_walk --seeds 0,1

A config is `default` (the bench's default channels) with `+name` channels added, or a
comma-separated list of channels; `--walk '{"beta": 0.3}'` sets the walk's `GraphWalkConfig`.
Prints one JSON line per run, then a table of means over the seeds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from shelfwise.bench import load_item_encoder
from shelfwise.config import Settings
from shelfwise.evaluate.recommend_eval import ndcg_at_k, recall_at_k
from shelfwise.evaluate.sequences import read_item_metadata_tsv, read_items_tsv, read_sequences_tsv
from shelfwise.recommend import recommender_config
from shelfwise.recommend.graph_walk import GraphWalkConfig
from shelfwise.recommend.offline import predict_next_items

DEFAULT = "cooccurrence,sequential,als,content,popularity"
METRICS = ("ndcg@10", "recall@10", "ndcg@20", "recall@20")


def channels_of(config: str) -> str:
    if config == "default" or config.startswith("default+"):
        return ",".join([DEFAULT, *(name for name in config.split("+")[1:] if name)])
    return config


def read_truth(path: Path) -> dict[str, str]:
    rows = [line.rstrip("\n").split("\t") for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    return {row[0]: row[1] for row in rows if len(row) >= 2}


def scores(predictions: dict[str, list[str]], truth: dict[str, str]) -> dict[str, float]:
    out = {}
    for metric in METRICS:
        name, k = metric.split("@")
        measure = ndcg_at_k if name == "ndcg" else recall_at_k
        values = [measure(predictions.get(user, []), item, int(k)) for user, item in truth.items()]
        out[metric] = round(sum(values) / max(len(values), 1), 4)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=Path, required=True)
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("-d", "--data-dir", type=Path, required=True, help="embedding cache folder")
    parser.add_argument("--configs", nargs="+", default=["default", "default+graph", "default+graph_walk"])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--walk", default="{}", help="GraphWalkConfig as JSON")
    args = parser.parse_args()
    shoppers = read_sequences_tsv(args.train, "user_id", "items")
    texts = read_items_tsv(args.items, "item_id", "text")
    facts = read_item_metadata_tsv(args.items, "item_id")
    truth = read_truth(args.truth)
    encoder = load_item_encoder(Settings(data_dir=args.data_dir))
    walk = GraphWalkConfig.model_validate_json(args.walk)
    rows = []
    for config in args.configs:
        for seed in (int(s) for s in args.seeds.split(",")):
            base = recommender_config(channels_of(config), args.threads, seed)
            training = base.model_copy(
                update={"channels": base.channels.model_copy(update={"graph_walk": walk})}
            )
            started = time.perf_counter()
            predictions, report = predict_next_items(shoppers, texts, encoder.encode_texts, 20, training,
                                                     item_info=facts)  # fmt: skip
            row = {"config": config, "seed": seed, "channels": report.fit.channels,
                   "fused_by": report.fit.fused_by, "seconds": round(time.perf_counter() - started, 1),
                   **scores(predictions, truth)}  # fmt: skip
            print(json.dumps(row), flush=True)
            rows.append(row)
    print(f"walk config: {walk.model_dump_json()}")
    print("| config | " + " | ".join(METRICS) + " | seconds |\n|---|" + "---|" * (len(METRICS) + 1))
    for config in args.configs:
        mine = [r for r in rows if r["config"] == config]
        means = [sum(float(r[m]) for r in mine) / len(mine) for m in METRICS]  # type: ignore[arg-type]
        seconds = sum(float(r["seconds"]) for r in mine) / len(mine)  # type: ignore[arg-type]
        print(f"| {config} | " + " | ".join(f"{v:.4f}" for v in means) + f" | {seconds:.0f} |")


if __name__ == "__main__":
    main()

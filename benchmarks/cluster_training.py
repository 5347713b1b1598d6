"""Issue 29 part 3: is the sequential recommender trained by Ray Train on 2 workers as good as the
single-process one? NDCG@10 / Recall@10 on Amazon Beauty (each shopper's last item held out, full
ranking over every item, the history's own items excluded), the sequential channel alone.

The noise is measured, not assumed: the single-process fit is run with several seeds (`--seeds`),
whose spread (min-max, standard deviation) is what "within noise" is judged against; the Ray runs
(2 workers of one thread each, one per node, DDP over gloo, each worker half of every batch) use
the first seeds. Both train a fixed number of epochs (`--epochs`, no early stopping) with the same
config; `--users N` subsamples shoppers (seeded) when the machine is too loaded for the full set.

The cluster is the test harness's (tests/cluster/ray_harness.py): two network namespaces, a head
and a worker of one CPU each, stopped at the end. Needs root (namespaces) and the `cluster` extra.

    nice -n 10 python benchmarks/cluster_training.py --sequences ../shared/data/amazon-beauty/sequences.tsv \\
        --users 6000 --epochs 12 --seeds 0,1,2 --ray-seeds 0,1,2
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cluster_seeds import ray_runs, spread  # noqa: E402

from shelfwise.recommend.channel import TrainingData  # noqa: E402
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig  # noqa: E402


def load_split(path: Path, users: int | None, seed: int) -> tuple[TrainingData, list[np.ndarray], np.ndarray]:
    """Training sequences (each shopper's items but the last), the histories and held-out items."""
    rows = [line.split("\t", 1)[1].split() for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    rows = [items for items in rows if len(items) >= 2]
    if users is not None and users < len(rows):
        keep = np.sort(np.random.default_rng(seed).permutation(len(rows))[:users])
        rows = [rows[i] for i in keep]
    index: dict[str, int] = {}  # the items the (sampled) shoppers have
    sequences = [np.array([index.setdefault(i, len(index)) for i in items], dtype=np.int64) for items in rows]
    histories = [s[:-1] for s in sequences]
    truth = np.array([s[-1] for s in sequences], dtype=np.int64)
    data = TrainingData(tuple(str(i) for i in range(len(index))), histories)
    return data, histories, truth


def ndcg_recall(
    channel: SequentialChannel, histories: list[np.ndarray], truth: np.ndarray
) -> tuple[float, float]:
    gains, hits = [], []
    for start in range(0, len(histories), 512):
        batch = histories[start : start + 512]
        scores = channel.score(batch)
        for row, history in enumerate(batch):
            scores[row, history] = -np.inf
        wanted = scores[np.arange(len(batch)), truth[start : start + len(batch)]]
        rank = (scores > wanted[:, None]).sum(axis=1)
        gains.append(np.where(rank < 10, 1.0 / np.log2(rank + 2.0), 0.0))
        hits.append(rank < 10)
    return float(np.concatenate(gains).mean()), float(np.concatenate(hits).mean())


def config(epochs: int, seed: int) -> SequentialConfig:
    return SequentialConfig(epochs=epochs, patience=epochs, use_text=False, threads=1, seed=seed)


def single_run(args: argparse.Namespace, seed: int) -> dict[str, float]:
    data, histories, truth = load_split(args.sequences, args.users, 0)
    channel = SequentialChannel(config(args.epochs, seed))
    started = time.perf_counter()
    channel.fit(data)
    seconds = time.perf_counter() - started
    ndcg, recall = ndcg_recall(channel, histories, truth)
    return {"seed": seed, "ndcg10": ndcg, "recall10": recall, "train_s": seconds}


def ray_run(address: str, sequences: str, users: int | None, epochs: int, seed: int, root: str) -> None:
    """The driver inside the head's namespace: train on the cluster, evaluate here, print JSON."""
    from shelfwise.cluster.training import ClusterTraining, read_epochs, train_sequential

    data, histories, truth = load_split(Path(sequences), users, 0)
    cluster = ClusterTraining(address, Path(root), workers=2, run_name=f"bench-seed{seed}")
    started = time.perf_counter()
    channel = train_sequential(cluster, config(epochs, seed), data)
    seconds = time.perf_counter() - started
    ndcg, recall = ndcg_recall(channel, histories, truth)
    epoch_seconds = [round(record.seconds, 1) for record in read_epochs(cluster.run_folder)]
    print(json.dumps({"seed": seed, "ndcg10": ndcg, "recall10": recall, "train_s": seconds,
                      "epoch_s": epoch_seconds}))  # fmt: skip


def line(label: str, run: dict[str, float]) -> str:
    figures = f"NDCG@10 {run['ndcg10']:.4f} Recall@10 {run['recall10']:.4f}"
    return f"{label} seed {run['seed']}: {figures} ({run['train_s']:.0f} s)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sequences", type=Path, default=ROOT.parent / "shared/data/amazon-beauty/sequences.tsv"
    )
    parser.add_argument("--users", type=int, default=None, help="a seeded subsample of shoppers")
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--seeds", default="0,1,2", help="single-process runs (their spread is the noise)")
    parser.add_argument("--ray-seeds", default="0,1", help="Ray Train runs, 2 workers")
    parser.add_argument("--ray-timeout", type=float, default=3600, help="seconds a Ray run may take")
    parser.add_argument("--skip-single", action="store_true", help="only the Ray runs")
    parser.add_argument("--out", type=Path, default=None, help="write the figures here as JSON")
    args = parser.parse_args()
    single = []
    for seed in [int(s) for s in args.seeds.split(",") if s and not args.skip_single]:
        single.append(run := single_run(args, seed))
        print(line("single process", run), flush=True)

    def call(seed: int, root: Path) -> str:
        shoppers = f"{str(args.sequences)!r}, {args.users!r}, {args.epochs}"
        return f"b.ray_run(ADDRESS, {shoppers}, {seed}, {str(root)!r})"

    seeds = [int(s) for s in args.ray_seeds.split(",") if s]
    ray = ray_runs("cluster_training", seeds, call, args.ray_timeout, "b")
    for run in ray:
        print(line("Ray 2 workers", run), flush=True)
    print("single process NDCG@10:", spread([r["ndcg10"] for r in single]) if len(single) > 1 else single)
    print("Ray 2 workers NDCG@10:", spread([r["ndcg10"] for r in ray]) if len(ray) > 1 else ray)
    if args.out is not None:
        args.out.write_text(
            json.dumps({"single": single, "ray": ray, "args": vars(args)}, default=str, indent=1)
        )


if __name__ == "__main__":
    main()

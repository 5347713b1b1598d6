"""Recommendation latency at scale (issue 6 part 5): a recommender fitted on synthetic histories of
`--users` shoppers over `--items` products, then single requests timed on one thread.

    .venv/bin/python benchmarks/recommend_scale.py --items 1000000 --users 1000000 --out runs/rec-1m.json

The synthetic shop: items fall in `--clusters` categories with Zipf popularity inside each; a
shopper keeps to one or two categories and walks through nearby items (so co-occurrence, ALS and
text similarity all have something to find); histories are 2-12 items long (about 5 on average).
Item text vectors are the category's direction plus noise (384-d, unit length): the language model
is not run here (encoding a million titles takes about 20 minutes on 2 cores, issue 6 part 2
measures it), so this measures the request path, not recommendation quality.

The timed request is what `LiveRecommender.for_history` does for a shopper's feed: every channel's
recall (sparse from `sparse_recall_from` items: neighbour rows, folded-in ALS factors against an IVF
index, text profile against an IVF-SQ8 index, the popularity head), candidate features, the
LightGBM ranker, business rules, diversity (MMR) and reasons; products come from an in-memory
catalog that builds each Product object on demand (the HTTP service reads them from its store:
`benchmarks/load_http.py` measures that path). From 50,000 items the sequential channel trains
against sampled negatives (a softmax over a million items does not fit a training step);
`--sequential-epochs` bounds its training (2 by default: this measures requests, not quality).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import numpy as np
import torch

from shelfwise.config import RecommendConfig
from shelfwise.evaluate.machine import describe_machine
from shelfwise.recommend.als import AlsChannel
from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.content import ContentChannel
from shelfwise.recommend.cooccurrence import CooccurrenceChannel
from shelfwise.recommend.item_index import recall_against_exact
from shelfwise.recommend.live import LiveRecommender
from shelfwise.recommend.recommender import Recommender, RecommenderConfig
from shelfwise.recommend.sequential import SequentialChannel
from shelfwise.records import Product


def synthetic_shop(
    n_items: int, n_users: int, clusters: int, dim: int, seed: int
) -> tuple[TrainingData, np.ndarray]:
    """The histories and text vectors, and each item's category."""
    rng = np.random.default_rng(seed)
    cluster_of = np.sort(rng.integers(0, clusters, n_items))  # items of a category are contiguous
    starts = np.searchsorted(cluster_of, np.arange(clusters))
    sizes = np.bincount(cluster_of, minlength=clusters)
    centres = rng.normal(size=(clusters, dim)).astype(np.float32)
    vectors = centres[cluster_of] + 0.6 * rng.normal(size=(n_items, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    lengths = np.minimum(2 + rng.geometric(1 / 4, n_users) - 1, 12)
    total = int(lengths.sum())
    owner = np.repeat(np.arange(n_users), lengths)
    home = rng.integers(0, clusters, n_users)
    away = rng.integers(0, clusters, n_users)
    cluster = np.where(rng.random(total) < 0.8, home[owner], away[owner])
    # Zipf-like position inside the category, then a small walk around a shopper's anchor
    anchor = (rng.pareto(1.2, total) * 3).astype(np.int64)
    walk = rng.integers(-5, 6, total)
    offset = np.abs(anchor + walk) % np.maximum(sizes[cluster], 1)
    items = starts[cluster] + offset
    bounds = np.concatenate([[0], np.cumsum(lengths)])
    sequences = [items[bounds[u] : bounds[u + 1]] for u in range(n_users)]
    ids = tuple(f"p{i:07d}" for i in range(n_items))
    return TrainingData(ids, sequences, None, vectors), cluster_of


class OnDemandCatalog(Mapping[str, Product]):
    """Products built when asked for (a million pydantic objects would not fit the budget)."""

    def __init__(self, data: TrainingData, clusters: np.ndarray) -> None:
        self._ids = {pid: i for i, pid in enumerate(data.item_ids)}
        self._clusters = clusters

    def __getitem__(self, product_id: str) -> Product:
        row = self._ids[product_id]
        return Product(
            product_id=product_id,
            title=f"Synthetic product {row}",
            category=("Synthetic", f"Category {self._clusters[row]}"),
            price=10.0 + row % 90,
            in_stock=row % 17 != 0,
        )

    def get_many(self, product_ids: list[str]) -> dict[str, Product]:
        return {pid: self[pid] for pid in product_ids if pid in self._ids}

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def __len__(self) -> int:
        return len(self._ids)


FIT_KEYS = ("fit_s", "fit_seconds", "fused_by", "validation_ndcg", "sparse_recall")


def fit_recommender(
    data: TrainingData, config: RecommenderConfig, report: dict[str, object]
) -> LiveRecommender:
    started = time.perf_counter()
    recommender = Recommender(config)
    fit = recommender.fit(data, lambda message: print(f"  {message}", flush=True))
    report["fit_s"] = round(time.perf_counter() - started, 1)
    report["fit_seconds"] = {k: round(v, 1) for k, v in fit.seconds.items()}
    report["fused_by"] = fit.fused_by
    report["validation_ndcg"] = fit.validation_ndcg
    assert recommender.builder is not None
    report["sparse_recall"] = recommender.builder.sparse
    print(f"fitted in {report['fit_s']} s ({fit.fused_by}); RSS {rss_mb():.0f} MB", flush=True)
    together = CooccurrenceChannel()
    together.matrix = next(c for c in recommender.channels if isinstance(c, CooccurrenceChannel)).matrix
    return LiveRecommender(recommender, data.item_ids, {}, {}, together)


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = np.sort(np.asarray(values))
    return {f"p{q}": round(float(np.percentile(ordered, q)), 3) for q in (50, 95, 99)} | {
        "mean": round(statistics.fmean(values), 3)
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--clusters", type=int, default=2000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=2, help="training threads (requests run on one)")
    parser.add_argument("--cold-item-share", type=float, default=0.05)
    parser.add_argument("--channels", default="cooccurrence,sequential,als,content,popularity")
    parser.add_argument("--sequential-epochs", type=int, default=2)
    parser.add_argument(
        "--profile", action="store_true", help="print where new-shopper and feed requests spend"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--model", type=Path, help="a folder: load the fitted model from it, or save it there"
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    report: dict[str, object] = {"items": args.items, "users": args.users, "clusters": args.clusters}
    started = time.perf_counter()
    data, clusters = synthetic_shop(args.items, args.users, args.clusters, args.dim, args.seed)
    report["events"] = int(sum(len(s) for s in data.sequences))
    report["generate_s"] = round(time.perf_counter() - started, 1)
    print(
        f"generated {report['events']} events in {report['generate_s']} s; RSS {rss_mb():.0f} MB", flush=True
    )
    config = RecommenderConfig.model_validate(
        {
            "channels": {
                "enabled": tuple(args.channels.split(",")),
                "sequential": {
                    "epochs": args.sequential_epochs,
                    "max_length": 12,  # the synthetic histories' longest
                    "threads": args.threads,
                    "seed": args.seed,
                },
            },
            "ranker": {"threads": args.threads, "seed": args.seed},
            "cold_item_share": args.cold_item_share,
            "seed": args.seed,
        }
    )
    saved = args.model / "manifest.json" if args.model else None
    if saved is not None and saved.exists():
        started = time.perf_counter()
        live = LiveRecommender.load(args.model)
        report |= json.loads(saved.read_text())["fit"]
        report["load_s"] = round(time.perf_counter() - started, 1)
        print(f"loaded {args.model} in {report['load_s']} s; RSS {rss_mb():.0f} MB", flush=True)
    else:
        live = fit_recommender(data, config, report)
        target = args.model if args.model is not None else Path(tempfile.mkdtemp(prefix="recommend-scale-"))
        started = time.perf_counter()
        live.save(target, {"fit": {k: report[k] for k in FIT_KEYS}})
        report["save_s"] = round(time.perf_counter() - started, 1)
        report["model_mb"] = round(sum(p.stat().st_size for p in target.rglob("*") if p.is_file()) / 2**20, 1)
        if args.model is None:
            shutil.rmtree(target, ignore_errors=True)
    recommender = live.recommender
    catalog = OnDemandCatalog(data, clusters)
    serve = RecommendConfig()

    torch.set_num_threads(1)
    import faiss

    faiss.omp_set_num_threads(1)
    rng = np.random.default_rng(args.seed + 7)
    users = rng.integers(0, args.users, args.requests)
    for u in users[:20]:  # warm-up: first calls build caches and page memory in
        live.for_history(data.sequences[u], 10, catalog, serve)
    timings: dict[str, list[float]] = {"feed": [], "core": [], "new_shopper": []}
    channel_ms: dict[str, list[float]] = {c.name: [] for c in recommender.channels}
    for u in users:
        history = data.sequences[u]
        t0 = time.perf_counter()
        found = live.for_history(history, 10, catalog, serve)
        timings["feed"].append((time.perf_counter() - t0) * 1000)
        assert len(found) == 10, f"only {len(found)} recommendations for shopper {u}"
        t0 = time.perf_counter()
        recommender.recommend_one(history, 40)
        timings["core"].append((time.perf_counter() - t0) * 1000)
        for channel in recommender.channels:
            t0 = time.perf_counter()
            channel.recall([history], config.ranker.depth)
            channel_ms[channel.name].append((time.perf_counter() - t0) * 1000)
    for _ in range(min(200, args.requests)):
        t0 = time.perf_counter()
        live.for_history(np.zeros(0, dtype=np.int64), 10, catalog, serve)
        timings["new_shopper"].append((time.perf_counter() - t0) * 1000)
    report["latency_ms"] = {name: percentiles(values) for name, values in timings.items()}
    if args.profile:
        import cProfile
        import pstats

        for name, history in (
            ("new shopper", np.zeros(0, dtype=np.int64)),
            ("feed", data.sequences[users[0]]),
        ):
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(100):
                live.for_history(history, 10, catalog, serve)
            profiler.disable()
            print(f"--- {name}: 100 requests")
            pstats.Stats(profiler).sort_stats("tottime").print_stats(12)
    report["channel_recall_ms"] = {name: percentiles(values) for name, values in channel_ms.items()}

    # what the approximate item indexes lose against exact search, on the queries requests make
    recalls: dict[str, float] = {}
    sample = [data.sequences[u] for u in users[:200]]
    for channel in recommender.channels:
        if not isinstance(channel, AlsChannel | ContentChannel | SequentialChannel):
            continue
        index = channel._item_index
        if index is None or index.exact:
            continue
        if isinstance(channel, AlsChannel):
            assert channel.model is not None
            vectors = np.asarray(channel.model.item_factors, dtype=np.float32)
            queries = channel.user_factors(sample)
        elif isinstance(channel, SequentialChannel):
            with torch.inference_mode():
                vectors = channel._item_table()[1:].numpy()
            queries = channel.hidden(sample)
        else:
            assert channel.vectors is not None
            vectors, queries = channel.vectors, channel.profiles(sample)
        recalls[channel.name] = round(recall_against_exact(index, vectors, queries, 10), 4)
    report["index_recall_at_10"] = recalls
    report["rss_mb"] = round(rss_mb(), 0)
    report["machine"] = describe_machine().model_dump()
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 0)
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

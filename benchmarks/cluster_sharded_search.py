"""Sharded search latency (issue 29 part 7): the recall of a query (lexical BM25 top 100 and
vector top 200, plus the cosines of lexical-only candidates: what `ShardedRecall` replaces) from
S shard actors on a two-node Ray cluster, against one index in one process, at N products.

One machine: both "nodes" are network namespaces of this machine sharing its cores, so the
shards do not add CPU; the figure shows the cost of fanning out (two Ray round trips: the
frequency phase and the search) against the work each shard saves. Encoding N products is out of
reach on 2 cores: the products are synthetic (Zipf-distributed words from a made-up vocabulary;
titles, brands, categories, descriptions, attributes) and the vectors random and normalised;
every shard actor generates its own part from the same seeds (no catalog crosses Ray's object
store). Vectors are searched exactly (flat) everywhere unless `--vector-kind ivf`.

    sudo-less root: PYTHONPATH=. HF_HUB_OFFLINE=1 nice -n 10 python benchmarks/cluster_sharded_search.py \\
        --products 1000000 --shards 2 --queries 300

Prints one JSON line: p50/p95/mean in ms for one index and for the shards, the share of queries
whose merged top 10 equals one index's (lexical: the same scores rank by rank to 1e-6, as equal
scores may swap; vector: the same ids in order), the build times and the peak resident memory."""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.records import Product

ROOT = Path(__file__).resolve().parents[1]
SEED = 29
VOCABULARY = 20_000
BLOCK = 50_000


def vocabulary() -> list[str]:
    rng = np.random.default_rng(SEED)
    syllables = [a + b for a in "bcdfghjklmnprstvwz" for b in ("a", "e", "i", "o", "u", "ar", "en", "ol")]
    words: dict[str, None] = {}
    while len(words) < VOCABULARY:
        words["".join(rng.choice(syllables, size=int(rng.integers(2, 4))))] = None
    return list(words)


def synthetic_products(count: int, keep: set[int] | None = None) -> Iterator[Product]:
    """The synthetic catalog's products in order (only the positions in `keep` when given);
    the same on every process."""
    words = np.array(vocabulary())
    weights = 1.0 / np.arange(1, len(words) + 1)
    weights /= weights.sum()
    brands = [f"{w.title()}co" for w in words[:2000]]
    categories = [(words[i].title(), words[i + 1].title()) for i in range(0, 400, 2)]
    for start in range(0, count, BLOCK):
        rng = np.random.default_rng([SEED, start])
        n = min(BLOCK, count - start)
        picks = rng.choice(len(words), size=(n, 40), p=weights)
        brand, category = rng.integers(0, len(brands), n), rng.integers(0, len(categories), n)
        for i in range(n):
            if keep is not None and start + i not in keep:
                continue
            w = words[picks[i]]
            yield Product(
                product_id=product_id(start + i),
                title=" ".join(w[:6]),
                brand=brands[brand[i]],
                category=categories[category[i]],
                description=" ".join(w[6:36]),
                attributes={"material": str(w[36]), "colour": str(w[37])},
                price=float(1 + (start + i) % 500),
            )


def product_id(position: int) -> str:
    return f"P{position:08d}"


def vector_blocks(
    count: int, dim: int, keep: set[int] | None = None
) -> Iterator[tuple[list[int], np.ndarray]]:
    """(positions, rows) of the random normalised vectors, block by block (those in `keep`)."""
    for start in range(0, count, BLOCK):
        n = min(BLOCK, count - start)
        block = np.random.default_rng([SEED + 1, start]).standard_normal((n, dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        rows = [i for i in range(n) if keep is None or start + i in keep]
        yield [start + i for i in rows], block[rows]


def vector_index(count: int, dim: int, config: VectorConfig, keep: set[int] | None = None):  # noqa: ANN201
    """A VectorIndex of the vectors (in `keep`), built block by block."""
    from shelfwise.index.vector import VectorIndex

    index = VectorIndex(dim, config)
    for positions, rows in vector_blocks(count, dim, keep):
        index.upsert([product_id(p) for p in positions], rows)
    return index


def shard_host(number: int, shards: int, count: int, dim: int, config: tuple[LexicalConfig, VectorConfig]):  # noqa: ANN201
    """One shard, built from its own part of the synthetic catalog."""
    from shelfwise.index.lexical_shard import LexicalShard
    from shelfwise.index.shards import shard_of
    from shelfwise.index.vector_shard import VectorShard
    from shelfwise.search.shard_catalog import ShardCatalog
    from shelfwise.search.sharded import SearchShard

    positions = [i for i in range(count) if shard_of(product_id(i), shards) == number]
    keep = set(positions)
    catalog = ShardCatalog(list(synthetic_products(count, keep)), positions)  # what filters read
    lexical = LexicalShard.build(synthetic_products(count, keep), positions, config[0])
    vectors = VectorShard(vector_index(count, dim, config[1], keep), {product_id(p): p for p in positions})
    return SearchShard(number, lexical, vectors, catalog)


def queries(count: int) -> list[str]:
    words = vocabulary()
    rng = np.random.default_rng(SEED + 2)
    ranks = rng.zipf(1.3, size=(count, 3)) % len(words)
    return [" ".join(words[r] for r in row[: 1 + i % 3]) for i, row in enumerate(ranks)]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def percentiles(times: list[float]) -> dict[str, float]:
    ms = np.array(times) * 1000
    return {"p50": round(float(np.percentile(ms, 50)), 2), "p95": round(float(np.percentile(ms, 95)), 2),
            "mean": round(float(ms.mean()), 2)}  # fmt: skip


def drive(args: argparse.Namespace) -> None:
    """Inside the head's namespace: the queries on the shards (Ray actors), which are then
    stopped, then on one index built here; one after the other, so that the memory of both is
    never held at once."""
    import logging

    import ray

    from shelfwise.index.lexical import LexicalIndex
    from shelfwise.search.retrieval import LocalRecall

    ray.init(address=os.environ["BENCH_ADDRESS"], logging_level=logging.ERROR, log_to_driver=False)
    kind = args.vector_kind
    config = (LexicalConfig(), VectorConfig(exact_max_items=args.products + 1 if kind == "flat" else 200_000))
    requests = recall_requests(args.queries + WARM_UP, args.dim)
    started = time.perf_counter()
    recall, actors = sharded_recall(args, config)
    sharded_build = time.perf_counter() - started
    many, sharded = timed(recall, requests)
    pids = [ray.get(a.process.remote(), timeout=60)[0] for a in actors]
    shard_rss = [round(rss_mb(pid)) for pid in pids]
    for actor in actors:
        ray.kill(actor)
    started = time.perf_counter()
    lexical = LexicalIndex.create(None, config[0])
    remaining = synthetic_products(args.products)
    while block := list(itertools.islice(remaining, BLOCK)):
        lexical.upsert(block)
    lexical.close()  # merges finished before searching, as in a padded shard
    live = _Live(lexical, vector_index(args.products, args.dim, config[1]))
    one_build = time.perf_counter() - started
    one, whole = timed(LocalRecall(), requests, live)
    pairs = list(zip(whole, sharded, strict=True))
    same_lexical = sum(_same_scores(a.lexical[:10], b.lexical[:10]) for a, b in pairs)
    same_vector = sum([p for p, _ in a.vector[:10]] == [p for p, _ in b.vector[:10]] for a, b in pairs)
    print(json.dumps({
        "products": args.products, "shards": args.shards, "dim": args.dim, "vector_kind": kind,
        "queries": len(one), "one_index_ms": percentiles(one), "sharded_ms": percentiles(many),
        "same_top10_share": {"lexical": round(same_lexical / len(whole), 4),
        "vector": round(same_vector / len(whole), 4)}, "build_s": {"one": round(one_build, 1),
        "sharded": round(sharded_build, 1)}, "peak_rss_mb": {"driver": round(rss_mb(os.getpid())),
        "shards": shard_rss},
    }))  # fmt: skip
    ray.shutdown()


WARM_UP = 20


def recall_requests(count: int, dim: int) -> list:  # noqa: ANN401
    from shelfwise.search.retrieval import RecallRequest

    rng = np.random.default_rng(SEED + 3)
    vectors = rng.standard_normal((count, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return [RecallRequest(text, (), 100, vectors[i], 200) for i, text in enumerate(queries(count))]


def timed(recall: object, requests: list, live: object = None) -> tuple[list[float], list]:  # noqa: ANN401
    """Each request's seconds (after the warm-up) and its answer (all of them)."""
    times, answers = [], []
    for i, request in enumerate(requests):
        started = time.perf_counter()
        answers.append(recall.recall(live, request))  # type: ignore[attr-defined]
        if i >= WARM_UP:
            times.append(time.perf_counter() - started)
    return times, answers


def sharded_recall(
    args: argparse.Namespace, config: tuple[LexicalConfig, VectorConfig]
) -> tuple[object, list]:
    """The shard actors (shard s on node s mod nodes), padded, and the recall over them."""
    import ray

    from shelfwise.cluster.sharded_search import RayFanout, ShardHost, _on
    from shelfwise.index.lexical_shard import total_stats
    from shelfwise.search.sharded import ShardedRecall

    class SyntheticShard(ShardHost):
        def __init__(self, number: int) -> None:  # builds its own shard, not ShardHost's way
            self.shard = shard_host(number, args.shards, args.products, args.dim, config)

    nodes = [n for _, n in sorted((n["NodeManagerAddress"], n["NodeID"]) for n in ray.nodes() if n["Alive"])]
    host = ray.remote(num_cpus=0, max_restarts=0)(SyntheticShard)
    every = range(args.shards)
    actors = [host.options(scheduling_strategy=_on(nodes[s % len(nodes)])).remote(s) for s in every]
    fanout = RayFanout([[a] for a in actors], timeout_s=1200)
    answered = fanout.call("stats", {s: () for s in every})
    fanout.call_every_replica("pad", {s: (total_stats(answered[s] for s in every),) for s in every})  # type: ignore[misc]
    return ShardedRecall.connect(fanout, config[0]), actors


def _same_scores(one: list[tuple[str, float]], sharded: list[tuple[str, float]]) -> bool:
    """The same scores rank by rank, to float32 rounding (1e-6 relative): products of equal
    BM25 (common with synthetic texts) may come in another order."""
    return len(one) == len(sharded) and all(
        abs(a - b) <= 1e-6 * abs(a) for (_, a), (_, b) in zip(one, sharded, strict=True)
    )


class _Live:
    """The part of a LiveIndex that recall reads without filters."""

    def __init__(self, lexical: object, vector: object) -> None:
        self.lexical, self.vector = lexical, vector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1_000_000)
    parser.add_argument("--shards", type=int, default=2)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--vector-kind", choices=("flat", "ivf"), default="flat")
    parser.add_argument("--driver", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.driver:
        drive(args)
        return
    sys.path.insert(0, str(ROOT / "tests" / "cluster"))
    from ray_harness import _delete_namespaces, make_netns_pair, new_cluster, start_nodes, stop_everything

    made = make_netns_pair(f"{os.getpid()}b")
    if isinstance(made, str):
        raise SystemExit(made)
    root = Path(tempfile.mkdtemp(prefix="swbench", dir="/tmp"))
    cluster = new_cluster(made, root)
    try:
        start_nodes(cluster)
        argv = [__file__, *sys.argv[1:], "--driver"]
        code = (f"import os, runpy, sys\nos.environ['BENCH_ADDRESS'] = ADDRESS\nsys.argv = {argv!r}\n"
                f"runpy.run_path({__file__!r}, run_name='__main__')\n")  # fmt: skip
        done = cluster.run_python(made.head, code, timeout=3600)
        found = [line for line in done.stdout.splitlines() if line.startswith("{")]
        print(found[-1] if done.returncode == 0 and found else done.stdout + done.stderr)
    finally:
        stop_everything(cluster)
        _delete_namespaces(made.head, made.worker)
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()

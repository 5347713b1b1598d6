"""A Serve replica's memory with its version's whole index against one whose catalog lives in
index shards, at two or more catalog sizes, and search latency through the HTTP proxy (issue 29:
a sharded replica that opens only what it needs).

For each size N: a synthetic catalog of N products (benchmarks/cluster_sharded_search.py's:
Zipf words, brands, categories, attributes, prices) in a fresh PostgreSQL database and one
serving version built from it (documents' vectors random and normalised, 256 dimensions like the
hashing encoder's queries: encoding N texts is out of reach on 2 cores; query understanding off
in the build and the replicas, as its build takes an hour at 200k here). Then, one after the
other, each on a fresh deployment (`cluster serve` after `serve-stop`: a new replica process):

1. one replica serving the version whole;
2. one replica with `--shards 2 --shard-replicas 1` (shard s on node s).

Each answers the same searches (queries of the catalog's words, a quarter with facets, an eighth
with a price filter, an eighth browsing with facets) through the proxy, posted one at a time
from the worker's namespace, after a warm-up; reported: p50/p95 in ms, the replica's resident
memory (VmRSS and peak VmHWM, MB) after them, each shard actor's, and how many answers were the
same whole and sharded (total and hits; and up to the order of equal scores).

Everything runs on this one machine in two network namespaces (tests/cluster/ray_harness.py:
two Ray nodes of one CPU each, PostgreSQL in the head's namespace): the "nodes" share its cores,
so latencies show the fan-out's cost, not a real cluster's capacity. Needs root. Stops what it
starts.

    nice -n 10 python benchmarks/cluster_sharded_serve.py --products 20000 200000 --queries 200
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cluster"), str(ROOT / "benchmarks")]

from cluster_sharded_search import BLOCK, queries, synthetic_products  # noqa: E402
from postgres_netns import start_postgres_in_namespace, stop_postgres  # noqa: E402
from ray_harness import (  # noqa: E402
    HEAD_IP,
    PREFIX,
    ShopCluster,
    _delete_namespaces,
    make_netns_pair,
    new_cluster,
    start_nodes,
    stop_everything,
)
from serve_shop import SERVE_ENV, ServedShop, finish  # noqa: E402

from shelfwise.config import EncoderConfig, Settings, UnderstandingConfig  # noqa: E402
from shelfwise.models.encoder import HashingEncoder, TextKind  # noqa: E402

WARM_UP = 20
FACETS = ["brand", "category", "price"]


class RandomDocuments(HashingEncoder):
    """The hashing encoder's version and dimension (so the replicas' query encoder accepts the
    index), with random normalised document vectors: fast at any catalog size."""

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        rng = np.random.default_rng(len(texts))
        out = rng.standard_normal((len(texts), self.dim), dtype=np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


@dataclass(frozen=True)
class BenchShop(ServedShop):
    """The served shop with query understanding off in its replicas."""

    def env(self) -> dict[str, str]:
        return {**super().env(), "SHELFWISE_UNDERSTANDING__ENABLED": "false"}


def publish(shop_cluster: ShopCluster, products: int, root: Path) -> BenchShop:
    """The synthetic catalog in a new database and version v1 built from it under `root`."""
    from shelfwise.service import Shelfwise
    from shelfwise.store import MemoryEmbeddingCache

    database = shop_cluster.new_database()
    settings = Settings(data_dir=root / "v1", database_url=shop_cluster.postgres.local_url(database),
                        encoder=EncoderConfig(name="hashing"),
                        understanding=UnderstandingConfig(enabled=False))  # fmt: skip
    shop = Shelfwise(settings, encoder=RandomDocuments(), embedding_cache=MemoryEmbeddingCache())
    try:
        remaining = synthetic_products(products)
        while block := list(itertools.islice(remaining, BLOCK)):
            shop.upsert_products(block)
        version = shop.open_index().version
    finally:
        shop.close()
    return BenchShop(shop_cluster, database, root, {"v1": version})


def requests(count: int) -> list[dict[str, Any]]:
    """The searches: catalog words; every 4th with facets, every 8th (of the rest) a price filter
    or a browse."""
    out: list[dict[str, Any]] = []
    for i, text in enumerate(queries(count)):
        body: dict[str, Any] = {"query": text}
        if i % 4 == 1:
            body["facets"] = FACETS
        elif i % 8 == 2:
            body["filters"] = {"price": {"max": 100}}
        elif i % 8 == 6:
            body = {"query": "", "facets": FACETS}
        out.append(body)
    return out


def rss(pid: int | None) -> dict[str, float] | None:
    if pid is None:
        return None
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return {key: round(int(fields[key].split()[0]) / 1024) for key in ("VmRSS", "VmHWM")}


def run(shop: BenchShop, bodies: list[dict[str, Any]], *extra: str) -> dict[str, Any]:
    """A fresh one-replica deployment (`extra`: the shard options), the searches through it, the
    memory of its replica and shard actors; then stopped."""
    started = time.monotonic()
    output = shop.serve("v1", 1, *extra)["output"]
    deployed = round(time.monotonic() - started, 1)
    try:
        client = shop.start_client(shop.shop_cluster.cluster.netns.worker, "timed", requests=bodies)
        answers = finish(client, 3600)["answers"]
        replica = shop.replicas()[0]["pid"]
        shards = {
            name: rss(int(pid)) for name, pid in re.findall(r"^  shard (\S+) pid (\d+) on", output, re.M)
        }
        ms = np.array([a["seconds"] for a in answers[WARM_UP:]]) * 1000
        spread = {
            "p50": float(np.percentile(ms, 50)),
            "p95": float(np.percentile(ms, 95)),
            "mean": float(ms.mean()),
        }
        spread = {key: round(value, 1) for key, value in spread.items()}
        return {
            "deploy_s": deployed, "replica_mb": rss(replica), "shard_actors_mb": shards,
            "errors": sum(a["status"] != 200 for a in answers), "ms": spread,
            "answers": [(a["total"], a["hits"]) for a in answers],
        }  # fmt: skip
    finally:
        shop.stop()


def measure(shop_cluster: ShopCluster, products: int, count: int, root: Path) -> dict[str, Any]:
    started = time.monotonic()
    shop = publish(shop_cluster, products, root / f"n{products}")
    built = round(time.monotonic() - started, 1)
    bodies = requests(count + WARM_UP)
    whole = run(shop, bodies)
    sharded = run(shop, bodies, "--shards", "2", "--shard-replicas", "1")
    pairs = list(zip(whole.pop("answers"), sharded.pop("answers"), strict=True))
    same = sum(a == b for a, b in pairs)
    tied = sum(same_up_to_ties(a, b) for a, b in pairs)
    return {"products": products, "queries": count, "build_s": built, "whole": whole, "sharded": sharded,
            "same_answers": f"{same}/{len(pairs)}", "same_up_to_ties": f"{tied}/{len(pairs)}"}  # fmt: skip


def same_up_to_ties(whole: list[Any], sharded: list[Any], tie: float = 1e-5) -> bool:
    """The same total and the same scores rank by rank (to float32 rounding), the same ids but
    among equal scores (synthetic texts make exactly equal BM25 scores common, and which of them
    a cut-off keeps is either's)."""
    (total, hits), (other_total, other_hits) = whole, sharded
    if total != other_total or len(hits) != len(other_hits):
        return False
    scores_match = all(
        abs(a[1] - b[1]) <= tie * max(abs(a[1]), 1.0) for a, b in zip(hits, other_hits, strict=True)
    )
    tied_ids = {pid for pid, score in hits if sum(abs(score - s) <= tie for _, s in hits) > 1}
    return scores_match and all(
        a[0] == b[0] or a[0] in tied_ids for a, b in zip(hits, other_hits, strict=True)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()
    made = make_netns_pair(f"{os.getpid()}b")
    if isinstance(made, str):
        print(f"cannot run: {made}", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="swbench", dir="/tmp"))
    postgres = cluster = None
    results: dict[str, Any] = {"load_before": os.getloadavg(), "started": time.strftime("%Y-%m-%dT%H:%MZ"),
                               "sizes": [], "serve_env": SERVE_ENV}  # fmt: skip
    try:
        postgres = start_postgres_in_namespace(made.head, HEAD_IP, f"{HEAD_IP.rsplit('.', 1)[0]}.0/{PREFIX}",
                                               root / "pg")  # fmt: skip
        cluster = new_cluster(made, root, database_url=postgres.url())
        start_nodes(cluster)
        for products in args.products:
            results["sizes"].append(measure(ShopCluster(cluster, postgres), products, args.queries, root))
            print(json.dumps(results["sizes"][-1]), flush=True)
    finally:
        if cluster is not None:
            stop_everything(cluster)
        if postgres is not None:
            stop_postgres(postgres)
        _delete_namespaces(made.head, made.worker)
        shutil.rmtree(root, ignore_errors=True)
    results["load_after"] = os.getloadavg()
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

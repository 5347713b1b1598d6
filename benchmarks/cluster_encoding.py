"""Encoding throughput on the Ray cluster with 1 and with 2 encoder actors of one thread each
(issue 29 part 7; target: 2 actors at least 1.7x one).

A two-node cluster like the tests' (two network namespaces on this machine, one CPU and an
80 MB object store per node, token authentication, PostgreSQL with pgvector in the head's
namespace; tests/cluster/ray_harness.py), a demo catalog of `--products` products in a fresh
database, then for each actor count `--repeats` runs of `shelfwise cluster encode --no-index`,
each on an empty cache (`DELETE FROM embeddings` before it). Reported per run: the texts
encoded, the busy time (first chunk's start to the last chunk's end, on the actors: reading the
chunk's products, encoding, COPY into pgvector) and the pass's wall time with the actors'
start; products/s is texts / busy time. Everything started is stopped at the end, pid by pid.

One-machine caveat: both "nodes" share this machine's cores, so 2 actors scale only if two cores
are free; the load average is printed before and after each run.

    sudo env PYTHONPATH=$PWD HF_HUB_OFFLINE=1 nice -n 10 .venv/bin/python \\
        benchmarks/cluster_encoding.py --products 8192 --repeats 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "cluster"))

from postgres_netns import start_postgres_in_namespace, stop_postgres  # noqa: E402
from ray_harness import (  # noqa: E402
    HEAD_IP,
    PREFIX,
    _delete_namespaces,
    make_netns_pair,
    new_cluster,
    start_nodes,
    stop_everything,
)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def _encode(cluster: Any, url: str, actors: int, local_url: str) -> dict[str, Any]:
    import psycopg

    with psycopg.connect(local_url, autocommit=True) as conn:
        conn.execute("DELETE FROM embeddings")
    env = {**cluster.env, "SHELFWISE_DATABASE_URL": url}
    argv = [sys.executable, "-m", "shelfwise.cli", "cluster", "encode", "--actors", str(actors)]
    argv += ["--no-index", "--json", "-d", str(cluster.head_data)]
    before = _load()
    done = cluster.netns.run(cluster.netns.head, argv, env, timeout=1800)
    if done.returncode != 0:
        raise RuntimeError(done.stdout + done.stderr)
    report = json.loads(done.stdout)
    rate = report["texts_encoded"] / report["busy_seconds"]
    return {"actors": actors, "texts": report["texts_encoded"], "chunks": report["chunks"],
            "chunks_by_node": report["chunks_by_node"], "busy_s": report["busy_seconds"],
            "wall_s": report["encode_seconds"], "products_per_s": round(rate, 1),
            "load_before": before, "load_after": _load()}  # fmt: skip


def _catalog(local_url: str, products: int) -> None:
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.store.postgres import PostgresEmbeddingCache, PostgresStore

    store = PostgresStore(local_url)
    store.upsert(generate_demo_catalog(products, seed=7))
    store.close()
    PostgresEmbeddingCache(local_url).close()  # the embeddings table


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=8192)
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    made = make_netns_pair(f"{os.getpid()}b")
    if isinstance(made, str):
        print(f"cannot run: {made}", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="swbench", dir="/tmp"))
    postgres = cluster = None
    try:
        postgres = start_postgres_in_namespace(made.head, HEAD_IP, f"10.203.0.0/{PREFIX}", root / "pg")
        cluster = new_cluster(made, root, database_url=postgres.url())
        start_nodes(cluster)
        import psycopg

        with psycopg.connect(postgres.local_url(), autocommit=True) as conn:
            conn.execute(b"CREATE DATABASE bench")
        _catalog(postgres.local_url("bench"), args.products)
        runs = []
        for actors in [1, 2] * args.repeats:
            runs.append(_encode(cluster, postgres.url("bench"), actors, postgres.local_url("bench")))
            print(json.dumps(runs[-1]), flush=True)
        rates = {k: statistics.median(r["products_per_s"] for r in runs if r["actors"] == k) for k in (1, 2)}
        print(json.dumps({"products": args.products, "median_products_per_s": rates,
                          "ratio_2_to_1": round(rates[2] / rates[1], 2)}))  # fmt: skip
    finally:
        if cluster is not None:
            stop_everything(cluster)
        if postgres is not None:
            stop_postgres(postgres)
        _delete_namespaces(made.head, made.worker)
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

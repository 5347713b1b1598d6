"""Ray Serve replicas of the shop on a two-node cluster over PostgreSQL (issue 29 part 7):

1. events per second through two replicas into PostgreSQL, counted back (nothing lost);
2. time from a killed replica to full capacity (the replacement answering requests);
3. freshness: seconds from an upsert's acknowledgement until every replica's search finds it.

Everything runs on this one machine, in two network namespaces (tests/cluster/ray_harness.py):
two Ray nodes of one CPU each, PostgreSQL in the head's namespace, the clients in the worker's.
One machine's figures: the "nodes" share its cores and its disk, so they show the mechanism's
costs and latencies, not a real cluster's capacity. Needs root (namespaces). Stops what it starts.

    nice -n 10 python benchmarks/cluster_serve.py --events 3000 --threads 4 --fresh 50
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cluster")]

import psycopg  # noqa: E402
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
from serve_shop import ServedShop, build_shop, finish  # noqa: E402


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure_events(shop: ServedShop, count: int, threads: int, batch: int, prefix: str) -> dict[str, object]:
    worker = shop.shop_cluster.cluster.netns.worker
    client = shop.start_client(worker, "events", count=count, threads=threads, batch=batch, prefix=prefix,
                               product_id="SW-000001")  # fmt: skip
    report = finish(client, 900)
    with psycopg.connect(shop.shop_cluster.postgres.local_url(shop.database)) as conn:
        stored = conn.execute(
            "SELECT count(DISTINCT event_id) FROM events WHERE event_id LIKE %s", (f"{prefix}-%",)
        ).fetchone()
    return {"events": count, "threads": threads, "per_request": batch, "seconds": round(report["seconds"], 2),
            "events_per_second": round(count / report["seconds"], 1), "stored": stored[0] if stored else 0,
            "failed_tries": len(report["failed_tries"]), "gave_up": len(report["gave_up"])}  # fmt: skip


def measure_recovery(shop: ServedShop) -> dict[str, object]:
    """SIGKILL one replica (a pid Ray reports) and time until its replacement answers."""
    replicas = shop.replicas()
    victim = replicas[0]
    watcher = shop.start_client(shop.shop_cluster.cluster.netns.worker, "watch",
                                known=[r["replica"] for r in replicas], max_seconds=240)  # fmt: skip
    time.sleep(2.0)  # the watcher is asking before the kill
    killed_at = time.time()
    os.kill(victim["pid"], signal.SIGKILL)
    report = finish(watcher, 300)
    back = report["at"] - killed_at if report["at"] else None
    return {"killed": victim, "seconds_to_full_capacity": None if back is None else round(back, 2),
            "new_replica": report["new_replica"], "errors_seen": len(report["errors"])}  # fmt: skip


def measure_freshness(shop: ServedShop, count: int) -> dict[str, object]:
    worker = shop.shop_cluster.cluster.netns.worker
    report = finish(shop.start_client(worker, "fresh", count=count, replicas=2, prefix="bench-fresh",
                                      offset=1000, timeout=30), 60 * count)  # fmt: skip
    seconds = [float(s) for s in report["seconds"]]
    finite = [s for s in seconds if s != float("inf")]
    p95 = _percentile(seconds, 0.95)
    return {"upserts": count, "p50": round(statistics.median(finite), 3), "p95": round(p95, 3),
            "max": round(max(seconds), 3), "within_2s": sum(s <= 2.0 for s in seconds)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=500)
    parser.add_argument("--events", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--batch", type=int, default=50, help="events per request of the batched run")
    parser.add_argument("--fresh", type=int, default=50, help="upserts timed for freshness")
    args = parser.parse_args()
    made = make_netns_pair(f"{os.getpid()}b")
    if isinstance(made, str):
        print(f"cannot run: {made}", file=sys.stderr)
        return 2
    root = Path(tempfile.mkdtemp(prefix="swbench", dir="/tmp"))
    postgres = cluster = None
    results: dict[str, object] = {"load_before": os.getloadavg()}
    try:
        postgres = start_postgres_in_namespace(made.head, HEAD_IP, f"{HEAD_IP.rsplit('.', 1)[0]}.0/{PREFIX}",
                                               root / "pg")  # fmt: skip
        cluster = new_cluster(made, root, database_url=postgres.url())
        start_nodes(cluster)
        shop = build_shop(ShopCluster(cluster, postgres), args.products)
        started = time.monotonic()
        shop.serve("v1")
        results["deploy_seconds"] = round(time.monotonic() - started, 1)
        results["events_single"] = measure_events(shop, args.events, args.threads, 1, "single")
        results["events_batched"] = measure_events(shop, args.events * 5, args.threads, args.batch, "batched")
        results["freshness"] = measure_freshness(shop, args.fresh)
        results["recovery"] = measure_recovery(shop)
        shop.stop()
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

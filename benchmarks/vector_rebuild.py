"""What searches see while the vector index is rebuilt without its tombstones (once more than
`vector.rebuild_dead_fraction` of its rows are dead): a search thread queries the index under a
lock, as the engine's searches do, while the writer deletes enough rows to make a rebuild due
and then rebuilds, either the way the lifecycle does it now (a new index built beside the old
one, outside the lock, then swapped in) or in place under the lock (how it was before).

    .venv/bin/python benchmarks/vector_rebuild.py --size 1000000 --out runs/vector-rebuild.json

Random unit vectors (384-d; IVF above `exact_max_items`); the search thread runs one query at a
time, top 100, and records each search's latency; reported over the writer's step.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path

import numpy as np

from shelfwise.config import VectorConfig
from shelfwise.evaluate.machine import describe_machine
from shelfwise.index.vector import VectorIndex


class Searcher:
    """Queries `holder[0]` under `lock` until stopped; keeps (start, seconds) per search."""

    def __init__(self, holder: list[VectorIndex], lock: threading.RLock, queries: np.ndarray) -> None:
        self.holder, self.lock, self.queries = holder, lock, queries
        self.timings: list[tuple[float, float]] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        i = 0
        while not self.stop.is_set():
            started = time.perf_counter()
            with self.lock:
                self.holder[0].search(self.queries[i % len(self.queries)], 100)
            self.timings.append((started, time.perf_counter() - started))
            i += 1
            time.sleep(0.005)


def step(
    holder: list[VectorIndex], lock: threading.RLock, queries: np.ndarray, dead: list[str], beside: bool
) -> dict:
    searcher = Searcher(holder, lock, queries)
    searcher.thread.start()
    time.sleep(2.0)
    began = time.perf_counter()
    if beside:
        with lock:
            holder[0].delete(dead, compact=False)
        fresh = holder[0].rebuilt()
        with lock:
            holder[0] = fresh
    else:
        with lock:
            holder[0].delete(dead)  # past rebuild_dead_fraction: rebuilt in place, under the lock
    ended = time.perf_counter()
    time.sleep(1.0)
    searcher.stop.set()
    searcher.thread.join()
    during = np.array([s for t, s in searcher.timings if began <= t + s and t <= ended]) * 1000
    before = np.array([s for t, s in searcher.timings if t + s < began]) * 1000
    return {
        "rebuilt": "beside, swapped in" if beside else "in place, under the search lock",
        "writer_s": round(ended - began, 1), "searches_during": len(during),
        "during_ms": _summary(during) if len(during) else None,
        "before_ms_p50": round(float(np.percentile(before, 50)), 2) if len(before) else None,
    }  # fmt: skip


def _summary(ms: np.ndarray) -> dict[str, float]:
    return {"p50": round(float(np.percentile(ms, 50)), 1), "p99": round(float(np.percentile(ms, 99)), 1),
            "max": round(float(ms.max()), 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = VectorConfig()
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((args.size, args.dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"p{i}" for i in range(args.size)]
    started = time.perf_counter()
    holder = [VectorIndex.build(ids, vectors, args.dim, config)]
    print(f"built {holder[0].kind} in {time.perf_counter() - started:.0f}s", flush=True)
    queries = vectors[rng.choice(args.size, 200, replace=False)]
    lock = threading.RLock()
    share = config.rebuild_dead_fraction + 0.01
    rows = []
    for beside in (True, False):
        alive = holder[0].product_ids()
        dead = [alive[i] for i in rng.choice(len(alive), int(share * len(alive)) + 1, replace=False)]
        rows.append(step(holder, lock, queries, dead, beside))
        print(json.dumps(rows[-1]), flush=True)
    report = {"size": args.size, "dim": args.dim, "kind": holder[0].kind, "rows": rows,
              "machine": describe_machine().model_dump(), "date": time.strftime("%Y-%m-%d")}  # fmt: skip
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

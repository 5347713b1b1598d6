"""Catalog writes while the vector index is rebuilt (issue 6, part 3). Once more than
`vector.rebuild_dead_fraction` of the vector rows are tombstones, the index lifecycle rebuilds
the vector index in the background; refreshes (what an API write or a catch-up runs) go on
meanwhile and what they change is replayed onto the new index before it is swapped in.

    .venv/bin/python benchmarks/rebuild_writes.py --size 1000000 --out runs/rebuild-writes-1m.json

The demo catalog generator makes `--size` products, indexed by `SearchEngine` (lexical and
vector, IVF above `exact_max_items`) with a stand-in encoder: a seeded random unit vector per
text, 384-d, because the encoder's cost is not what is measured here; query understanding is
off. One refresh then deletes just over the rebuild share of the products. While the rebuild
runs, a writer thread adds `--batch` new products to the store and refreshes every
`--interval` seconds, and a search thread runs vector searches one at a time. Reported: the
rebuild's duration, refresh latency during it and after, search latency during it, and whether
every product the writer added is in the rebuilt index and is its own nearest neighbour there.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.config import UnderstandingConfig, VectorConfig
from shelfwise.evaluate.machine import describe_machine
from shelfwise.models import CachedEncoder
from shelfwise.records import Product, SearchRequest
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore


class SeededEncoder:
    """A unit vector drawn from a generator seeded by the text's 64-bit hash: the same text, the
    same vector (a 32-bit seed gave about a hundred pairs of texts one vector at a million)."""

    def __init__(self, dim: int = 384) -> None:
        self._dim = dim

    @property
    def version(self) -> str:
        return f"seeded-random-{self._dim}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode(self, texts: Sequence[str], kind: str = "document", progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self._dim), dtype=np.float32)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "little")
            out[row] = np.random.default_rng(seed).standard_normal(self._dim)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


def summary(seconds: list[float]) -> dict[str, float] | None:
    if not seconds:
        return None
    ms = np.asarray(seconds) * 1000
    return {"count": len(ms), "p50": round(float(np.percentile(ms, 50)), 1),
            "p99": round(float(np.percentile(ms, 99)), 1), "max": round(float(ms.max()), 1)}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=100, help="products the writer adds per refresh")
    parser.add_argument("--interval", type=float, default=0.2, help="seconds between the writer's refreshes")
    parser.add_argument("--after", type=float, default=5.0, help="seconds the threads go on after the swap")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()

    from shelfwise.demo.catalog import generate_demo_catalog

    started = time.perf_counter()
    products = generate_demo_catalog(args.size, seed=7)
    store = MemoryStore()
    store.upsert(products)
    print(f"catalog of {len(products)} in {time.perf_counter() - started:.0f}s", flush=True)
    config = VectorConfig()
    encoder = CachedEncoder(SeededEncoder(), MemoryEmbeddingCache())
    with tempfile.TemporaryDirectory(prefix="rebuild-writes-") as work:
        engine = SearchEngine(store, encoder, Path(work) / "idx", vector=config,
                              understanding=UnderstandingConfig(enabled=False))  # fmt: skip
        started = time.perf_counter()
        engine.open()
        print(f"index built in {time.perf_counter() - started:.0f}s", flush=True)
        rng = np.random.default_rng(0)
        share = config.rebuild_dead_fraction + 0.01
        picked = rng.choice(len(products), int(share * len(products)) + 1, replace=False)
        doomed = [products[int(i)].product_id for i in picked]
        queries = [products[int(i)].title for i in rng.choice(len(products), 200, replace=False)]
        stop = threading.Event()
        refreshes: list[tuple[float, float]] = []
        searches: list[tuple[float, float]] = []
        added: list[Product] = []

        def write() -> None:
            n = 0
            while not stop.is_set():
                batch = [Product(product_id=f"new-{k}", title=f"Fernwick Cordless Lantern Model {k} Amber")
                         for k in range(n, n + args.batch)]  # fmt: skip
                n += args.batch
                store.upsert(batch)
                began = time.perf_counter()
                engine.refresh()
                refreshes.append((began, time.perf_counter() - began))
                added.extend(batch)
                time.sleep(args.interval)

        def search() -> None:
            i = 0
            while not stop.is_set():
                began = time.perf_counter()
                engine.search(SearchRequest(query=queries[i % len(queries)], mode="vector", page_size=10))
                searches.append((began, time.perf_counter() - began))
                i += 1
                time.sleep(0.005)

        store.delete(doomed)
        began = time.perf_counter()
        engine.refresh()  # makes the rebuild due: it starts in the background
        delete_step = time.perf_counter() - began
        threads = [threading.Thread(target=write), threading.Thread(target=search)]
        for thread in threads:
            thread.start()
        engine.wait_for_vector_rebuild()
        swapped = time.perf_counter()
        time.sleep(args.after)
        stop.set()
        for thread in threads:
            thread.join()
        engine.wait_for_vector_rebuild()  # a refresh right at the end may have asked again
        vector = engine._live.vector  # noqa: SLF001
        missing = [p.product_id for p in added if p.product_id not in vector]
        sample = [p.product_id for p in added[:: max(1, len(added) // 50)] if p.product_id in vector]
        nearest = vector.search(vector.vectors_for(sample), 1)
        found = sum(hits[0].product_id == pid for hits, pid in zip(nearest, sample, strict=True))
        not_found = [{"id": pid, "nearest": hits[0].product_id, "similarity": round(hits[0].similarity, 4)}
                     for hits, pid in zip(nearest, sample, strict=True)
                     if hits[0].product_id != pid]  # fmt: skip
        report = {
            "size": args.size, "kind": vector.kind, "deleted": len(doomed),
            "delete_refresh_s": round(delete_step, 2),
            "rebuild_s": round(swapped - began, 1),
            "rebuild_steps": dataclasses.asdict(engine.last_vector_rebuild),
            "refreshes_during_rebuild_ms": summary([s for t, s in refreshes if t < swapped]),
            "refreshes_after_ms": summary([s for t, s in refreshes if t >= swapped]),
            "searches_during_rebuild_ms": summary([s for t, s in searches if t < swapped]),
            "searches_after_ms": summary([s for t, s in searches if t >= swapped]),
            "products_added": len(added), "added_missing_from_index": len(missing),
            "added_nearest_to_themselves": f"{found}/{len(sample)}", "not_nearest": not_found,
            "rebuild_due_after": vector.due_for_rebuild,
            "machine": describe_machine().model_dump(), "date": time.strftime("%Y-%m-%d %H:%M"),
        }  # fmt: skip
        engine.close()
    print(json.dumps(report, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()

"""What applying a small catalog change costs the search index's in-memory state, by catalog size.

    .venv/bin/python benchmarks/refresh_scale.py --sizes 100000 1000000 --changes 1 100

A running server applies the store's changes every second (`IndexLifecycle.refresh`): the
vector index's writes, a new `ProductTable` (copy on write) and the filter row map
(`LiveIndex.vector_rows`). This times those three over demo-catalog products with random unit
vectors (no encoding: the encoder's cost is per changed text and measured elsewhere), for price
changes of `--changes` products, and reports beside them what recomputing the row map in full
costs (what each refresh did before the map was patched). Lexical (tantivy) writes are left out.
`--new-products` makes each change a new product (a copy of a catalog product under a new id)
instead of a price change, so the table grows by `--changes` rows a refresh.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--changes", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument(
        "--new-products",
        action="store_true",
        help="each change adds a product (a copy under a new id) instead of changing a price",
    )
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    from shelfwise.config import VectorConfig
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.index import VectorIndex
    from shelfwise.search.live_index import LiveIndex
    from shelfwise.search.table import ProductTable

    rows = []
    for size in args.sizes:
        products = generate_demo_catalog(size, seed=11)
        rng = np.random.default_rng(0)
        vectors = rng.standard_normal((size, 384), dtype=np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        ids = [p.product_id for p in products]
        started = time.perf_counter()
        vector = VectorIndex.build(ids, vectors, 384, VectorConfig(ivf_lists=256))
        table = ProductTable.build(products)
        live = LiveIndex("bench", Path("."), None, None, vector, table)  # type: ignore[arg-type]
        live.vector_rows()
        print(f"{size:,} products: built in {time.perf_counter() - started:.0f}s ({vector.kind})", flush=True)
        for changes in args.changes:
            timings: dict[str, list[float]] = {"vector": [], "table": [], "row_map_patch": [],
                                               "row_map_full": []}  # fmt: skip
            for repeat in range(args.repeats):
                picked = rng.choice(size, changes, replace=False)
                if args.new_products:
                    changed = [products[i].model_copy(update={"product_id": f"new-{changes}-{repeat}-{i}"})
                               for i in picked]  # fmt: skip
                else:
                    changed = [products[i].model_copy(update={"price": 1.0 + repeat}) for i in picked]
                changed_ids = [p.product_id for p in changed]
                before = (live.table, live.vector.generation, live.vector.layout)
                t0 = time.perf_counter()
                live.vector.upsert(changed_ids, vectors[picked])  # the text changed: a new vector
                t1 = time.perf_counter()
                live.table = live.table.with_changes(changed, [])
                t2 = time.perf_counter()
                live.patch_vector_rows(before, changed_ids)
                t3 = time.perf_counter()
                full = live.vector.rows_of(live.table.ids)
                t4 = time.perf_counter()
                assert np.array_equal(full, live.vector_rows())
                for name, seconds in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
                    timings[name].append(seconds * 1000)
            row = {"products": size, "changed": changes, "new_products": args.new_products,
                   **{f"{k}_ms_p50": round(float(np.median(v)), 2) for k, v in timings.items()}}  # fmt: skip
            rows.append(row)
            print(json.dumps(row), flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()

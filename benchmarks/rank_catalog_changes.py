"""What a catalog change costs the ranking stage's catalog features, by catalog size.

    .venv/bin/python benchmarks/rank_catalog_changes.py --sizes 100000 --changes 1 100

A running service applies the store's changes to the ranking model's per-product columns
(`CatalogFeatures.upsert`, through `CatalogSync.catch_up` before the stage is used), so a new or
changed product is scored from its own fields at once. This times that over demo-catalog
products with random unit vectors (no encoding: the embedding cache already holds what the
search index encoded), for `--changes` price changes and as many new products (copies under new
ids, which grow the arrays now and then), and compares with building the columns afresh (what a
restart costs).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np


def _timed(run: Callable[[], None], repeats: int) -> float:
    """Median milliseconds of `run()` over `repeats` calls."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        run()
        times.append((time.perf_counter() - began) * 1000)
    return round(float(np.median(times)), 3)


def _measure(size: int, changes_list: list[int], repeats: int, dim: int) -> list[dict[str, float]]:
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.rank.catalog import CatalogFeatures
    from shelfwise.rank.examples import Impressions
    from shelfwise.rank.features import FeatureConfig, fit_spec

    products = generate_demo_catalog(size, seed=1)
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(size, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    spec, _ = fit_spec(FeatureConfig(), Impressions.from_records([]), products, vectors)
    began = time.perf_counter()
    catalog = CatalogFeatures(spec, products, vectors)
    build_ms = round((time.perf_counter() - began) * 1000, 1)
    rows = []
    for changes in changes_list:
        picked = rng.choice(size, changes, replace=False)
        added = iter(range(10**9))

        def reprice(picked: np.ndarray = picked) -> None:
            changed = [products[i].model_copy(update={"price": float(rng.uniform(1, 500))}) for i in picked]
            catalog.upsert(changed, vectors[picked])

        def add(picked: np.ndarray = picked, added: Iterator[int] = added) -> None:
            n = next(added)
            new = [
                products[i].model_copy(update={"product_id": f"NEW-{n}-{j}"}) for j, i in enumerate(picked)
            ]
            catalog.upsert(new, vectors[picked])

        rows.append(
            {
                "products": size,
                "changes": changes,
                "build_ms": build_ms,
                "reprice_ms": _timed(reprice, repeats),
                "add_ms": _timed(add, repeats),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--changes", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    rows = [row for size in args.sizes for row in _measure(size, args.changes, args.repeats, args.dim)]
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()

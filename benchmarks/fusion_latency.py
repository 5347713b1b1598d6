"""Search latency with weighted and with learned fusion, alternating, in one process.

    .venv/bin/python benchmarks/fusion_latency.py runs/hd runs/hd/validation_queries.tsv \
        [--products ../shared/data/homedepot/products.tsv] [--queries-limit 400]

Uses the data folder's active encoder and learned fusion over the bench work folder that
`shelfwise bench search` built for the products file; torch and FAISS at one thread.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from shelfwise.bench import open_products_shop
from shelfwise.config import Settings
from shelfwise.evaluate.tables import read_queries_tsv
from shelfwise.records import SearchRequest
from shelfwise.search.learned_fusion import candidate_features


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("queries", type=Path)
    parser.add_argument("--products", type=Path, default=Path("../shared/data/homedepot/products.tsv"))
    parser.add_argument("--queries-limit", type=int, default=400)
    args = parser.parse_args()
    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    shop = open_products_shop(Settings(data_dir=args.data_dir), args.products, log=lambda _: None).shop
    learned = shop.engine.learned_fusion
    if learned is None:
        raise SystemExit(f"no active learned fusion in {args.data_dir}: run `shelfwise train fusion`")
    queries = [r.query for r in read_queries_tsv(args.queries)][: args.queries_limit]
    for fusion in ("weighted", None, "weighted", None):
        seconds = []
        for query in queries:
            started = time.perf_counter()
            shop.search(SearchRequest(query=query, page_size=100, facets=(), explain=False, fusion=fusion))
            seconds.append(time.perf_counter() - started)
        ms = np.array(seconds) * 1e3
        p50, p95 = np.percentile(ms, 50), np.percentile(ms, 95)
        print(f"{fusion or 'learned'}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    candidates, evidence = shop.engine.fusion_candidates(queries[0])
    candidates = candidates[: learned.depth]
    started = time.perf_counter()
    features = [candidate_features(candidates, evidence) for _ in range(50)][0]
    print(f"features: {(time.perf_counter() - started) / 50 * 1e3:.2f} ms for {len(candidates)} candidates")
    started = time.perf_counter()
    for _ in range(50):
        learned.scores(features)
    print(f"model: {(time.perf_counter() - started) / 50 * 1e3:.2f} ms")
    shop.close()


if __name__ == "__main__":
    main()

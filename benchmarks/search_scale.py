"""Search at scale on one machine (issue 6 part 3): the demo catalog generator scaled to N products,
ingested and indexed by Shelfwise, then searched single-threaded by a fresh serving process.

    .venv/bin/python benchmarks/search_scale.py --sizes 10000,100000 --out runs/search-scale.json

For each size: generation, store and index build times (encoding included: products/s), then in
a separate process that only opens the published index (what a server does at start-up): its
memory (RSS), latency p50/p95/p99 of hybrid (weighted fusion; no learned fusion or reranker is
trained in these folders), BM25-only and vector-only searches, and the vector index's recall@10
against exact search for the same query vectors. `--rerank-model DIR` adds hybrid + reranking
of the top `--rerank-top` with that cross-encoder (its ONNX int8 export, the served default);
`--rerank-untrained` makes one in `--work` from the bundled MiniLM with fresh heads: the same
network and cost as a trained reranker, for latency only (its order means nothing);
`--rerank-layers 6,4 --rerank-max-length 32` makes one of each depth (the layers a distilled
student keeps) reading at most 32 tokens. `--rerank-model` may be given several times.
Searches run one at a time on one thread; `--rerank-threads 1,2` times each cross-encoder with
one and with two intra-op threads of its ONNX session (`rerank.threads`), the rest of the search
on one. The index is opened once; RSS is read before any cross-encoder is loaded and again
after the first.

Queries are made from random products the way shoppers name things: the category leaf or the
product's kind, sometimes with its brand or colour, 1 in 10 misspelled by one edit.
Folders are kept under `--work` (re-runs reuse an index that is already built; `--rebuild` builds
a new index version from the kept catalog and embedding cache; `--fresh` starts from nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from shelfwise.evaluate.machine import describe_machine


def rss_mb() -> float:
    with open(f"/proc/{os.getpid()}/status") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(seconds: list[float]) -> dict[str, float]:
    ms = np.asarray(seconds) * 1000
    return {f"p{q}": round(float(np.percentile(ms, q)), 2) for q in (50, 95, 99)}


def make_queries(n_products: int, count: int, seed: int) -> list[str]:
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.query.typos import misspell

    products = generate_demo_catalog(n_products, seed=7)
    rng = np.random.default_rng(seed)
    queries = []
    for index in rng.choice(len(products), size=count, replace=False):
        product = products[int(index)]
        words = [product.category[-1].lower()] if rng.random() < 0.5 else product.title.lower().split()[1:3]
        text = " ".join(words)
        if rng.random() < 0.15 and product.brand:
            text = f"{product.brand.lower()} {text}"
        elif rng.random() < 0.25 and product.attributes.get("color"):
            text = f"{product.attributes['color'].lower()} {text}"
        queries.append(misspell(text, rng) if rng.random() < 0.1 else text)
    return queries


def build(size: int, folder: Path, fresh: bool, rebuild: bool = False) -> dict[str, object]:
    """Generate, store and index `size` products in `folder` (this process); `rebuild` builds a
    new index version from the stored products and cached embeddings even if one is published."""
    from shelfwise.config import Settings
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.service import Shelfwise

    if fresh and folder.exists():
        shutil.rmtree(folder)
    report: dict[str, object] = {}
    shop = Shelfwise(Settings(data_dir=folder))
    try:
        if shop.store.count() < size:
            started = time.perf_counter()
            products = generate_demo_catalog(size, seed=7)
            report["generate_s"] = round(time.perf_counter() - started, 1)
            started = time.perf_counter()
            for start in range(0, size, 10_000):
                shop.upsert_products(products[start : start + 10_000])
            report["store_s"] = round(time.perf_counter() - started, 1)
            del products
        started = time.perf_counter()
        last = [0.0]

        def progress(stage: str, done: int, total: int) -> None:
            if time.perf_counter() - last[0] > 30 or done == total:
                last[0] = time.perf_counter()
                print(f"  {stage}: {done}/{total}", flush=True)

        manifest = shop.rebuild_index(progress) if rebuild else shop.open_index(progress)
        report["index_s"] = round(time.perf_counter() - started, 1)
        report["index_version"] = manifest.version
        report["products"] = shop.store.count()
        report["products_per_s"] = round(size / max(float(report["index_s"]), 1e-9), 1)  # type: ignore[arg-type]
        report["build_peak_rss_mb"] = round(_peak_mb(), 0)
    finally:
        shop.close()
    return report


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def serve(
    folder: Path, queries: list[str], rerank_models: list[Path], rerank_top: int,
    rerank_threads: list[int],
) -> dict[str, object]:  # fmt: skip
    """Open the published index as a server would and time searches (this process): the plain
    modes, then hybrid + reranking with each cross-encoder at each intra-op thread count."""
    import faiss
    import torch

    from shelfwise.config import RerankConfig, Settings
    from shelfwise.models.reranker import load_reranker
    from shelfwise.records import SearchRequest
    from shelfwise.search.rerank import Reranker
    from shelfwise.service import Shelfwise

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    baseline = rss_mb()
    started = time.perf_counter()
    shop = Shelfwise(Settings(data_dir=folder))
    if shop.load_index() is None:
        raise SystemExit(f"{folder} has no usable index: build it first")
    report: dict[str, object] = {"open_s": round(time.perf_counter() - started, 1)}
    live = shop.engine._require()
    report["vector_index"] = live.vector.kind
    latency: dict[str, dict[str, float]] = {}

    def timed(name: str, options: dict[str, object]) -> None:
        for query in queries[:5]:  # warm-up
            shop.search(SearchRequest(query=query, facets=(), explain=False, **options))
        timings = []
        for query in queries:
            began = time.perf_counter()
            shop.search(SearchRequest(query=query, facets=(), explain=False, **options))
            timings.append(time.perf_counter() - began)
        latency[name] = percentiles(timings)
        print(f"  {name}: {latency[name]}", flush=True)

    for mode in ("hybrid", "lexical", "vector"):
        timed(mode, {"mode": mode, "rerank": False})
    report["rss_mb"] = round(rss_mb(), 0)
    report["rss_over_python_mb"] = round(rss_mb() - baseline, 0)
    for model in rerank_models:
        for threads in rerank_threads:
            # no grade cache: every timed query is scored, as a query the server has not seen
            config = RerankConfig(model_path=str(model), top_k=rerank_top, cache_size=0, threads=threads)
            scorer = load_reranker(config, None)
            assert scorer is not None
            shop.engine.reranker = Reranker(scorer, config)
            name = f"hybrid+rerank{rerank_top} {model.name} threads={threads}"
            timed(name, {"mode": "hybrid", "rerank": True})
            report.setdefault("rss_mb_with_reranker", round(rss_mb(), 0))
    report["latency_ms"] = latency
    report["vector_recall_at_10"] = _vector_recall(shop, live, queries)
    shop.close()
    return report


def _vector_recall(shop, live, queries: list[str]) -> float:  # noqa: ANN001
    """Share of the exact top 10 (inner product over every stored vector) the index returns."""
    ids = live.vector.product_ids()
    vectors = live.vector.vectors_for(ids)  # a copy of every vector: measured after the RSS
    hits = total = 0
    for query in queries:
        q = shop.encoder.encode_query(query)
        scores = vectors @ q
        exact = {ids[i] for i in np.argpartition(-scores, 10)[:10]}
        found = {h.product_id for h in live.vector.search(q, 10)[0]}
        hits += len(exact & found)
        total += len(exact)
    return round(hits / max(total, 1), 4)


def untrained_reranker(folder: Path, layers: int = 6, max_length: int = 64) -> Path:
    """A cross-encoder folder with the bundled MiniLM backbone (`layers` of its 6, evenly spaced,
    as a distilled student keeps them) and untrained heads (latency only)."""
    import torch

    from shelfwise.models import bundled_minilm_path
    from shelfwise.models.reranker import RelevanceNetwork, RerankerSpec
    from shelfwise.train.distill import kept_layers

    if not (folder / "manifest.json").exists():
        network = RelevanceNetwork.from_base(bundled_minilm_path(), RerankerSpec(max_length=max_length))
        kept = kept_layers(len(network.backbone.encoder.layer), layers)
        layer_list = network.backbone.encoder.layer
        network.backbone.encoder.layer = torch.nn.ModuleList([layer_list[i] for i in kept])
        network.backbone.config.num_hidden_layers = len(kept)
        network.save(folder, {"untrained": True})
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--work", type=Path, default=Path("runs/search-scale"))
    parser.add_argument("--rerank-model", type=Path, action="append", default=[],
                        help="a cross-encoder folder (repeatable)")  # fmt: skip
    parser.add_argument("--rerank-top", type=int, default=30)
    parser.add_argument("--rerank-threads", default="1", help="the cross-encoder's intra-op threads: 1,2")
    parser.add_argument("--rerank-untrained", action="store_true")
    parser.add_argument("--rerank-layers", default="6", help="with --rerank-untrained: 6,4")
    parser.add_argument("--rerank-max-length", type=int, default=64, help="with --rerank-untrained")
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--serve-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--queries-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    threads = [int(t) for t in args.rerank_threads.split(",")]
    if args.serve_only is not None:  # the child process
        queries = json.loads(args.queries_file.read_text())
        print(json.dumps(serve(args.serve_only, queries, args.rerank_model, args.rerank_top, threads)))
        return
    if args.rerank_untrained:
        for layers in [int(v) for v in args.rerank_layers.split(",")]:
            shape = f"-{layers}x{args.rerank_max_length}"
            folder = args.work / f"reranker-untrained{'' if shape == '-6x64' else shape}"
            args.rerank_model.append(untrained_reranker(folder, layers, args.rerank_max_length))
    results = []
    for size in [int(s) for s in args.sizes.split(",")]:
        folder = args.work / f"n{size}"
        print(f"== {size} products in {folder}", flush=True)
        report: dict[str, object] = {"size": size, **build(size, folder, args.fresh, args.rebuild)}
        queries_file = folder / "queries.json"
        queries_file.write_text(json.dumps(make_queries(size, args.queries, seed=size)))
        command = [sys.executable, __file__, "--serve-only", str(folder), "--queries-file", str(queries_file)]
        for model in args.rerank_model:
            command += ["--rerank-model", str(model)]
        command += ["--rerank-top", str(args.rerank_top), "--rerank-threads", args.rerank_threads]
        child = subprocess.run(command, check=True, capture_output=True, text=True)
        report |= json.loads(child.stdout.strip().splitlines()[-1])
        print(json.dumps(report, indent=2), flush=True)
        results.append(report)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        report = {"machine": describe_machine().model_dump(), "runs": results}
        args.out.write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

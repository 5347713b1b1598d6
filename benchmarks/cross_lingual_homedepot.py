"""Chinese queries over the English Home Depot catalog (docs/benchmarks.md, "Chinese queries over
an English catalog").

    nice -n 10 .venv/bin/python benchmarks/cross_lingual_homedepot.py --data-dir runs/hd \
        --work-dir runs/hd-work --products ../shared/data/homedepot/products.tsv \
        --judgments runs/hd/validation_judgments.tsv --out runs/xling.json \
        [--no-compounds --alternative-weight 0]   # the translation as it was before both
        [--feedback '{"docs": 5, "vector_weight": 0.2}']   # pseudo-relevance feedback (off)

The queries are benchmarks/data/homedepot_zh_queries.tsv: validation queries translated into
Chinese by hand, beside their English originals. Each system searches the whole catalog with the
data folder's encoder (hybrid, floor on, as served) and is scored on the same queries' judgments:
`english` (the originals), `chinese-untranslated` (translation off: the MiniLM shop answers
"cannot read"), `chinese-translated` (the CC-CEDICT translation searched through the hybrid path, with the
translated-query vector weight and, when the data folder publishes one, the query student).
The report gives each system on all queries, on those with Han letters, and on the dev and test
halves (`half`: a seeded hash of the query id; translation methods are chosen on dev only).
Per query the report keeps the translation and both NDCG@10s, for the failure analysis; per
system the search time (`took_ms`: the first query, which for the translation reads CC-CEDICT
and builds the title postings, then p50 and p95), and `translation_ms`: the translation alone
(segmentation, compounds, sense choice), p50 and p95 over the queries, once everything is read.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shelfwise.config import Settings
from shelfwise.query.translate import ALTERNATIVE_WEIGHT, has_han
from shelfwise.records import SearchRequest
from shelfwise.search.feedback import FeedbackConfig

QUERIES = Path(__file__).parent / "data" / "homedepot_zh_queries.tsv"
DEPTH = 100
SPLIT_SEED = "issue-27-part-4"
"""the dev/test halves: a query is dev when the first byte of sha256(seed + query id) is even"""


def half(query_id: str, seed: str = SPLIT_SEED) -> str:
    """'dev' or 'test': a fixed, seeded hash of the query id (methods are chosen on dev only)."""
    return "dev" if hashlib.sha256(f"{seed}:{query_id}".encode()).digest()[0] % 2 == 0 else "test"


def read_pairs(path: Path) -> list[tuple[str, str, str]]:
    """(query id, Chinese, English) rows of the translated query set."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(r["query_id"], r["query"], r["english"]) for r in rows]


def _run(engine, queries: dict[str, str], translate: bool) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    engine.understanding = engine.understanding.model_copy(update={"translate": translate})
    run, shown, took = {}, {}, []
    for qid, text in queries.items():
        result = engine.search(SearchRequest(query=text, page_size=DEPTH, facets=()))
        took.append(result.took_ms)
        run[qid] = [(h.product.product_id, h.score) for h in result.hits]
        interpretation = result.interpretation
        shown[qid] = interpretation.searched_text if interpretation is not None else text
    shown["_took_ms"] = {"first": round(took[0], 1), "p50": round(float(np.percentile(took, 50)), 1),
                         "p95": round(float(np.percentile(took, 95)), 1)}  # fmt: skip
    return run, shown


def failures(rows: Sequence[dict]) -> dict[str, int]:  # type: ignore[type-arg]
    """Queries the translation loses (NDCG@10 below half the English one's), by the first of: a
    word the dictionary lacks whole (split into pieces), a word with no sense at all or none the
    catalog uses, else the senses chosen or the Chinese wording."""
    counts = {"lost": 0, "compound not in the dictionary": 0, "word without a usable sense": 0,
              "sense or wording": 0}  # fmt: skip
    for row in rows:
        english, translated = row["ndcg_english"] or 0.0, row["ndcg_translated"] or 0.0
        if english <= 0 or translated >= english / 2:
            continue
        counts["lost"] += 1
        kinds = " ".join(row["words"])
        if "/split" in kinds:
            counts["compound not in the dictionary"] += 1
        elif ":unknown" in kinds or ":unmatched" in kinds:
            counts["word without a usable sense"] += 1
        else:
            counts["sense or wording"] += 1
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--products", type=Path, required=True)
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--senses-per-word", type=int, default=1)
    parser.add_argument(
        "--no-compounds",
        action="store_true",
        help="translate the pieces of a word the dictionary lacks one by one",
    )
    parser.add_argument(
        "--alternative-weight",
        type=float,
        default=ALTERNATIVE_WEIGHT,
        help="weight of close senses OR'd into lexical search (0: none)",
    )
    parser.add_argument(
        "--student-weight",
        type=float,
        default=None,
        help="the query student's share of a translated query's vector (0: student off; default: "
        "the setting). The student is the data folder's published one (python -m "
        "shelfwise.train.query_student --data-dir DATA), none when absent",
    )
    parser.add_argument(
        "--feedback",
        type=str,
        default=None,
        help="pseudo-relevance feedback for translated queries, as JSON fields of "
        "shelfwise.search.feedback.FeedbackConfig, e.g. '{\"docs\": 5}' (default: off)",
    )
    args = parser.parse_args(argv)

    from shelfwise.bench import open_products_shop
    from shelfwise.evaluate.search_eval import evaluate_run
    from shelfwise.evaluate.trec import read_judgments
    from shelfwise.search.cross_lingual import CrossLingual

    pairs = read_pairs(args.queries)
    every = read_judgments(args.judgments)
    wanted = {qid for qid, _, _ in pairs}
    judgments = every.subset(wanted)
    settings = Settings(data_dir=args.data_dir)
    opened = open_products_shop(settings, args.products, None, args.work_dir, False,
                                settings.fusion.learned, lambda m: print(m, file=sys.stderr))  # fmt: skip
    engine = opened.shop.engine
    student = engine.cross_lingual.student
    engine.cross_lingual = CrossLingual(engine.encoder, engine.fusion.match.script_min_share,
                                        args.senses_per_word, compounds=not args.no_compounds,
                                        alternative_weight=args.alternative_weight)  # fmt: skip
    weight = settings.understanding.student_weight if args.student_weight is None else args.student_weight
    engine.cross_lingual.use_student(student, weight)
    feedback = FeedbackConfig(**json.loads(args.feedback or "{}"))
    engine.cross_lingual.feedback = feedback
    systems = {
        "english": ({q: e for q, _, e in pairs}, True),
        "chinese-untranslated": ({q: z for q, z, _ in pairs}, False),
        "chinese-translated": ({q: z for q, z, _ in pairs}, True),
    }
    metrics, per_query, shown, runs = {}, {}, {}, {}
    for name, (queries, translate) in systems.items():
        runs[name], shown[name] = _run(engine, queries, translate)
        run = runs[name]
        scored = evaluate_run(run, judgments)
        metrics[name] = {"ndcg@10": round(scored.ndcg, 4), "recall@100": round(scored.recall, 4),
                         "queries": len(queries), "took_ms": shown[name].pop("_took_ms")}  # fmt: skip
        per_query[name] = {q.query_id: q.ndcg for q in scored.per_query}
    subsets = {"queries with Han letters": [q for q, z, _ in pairs if has_han(z)],
               "dev half": [q for q, _, _ in pairs if half(q) == "dev"],
               "test half": [q for q, _, _ in pairs if half(q) == "test"]}  # fmt: skip
    for label, ids in subsets.items():
        for name in systems:
            scored = evaluate_run(runs[name], judgments.subset(ids))
            metrics[f"{name} ({label})"] = {
                "ndcg@10": round(scored.ndcg, 4),
                "recall@100": round(scored.recall, 4),
                "queries": len(ids),
            }
    english_ndcg, translated_ndcg = per_query["english"], per_query["chinese-translated"]
    rows = [
        {"query_id": q, "chinese": z, "english": e, "translation": shown["chinese-translated"][q],
         "ndcg_english": english_ndcg.get(q), "ndcg_translated": translated_ndcg.get(q)}
        for q, z, e in pairs
    ]  # fmt: skip
    live = engine._require()
    analysis_ms = []
    for row in rows:
        began = time.perf_counter()
        words = engine.cross_lingual.translate(live.version, live.title_scripts, live.terms, row["chinese"])
        analysis_ms.append((time.perf_counter() - began) * 1000)
        row["words"] = (
            []
            if words is None
            else [f"{w.source}:{w.kind}{'/split' if w.split else ''}" for w in words.words]
        )
    for name, values in metrics.items():
        if name == "translation_ms":
            continue
        english = metrics["english" + name[name.index(" ") :] if " " in name else "english"]["ndcg@10"]
        values["share_of_english_ndcg@10"] = round(values["ndcg@10"] / english, 4) if english else None
    metrics["translation_ms"] = {"p50": round(float(np.percentile(analysis_ms, 50)), 2),
                                 "p95": round(float(np.percentile(analysis_ms, 95)), 2)}  # fmt: skip
    report = {"encoder": engine.encoder.encoder.version, "products": opened.shop.store.count(),
              "student": None if student is None else {**student.manifest.__dict__, "weight": weight},
              "feedback": feedback.model_dump(),
              "metrics": metrics, "failures": failures(rows), "queries": rows}  # fmt: skip
    opened.shop.close()
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({"encoder": report["encoder"], "metrics": metrics}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

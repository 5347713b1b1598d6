"""Choose the pseudo-relevance feedback of translated Chinese queries on the DEV half only.

    nice -n 10 .venv/bin/python benchmarks/feedback_sweep.py --data-dir runs/hd \
        --work-dir runs/hd-work --products ../shared/data/homedepot/products.tsv \
        --judgments runs/hd/validation_judgments.tsv --out runs/feedback-sweep.json

Opens the shop as benchmarks/cross_lingual_homedepot.py does (query student off unless
`--student-weight`), then searches the dev half's Chinese queries (`half(query id) == "dev"`;
the test half's text is never read into a search) once without feedback and once per setting of
`CrossLingual.feedback` (shelfwise.search.feedback.FeedbackConfig) in the grid, printing
NDCG@10, Recall@100 and the search time p50/p95 of each. The test half is measured once, by
cross_lingual_homedepot.py --feedback, with the setting chosen here.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

from cross_lingual_homedepot import DEPTH, QUERIES, half, read_pairs  # noqa: E402

from shelfwise.config import Settings  # noqa: E402
from shelfwise.records import SearchRequest  # noqa: E402
from shelfwise.search.feedback import FeedbackConfig  # noqa: E402

GRID = {
    "docs": (5, 10),
    "min_titles": (2, 3),
    "terms": (3, 6),
    "weight": (0.2, 0.4),
    "vector_weight": (0.0, 0.3),
}


def _score(engine, queries: dict[str, str], judgments, config: FeedbackConfig) -> dict:  # type: ignore[no-untyped-def]
    from shelfwise.evaluate.search_eval import evaluate_run

    engine.cross_lingual.feedback = config
    run, took = {}, []
    for qid, text in queries.items():
        result = engine.search(SearchRequest(query=text, page_size=DEPTH, facets=()))
        took.append(result.took_ms)
        run[qid] = [(h.product.product_id, h.score) for h in result.hits]
    scored = evaluate_run(run, judgments)
    return {"ndcg@10": round(scored.ndcg, 4), "recall@100": round(scored.recall, 4),
            "took_p50": round(float(np.percentile(took, 50)), 1),
            "took_p95": round(float(np.percentile(took, 95)), 1)}  # fmt: skip


def _timing(engine, queries: dict[str, str], config: FeedbackConfig, rounds: int = 3) -> dict:  # type: ignore[no-untyped-def]
    """Search time of each query without and with the feedback, interleaved (the same load on
    both), the best of `rounds`; p50 and p95 of each and of the difference, in ms."""
    off, on = [], []
    for text in queries.values():
        times = {}
        for setting in (FeedbackConfig(), config):
            engine.cross_lingual.feedback = setting
            times[setting.docs > 0] = min(
                engine.search(SearchRequest(query=text, page_size=DEPTH, facets=())).took_ms
                for _ in range(rounds)
            )
        off.append(times[False])
        on.append(times[True])
    extra = np.array(on) - np.array(off)
    return {name: {"p50": round(float(np.percentile(v, 50)), 1), "p95": round(float(np.percentile(v, 95)), 1)}
            for name, v in (("off", off), ("on", on), ("extra", extra))}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--products", type=Path, required=True)
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=QUERIES)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--student-weight", type=float, default=0.0)
    parser.add_argument("--grid", type=str, default=None, help="JSON of field -> values (default GRID)")
    parser.add_argument("--timing", type=str, default=None, help="JSON of one setting: time it instead")
    args = parser.parse_args(argv)

    from shelfwise.bench import open_products_shop
    from shelfwise.evaluate.trec import read_judgments

    dev = {q: z for q, z, _ in read_pairs(args.queries) if half(q) == "dev"}
    judgments = read_judgments(args.judgments).subset(set(dev))
    settings = Settings(data_dir=args.data_dir)
    opened = open_products_shop(settings, args.products, None, args.work_dir, False,
                                settings.fusion.learned, lambda m: print(m, file=sys.stderr))  # fmt: skip
    engine = opened.shop.engine
    engine.cross_lingual.use_student(engine.cross_lingual.student, args.student_weight)
    if args.timing:
        _score(engine, dev, judgments, FeedbackConfig())  # warm: the dictionary and title postings
        timed = _timing(engine, dev, FeedbackConfig(**json.loads(args.timing)))
        print(json.dumps(timed))
        args.out.write_text(json.dumps({"queries": len(dev), "timing": timed}, indent=1), encoding="utf-8")
        return 0
    grid = json.loads(args.grid) if args.grid else GRID
    _score(engine, dev, judgments, FeedbackConfig())  # warm: the dictionary and title postings
    results = [{"setting": "off", **_score(engine, dev, judgments, FeedbackConfig())}]
    print(json.dumps(results[-1]), flush=True)
    for values in itertools.product(*grid.values()):
        config = FeedbackConfig(**dict(zip(grid.keys(), values, strict=True)))
        results.append({"setting": config.model_dump(), **_score(engine, dev, judgments, config)})
        print(json.dumps(results[-1]), flush=True)
    opened.shop.close()
    args.out.write_text(json.dumps({"queries": len(dev), "results": results}, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

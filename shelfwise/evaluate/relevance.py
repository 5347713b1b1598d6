"""The relevance benchmark: predicted grades of (query, product) pairs, and their RMSE against
graded judgments.

    shelfwise bench relevance --products P.tsv --pairs C.tsv --out S.tsv
    shelfwise eval relevance --judgments J.tsv --scores S.tsv
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel

from shelfwise.config import RerankConfig
from shelfwise.evaluate.tables import FormatError, iter_tsv, read_products_tsv
from shelfwise.evaluate.trec import read_judgments

Log = Callable[[str], None]
PAIR_COLUMNS = ("query_id", "query", "product_id")
SCORE_COLUMNS = ("query_id", "product_id", "score")


class RelevancePair(BaseModel):
    query_id: str
    query: str
    product_id: str


class BenchRelevanceReport(BaseModel):
    pairs: int
    unknown_products: int
    model: str
    seconds: float
    pairs_per_second: float
    out: str


class RelevanceEvalReport(BaseModel):
    pairs: int
    missing: int
    rmse: float
    mae: float
    mean_baseline_rmse: float
    """RMSE of predicting every pair's grade as the judged grades' mean (a floor to beat)"""


def read_pairs(path: Path, columns: Mapping[str, str] | None = None) -> list[RelevancePair]:
    pairs: list[RelevancePair] = []
    seen: dict[tuple[str, str], int] = {}
    for row in iter_tsv(path, PAIR_COLUMNS, columns):
        key = (row.fields["query_id"], row.fields["product_id"])
        if not all(key):
            raise FormatError(path, row.line, "empty query_id or product_id")
        if key in seen:
            raise FormatError(path, row.line, f"pair {key} listed twice (first at line {seen[key]})")
        seen[key] = row.line
        pairs.append(RelevancePair(query_id=key[0], query=row.fields["query"], product_id=key[1]))
    return pairs


def run_relevance_benchmark(
    model_path: Path,
    products: Path,
    pairs_path: Path,
    out: Path,
    product_columns: Mapping[str, str] | None = None,
    pair_columns: Mapping[str, str] | None = None,
    threads: int | None = None,
    log: Log = print,
    config: RerankConfig | None = None,
) -> BenchRelevanceReport:
    """Predict the grade of every pair with the cross-encoder at `model_path` (run as `config`
    says: runtime, int8, batch size) and write `query_id, product_id, score`. A pair whose
    product is not in PRODUCTS is scored from the product id alone and counted in
    `unknown_products`."""
    from shelfwise.evaluate.bench import product_from_row
    from shelfwise.models.reranker import CrossEncoderReranker

    catalog = {r.product_id: product_from_row(r) for r in read_products_tsv(products, product_columns)}
    pairs = read_pairs(pairs_path, pair_columns)
    unknown = sum(1 for p in pairs if p.product_id not in catalog)
    texts = [catalog[p.product_id].text() if p.product_id in catalog else p.product_id for p in pairs]
    config = config or RerankConfig()
    model = CrossEncoderReranker(model_path, batch_size=config.batch_size, threads=threads,
                                 int8=config.int8, runtime=config.runtime,
                                 max_length=config.max_length)  # fmt: skip
    log(f"scoring {len(pairs)} pairs ({unknown} with unknown products) with {model.version}")
    started = time.perf_counter()
    last = [0.0]

    def progress(done: int, total: int) -> None:
        if time.perf_counter() - last[0] > 10 or done == total:
            last[0] = time.perf_counter()
            log(f"scored {done}/{total}")

    grades = model.predict([p.query for p in pairs], texts, progress).grades
    seconds = time.perf_counter() - started
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8") as handle:
        handle.write("\t".join(SCORE_COLUMNS) + "\n")
        for pair, grade in zip(pairs, grades.tolist(), strict=True):
            handle.write(f"{pair.query_id}\t{pair.product_id}\t{grade:.4f}\n")
    return BenchRelevanceReport(
        pairs=len(pairs), unknown_products=unknown, model=model.version, seconds=round(seconds, 2),
        pairs_per_second=round(len(pairs) / seconds, 1) if seconds else 0.0, out=str(out),
    )


def read_scores(path: Path) -> dict[tuple[str, str], float]:
    scores: dict[tuple[str, str], float] = {}
    for row in iter_tsv(path, SCORE_COLUMNS):
        try:
            value = float(row.fields["score"])
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise FormatError(path, row.line, f"score is not a number: {row.fields['score']!r}")
        scores[row.fields["query_id"], row.fields["product_id"]] = value
    return scores


def evaluate_relevance(judgments_path: Path, scores_path: Path) -> RelevanceEvalReport:
    """RMSE and MAE of predicted grades over the judged pairs; judged pairs without a
    prediction are counted as missing (and left out of the errors)."""
    judgments = read_judgments(judgments_path)
    scores = read_scores(scores_path)
    truth, predicted, missing = [], [], 0
    for qid, grades in judgments.grades.items():
        for pid, grade in grades.items():
            if (qid, pid) not in scores:
                missing += 1
                continue
            truth.append(grade)
            predicted.append(scores[qid, pid])
    if not truth:
        raise ValueError(f"no judged pair of {judgments_path} has a score in {scores_path}")
    t, p = np.asarray(truth), np.asarray(predicted)
    return RelevanceEvalReport(
        pairs=len(t), missing=missing, rmse=round(float(np.sqrt(np.mean((t - p) ** 2))), 4),
        mae=round(float(np.mean(np.abs(t - p))), 4),
        mean_baseline_rmse=round(float(np.std(t)), 4),
    )

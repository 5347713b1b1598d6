"""`bench relevance`: predict the relevance grade of (query, product) pairs with a cross-encoder.

shelfwise bench relevance --products P.tsv --pairs C.tsv --out S.tsv
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel

from shelfwise.bench.products import Log
from shelfwise.config import RerankConfig
from shelfwise.evaluate.relevance import SCORE_COLUMNS, read_pairs
from shelfwise.evaluate.tables import product_from_row, read_products_tsv
from shelfwise.models.reranker import CrossEncoderReranker


class BenchRelevanceReport(BaseModel):
    pairs: int
    unknown_products: int
    model: str
    seconds: float
    pairs_per_second: float
    out: str


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
        pairs=len(pairs),
        unknown_products=unknown,
        model=model.version,
        seconds=round(seconds, 2),
        pairs_per_second=round(len(pairs) / seconds, 1) if seconds else 0.0,
        out=str(out),
    )

"""The search benchmark: index a products file, run a queries file, write and score TREC runs."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel

from shelfwise.config import Settings
from shelfwise.evaluate.machine import MachineInfo, describe_machine
from shelfwise.evaluate.search_eval import SearchEvalReport, evaluate_run
from shelfwise.evaluate.splits import split_queries
from shelfwise.evaluate.tables import ProductRow, read_products_tsv, read_queries_tsv
from shelfwise.evaluate.trec import read_judgments, read_run, write_run
from shelfwise.records import Product, SearchRequest

if TYPE_CHECKING:
    from shelfwise.service import Shelfwise

Log = Callable[[str], None]
_LOADED_KEY = "bench:loaded"
"""store document naming the products file (digest) and column mapping, once fully loaded"""


class LatencySummary(BaseModel):
    queries: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float


class BenchSearchReport(BaseModel):
    products: int
    rejected_products: int
    queries: int
    mode: str
    fusion: str
    encoder: str
    reranker: str | None = None
    learned_fusion: str | None = None
    threads: int = 1
    index_built: bool
    index_seconds: float
    products_per_second: float | None
    latency: LatencySummary
    run: str
    work_dir: str
    machine: MachineInfo | None = None


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def latency_summary(seconds: list[float]) -> LatencySummary:
    ms = np.asarray(seconds, dtype=np.float64) * 1000.0
    if ms.size == 0:
        return LatencySummary(queries=0, p50_ms=0.0, p95_ms=0.0, p99_ms=0.0, mean_ms=0.0)
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return LatencySummary(
        queries=int(ms.size), p50_ms=round(float(p50), 3), p95_ms=round(float(p95), 3),
        p99_ms=round(float(p99), 3), mean_ms=round(float(ms.mean()), 3),
    )


def product_from_row(row: ProductRow) -> Product:
    extra = dict(row.extra)
    category = tuple(p.strip() for p in extra.get("category", "").split(">") if p.strip())
    return Product(
        product_id=row.product_id,
        title=row.title,
        description=extra.get("description", ""),
        brand=extra.get("brand", ""),
        category=category,
    )


@dataclass
class ProductsShop:
    """A shop over a products file in a work folder, its index open."""

    shop: Shelfwise
    work_dir: Path
    rejected: int
    index_built: bool
    index_seconds: float


def open_products_shop(
    settings: Settings,
    products: Path,
    product_columns: Mapping[str, str] | None = None,
    work_dir: Path | None = None,
    rerank: bool = False,
    learned_fusion: bool = True,
    log: Log = print,
) -> ProductsShop:
    """Load `products` into a work folder keyed by the file's hash (reused when it exists) and
    open its index, with the data folder's active encoder, and its active reranker (`rerank`)
    and learned fusion (`learned_fusion`, when one is active for that encoder)."""
    from shelfwise.models.reranker import load_reranker
    from shelfwise.service import Shelfwise
    from shelfwise.store import open_embedding_cache
    from shelfwise.train import active_fusion, active_reranker_path, data_dir_encoder

    work = work_dir or settings.data_dir / "bench" / file_digest(products)
    bench_settings = settings.model_copy(update={"data_dir": work})
    cache = open_embedding_cache(f"sqlite:///{settings.data_dir / 'embeddings.db'}")
    # the models are the data folder's (its active fine-tuned ones, if any), not the work folder's
    encoder = data_dir_encoder(settings.encoder, settings.data_dir)
    reranker = None
    if rerank:
        reranker = load_reranker(settings.rerank.model_copy(update={"enabled": True}),
                                 active_reranker_path(settings.data_dir))
        if reranker is None:
            raise RuntimeError(f"no active reranker in {settings.data_dir}: run `shelfwise train reranker`")
    fusion = active_fusion(settings.data_dir, encoder.version, log) if learned_fusion else None
    shop = Shelfwise(bench_settings, encoder=encoder, embedding_cache=cache, reranker=reranker,
                     learned_fusion=fusion)
    rejected = 0
    source = json.dumps({"products": file_digest(products), "columns": dict(product_columns or {})})
    if shop.store.get_document(_LOADED_KEY) != source:
        if shop.store.count():
            raise RuntimeError(
                f"{work} holds another or a partly loaded catalog; remove it or pick --work-dir"
            )
        rows = read_products_tsv(products, product_columns)
        report = shop.upsert_products([product_from_row(r) for r in rows if r.title.strip()])
        rejected = report.rejected + sum(1 for r in rows if not r.title.strip())
        shop.store.put_document(_LOADED_KEY, source)
        log(f"stored {report.accepted} products from {products} ({rejected} rejected)")
    published = shop.engine.registry.current()
    started = time.perf_counter()
    shop.open_index(lambda stage, done, total: _log_progress(log, stage, done, total))
    index_seconds = time.perf_counter() - started
    built = published is None or published[0] != shop.engine.version
    return ProductsShop(shop, work, rejected, built, index_seconds)


def run_search_benchmark(
    settings: Settings,
    products: Path,
    queries: Path,
    out: Path,
    product_columns: Mapping[str, str] | None = None,
    query_columns: Mapping[str, str] | None = None,
    mode: str = "hybrid",
    fusion: str | None = None,
    depth: int = 100,
    work_dir: Path | None = None,
    rerank: bool = False,
    threads: int = 1,
    log: Log = print,
) -> BenchSearchReport:
    """Index `products` in a work folder keyed by the file's hash (reused when it exists),
    then search every query (single-threaded unless `threads`) and write the top `depth` hits as
    a TREC run. With `rerank`, the data folder's active cross-encoder reranks the top hits; the
    data folder's learned fusion (if any, and `settings.fusion.learned`) fuses hybrid candidates."""
    import faiss
    import torch

    opened = open_products_shop(settings, products, product_columns, work_dir, rerank,
                                settings.fusion.learned, log)
    shop = opened.shop
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    query_rows = read_queries_tsv(queries, query_columns)
    run: dict[str, list[tuple[str, float]]] = {}
    timings: list[float] = []
    for row in query_rows[:5]:  # warm-up: first-call allocations are not search latency
        shop.search(_request(row.query, mode, fusion, depth, rerank))
    for row in query_rows:
        began = time.perf_counter()
        result = shop.search(_request(row.query, mode, fusion, depth, rerank))
        timings.append(time.perf_counter() - began)
        run[row.query_id] = [(h.product.product_id, h.score) for h in result.hits]
    learned = shop.engine.learned_fusion is not None and mode == "hybrid" and fusion in (None, "learned")
    method = "learned" if learned else fusion or settings.fusion.method
    tag = f"shelfwise-{mode}-{method}" + ("-rerank" if rerank else "")
    encoder, reranker = shop.encoder.encoder, shop.engine.reranker
    log(f"encoder {encoder.version}; index {shop.engine.version}")
    out.parent.mkdir(parents=True, exist_ok=True)
    write_run(out, run, tag=tag, depth=depth)
    count = shop.store.count()
    shop.close()
    index_seconds = opened.index_seconds
    return BenchSearchReport(
        products=count,
        rejected_products=opened.rejected,
        queries=len(query_rows),
        mode=mode,
        fusion=method,
        encoder=encoder.version,
        reranker=None if reranker is None else reranker.version,
        learned_fusion=None if not learned else shop.engine.learned_fusion.version,  # type: ignore[union-attr]
        threads=threads,
        index_built=opened.index_built,
        index_seconds=round(index_seconds, 3),
        products_per_second=round(count / index_seconds, 1) if opened.index_built and index_seconds else None,
        latency=latency_summary(timings),
        run=str(out),
        work_dir=str(opened.work_dir),
        machine=describe_machine(),
    )


def _request(query: str, mode: str, fusion: str | None, depth: int, rerank: bool) -> SearchRequest:
    return SearchRequest(
        query=query, page_size=depth, facets=(), explain=False, rerank=rerank,
        mode=mode,  # type: ignore[arg-type]
        fusion=fusion,  # type: ignore[arg-type]
    )


def _log_progress(log: Log, stage: str, done: int, total: int) -> None:
    if done == total or done % 10_000 < 2048:
        log(f"{stage}: {done}/{total}")


def evaluate_search_run(
    judgments_path: Path,
    run_path: Path,
    split: str = "all",
    validation_fraction: float = 0.3,
    seed: int = 13,
) -> SearchEvalReport:
    """Score a run against judgments, optionally on the tuning or validation part only."""
    if split not in ("all", "tuning", "validation"):
        raise ValueError(f"split must be all, tuning or validation, not '{split}'")
    judgments = read_judgments(judgments_path)
    if split != "all":
        tuning, validation = split_queries(list(judgments.grades), validation_fraction, seed)
        keep = set(tuning if split == "tuning" else validation)
        judgments = judgments.subset(keep)
    return evaluate_run(read_run(run_path), judgments)

"""`bench search`: index a products file, search a queries file, write a TREC run and time it."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

import faiss
import torch
from pydantic import BaseModel

from shelfwise.bench.products import Log, open_products_shop
from shelfwise.config import Settings
from shelfwise.evaluate.latency import LatencySummary, latency_summary
from shelfwise.evaluate.machine import MachineInfo, describe_machine
from shelfwise.evaluate.tables import read_queries_tsv
from shelfwise.evaluate.trec import write_run
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise


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
    opened = open_products_shop(
        settings, products, product_columns, work_dir, rerank, settings.fusion.learned, log
    )
    shop = opened.shop
    torch.set_num_threads(threads)
    faiss.omp_set_num_threads(threads)
    query_rows = read_queries_tsv(queries, query_columns)
    requests = {row.query_id: _request(row.query, mode, fusion, depth, rerank) for row in query_rows}
    run, timings = _timed_run(shop, requests)
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


def _timed_run(
    shop: Shelfwise, requests: Mapping[str, SearchRequest]
) -> tuple[dict[str, list[tuple[str, float]]], list[float]]:
    """Each query's hits (id, score), and each search's seconds, after a warm-up of five."""
    for request in list(requests.values())[:5]:  # first-call allocations are not search latency
        shop.search(request)
    run: dict[str, list[tuple[str, float]]] = {}
    timings: list[float] = []
    for query_id, request in requests.items():
        began = time.perf_counter()
        result = shop.search(request)
        timings.append(time.perf_counter() - began)
        run[query_id] = [(h.product.product_id, h.score) for h in result.hits]
    return run, timings


def _request(query: str, mode: str, fusion: str | None, depth: int, rerank: bool) -> SearchRequest:
    return SearchRequest(
        query=query,
        page_size=depth,
        facets=(),
        explain=False,
        rerank=rerank,
        mode=mode,  # type: ignore[arg-type]
        fusion=fusion,  # type: ignore[arg-type]
    )

"""A shop over a products file: the products loaded into a work folder keyed by the file's hash
(reused when it exists) and indexed with the data folder's active models. Benchmarks and the
file-driven fusion training run over it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shelfwise.config import Settings
from shelfwise.evaluate.tables import file_digest, product_from_row, read_products_tsv
from shelfwise.models.reranker import load_reranker
from shelfwise.published_models import (
    active_fusion,
    active_reranker_path,
    data_dir_encoder,
    load_query_student,
)
from shelfwise.service import Shelfwise
from shelfwise.shop_data import ShopUrls
from shelfwise.store import open_embedding_cache

Log = Callable[[str], None]
_LOADED_KEY = "bench:loaded"
"""store document naming the products file (digest) and column mapping, once fully loaded"""


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
    and learned fusion (`learned_fusion`, when one is active for that encoder), and its query
    student when it has one."""
    work = work_dir or settings.data_dir / "bench" / file_digest(products)
    bench_settings = settings.model_copy(update={"data_dir": work})
    cache = open_embedding_cache(ShopUrls.from_settings(settings).embeddings)
    # the models are the data folder's (its active fine-tuned ones, if any), not the work folder's
    encoder = data_dir_encoder(settings.encoder, settings.data_dir)
    reranker = None
    if rerank:
        reranker = load_reranker(
            settings.rerank.model_copy(update={"enabled": True}), active_reranker_path(settings.data_dir)
        )
        if reranker is None:
            raise RuntimeError(f"no active reranker in {settings.data_dir}: run `shelfwise train reranker`")
    fusion = active_fusion(settings.data_dir, encoder.version, log) if learned_fusion else None
    shop = Shelfwise(
        bench_settings, encoder=encoder, embedding_cache=cache, reranker=reranker, learned_fusion=fusion
    )
    student = load_query_student(settings.data_dir, encoder.version, log)
    shop.engine.cross_lingual.use_student(student, settings.understanding.student_weight)
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


def _log_progress(log: Log, stage: str, done: int, total: int) -> None:
    if done == total or done % 10_000 < 2048:
        log(f"{stage}: {done}/{total}")

"""`shelfwise train fusion`: learn hybrid fusion from judgments over a products file or the shop's
own catalog. A products file is loaded and indexed in a work folder (`open_products_shop`, over the
service); without one the shop's own index is opened (its catalog store, by URL). The training job
(`shelfwise.train.fit_fusion`) learns over that shop's search engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shelfwise.bench.products import Log, open_products_shop
from shelfwise.config import Settings
from shelfwise.evaluate.tables import file_digest
from shelfwise.service import Shelfwise
from shelfwise.train import FusionArtifact, FusionTrainingConfig, fit_fusion, fusion_judgments
from shelfwise.train.sources import EmptyCatalogError, catalog_digest


def train_fusion(
    settings: Settings,
    products: Path | None,
    judgments: Path,
    config: FusionTrainingConfig,
    product_columns: Mapping[str, str] | None = None,
    log: Log = print,
) -> FusionArtifact:
    """Learn hybrid fusion from graded judgments with the data folder's active encoder, and make
    it active when it ranks held-out queries better than weighted fusion and the active one."""
    graded, excluded = fusion_judgments(settings, judgments, config, log)
    if products is not None:
        shop = open_products_shop(settings, products, product_columns, learned_fusion=False, log=log).shop
        digest = file_digest(products)
    else:
        weighted = settings.fusion.model_copy(update={"learned": False})  # fusion learns over weighted
        shop = Shelfwise(settings.model_copy(update={"fusion": weighted}))
    try:
        if products is None:
            digest = _open_own_index(shop)
        return fit_fusion(settings, shop.engine, digest, judgments, graded, excluded, config, log)
    finally:
        shop.close()


def _open_own_index(shop: Shelfwise) -> str:
    """Open the shop's own index (built when there is none); the digest of its catalog."""
    if not shop.store.count():
        raise EmptyCatalogError("the shop's catalog is empty: ingest products first, or pass --products")
    shop.open_index()
    return catalog_digest(shop.store.iter_products())

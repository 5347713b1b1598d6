"""`shelfwise train fusion`: learn hybrid fusion from a products file and its judgments. The
products are loaded and indexed in a work folder (`open_products_shop`, over the service), and
the training job (`shelfwise.train.fit_fusion`) learns over that shop's search engine."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from shelfwise.bench.products import Log, open_products_shop
from shelfwise.config import Settings
from shelfwise.train import FusionArtifact, FusionTrainingConfig, fit_fusion, fusion_judgments


def train_fusion(
    settings: Settings,
    products: Path,
    judgments: Path,
    config: FusionTrainingConfig,
    product_columns: Mapping[str, str] | None = None,
    log: Log = print,
) -> FusionArtifact:
    """Learn hybrid fusion from graded judgments with the data folder's active encoder, and make
    it active when it ranks held-out queries better than weighted fusion and the active one."""
    graded, excluded = fusion_judgments(settings, judgments, config, log)
    opened = open_products_shop(settings, products, product_columns, learned_fusion=False, log=log)
    try:
        return fit_fusion(settings, opened.shop.engine, products, judgments, graded, excluded, config, log)
    finally:
        opened.shop.close()

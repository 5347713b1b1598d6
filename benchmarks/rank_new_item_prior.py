"""Which prior suits a product the ranking model never saw: the unknown item index, or the mean
of its text neighbours' learned item embeddings?

    .venv/bin/python benchmarks/rank_new_item_prior.py --products 400 --shoppers 800

A small shop (hashing encoder) is searched by closed-loop shoppers, the ranking model is trained
on what it showed them, and every logged impression is then scored three ways: with each item's
own embedding; with every item read as unknown (index 0, what a new product reads: training's
`id_dropout` teaches it to stand for an unseen item); and with each item's embedding replaced by
the mean of its k nearest seen neighbours by text (itself left out). Reported: mean pCTR and
pCTCVR against the observed rates, log loss and click AUC.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch


def _scores(name: str, predicted: object, clicks: np.ndarray, ctcvr: np.ndarray) -> dict[str, object]:
    from shelfwise.rank.metrics import log_loss, roc_auc

    pctr, pctcvr = predicted.pctr, predicted.pctcvr  # type: ignore[attr-defined]
    return {
        "items": name,
        "mean_pctr": round(float(pctr.mean()), 5),
        "mean_pctcvr": round(float(pctcvr.mean()), 6),
        "click_log_loss": round(float(log_loss(clicks, pctr) or 0), 5),
        "ctcvr_log_loss": round(float(log_loss(ctcvr, pctcvr) or 0), 6),
        "click_auc": round(float(roc_auc(clicks, pctr) or 0), 4),
    }


def _neighbour_table(weight: torch.Tensor, items: np.ndarray, text: np.ndarray, k: int) -> torch.Tensor:
    """Each seen item's row replaced by the mean of its k nearest seen neighbours' rows."""
    seen = np.flatnonzero(items > 0)
    similarity = text[seen] @ text[seen].T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1)[:, :k]
    table = weight.clone()
    table[torch.from_numpy(items[seen])] = weight[torch.from_numpy(items[seen[nearest]])].mean(dim=1)
    return table


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--products", type=int, default=400)
    parser.add_argument("--shoppers", type=int, default=800)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    from shelfwise.config import EncoderConfig, Settings
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.rank.examples import Impressions
    from shelfwise.rank.features import encode_queries
    from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig
    from shelfwise.service import Shelfwise
    from shelfwise.simulate.loop import (
        ClosedLoopSimulation,
        ShelfwiseRanker,
        TextMatchRanker,
        shop_catalog,
        simulate_closed_loop,
    )

    data_dir = Path(tempfile.mkdtemp()) / "data"
    shop = Shelfwise(Settings(data_dir=data_dir, encoder=EncoderConfig(name="hashing")))
    products = generate_demo_catalog(args.products, seed=args.seed)
    shop.upsert_products(products)
    shop.open_index()
    config = ClosedLoopSimulation(
        n_shoppers=args.shoppers, days=30, seed=args.seed, end=datetime(2026, 6, 1, tzinfo=UTC)
    )
    feed = TextMatchRanker(shop_catalog(products, config))
    logged = simulate_closed_loop(products, config, ShelfwiseRanker(shop, fallback=feed))
    shop.record_events(list(logged.events))
    training = TrainingConfig(epochs=8, batch_size=256, seed=1, importance_rows=0)
    shop.train_ranker(CtrCvrRankerConfig(training=training), log=lambda _: None)
    stage = shop.ranking_stage
    ranker, catalog = stage.ranker, stage.ranker.builder.catalog
    data = Impressions.from_records(shop.labeled_impressions()[0])
    batch = ranker.builder.build(data, encode_queries(data.queries, shop.encoder, ranker.spec.text_dim))
    clicks, ctcvr = data.click_labels, data.ctcvr_labels
    rows = [
        {
            "items": "observed",
            "mean_pctr": round(float(clicks.mean()), 5),
            "mean_pctcvr": round(float(ctcvr.mean()), 6),
            "impressions": len(data),
        }
    ]
    rows.append(_scores("own embedding", ranker.predict(batch), clicks, ctcvr))
    hidden = batch.categorical.copy()
    hidden[:, 1] = 0
    rows.append(_scores("unknown index", ranker.predict(replace(batch, categorical=hidden)), clicks, ctcvr))
    table = ranker.network.embeddings[1].weight
    original = table.detach().clone()
    m = catalog.missing_row
    for k in (1, 5, 20):
        with torch.no_grad():
            table.copy_(_neighbour_table(original, catalog.item[:m], catalog.text[:m], k))
        rows.append(_scores(f"mean of {k} text neighbours", ranker.predict(batch), clicks, ctcvr))
        with torch.no_grad():
            table.copy_(original)
    for row in rows:
        print(json.dumps(row))
    shop.close()


if __name__ == "__main__":
    main()

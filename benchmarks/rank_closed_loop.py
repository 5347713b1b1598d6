"""The ranking model on closed-loop shoppers, fast: log with the simulator's reference ranker, then
train and report against the simulator's own probabilities (issue 5's target: AUC within 0.02 of
the ceiling, training within 15 minutes on 2 cores).

    .venv/bin/python benchmarks/rank_closed_loop.py --shoppers 10000 --days 60 --encoder minilm \
        --json runs/rank_closed_loop.json

1. Log: `--shoppers` closed-loop shoppers over `--days`, every search and home feed served by
   `TextMatchRanker` (no shop, no index: seconds, not the real shop's minutes).
2. Features: item text vectors by `--encoder` (minilm: the bundled MiniLM through an SQLite
   embedding cache under `--cache-dir`, queries cached too; hashing: character trigrams; random:
   seeded unit vectors, query cosine then meaningless), profiles from the log's events
   (`build_profiles`), read point in time (each request sees only the events before it).
3. Train `fit_ranker` (a time split, 80/10/10 by default) on the search surface and, with
   `--surfaces both`, also on every surface; report per task the test AUC, the ceiling (AUC of
   the true probabilities on the same labels) and the position-only baseline, and the seconds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.models.encoder import TextKind
from shelfwise.personalize import VectorTable, build_profiles
from shelfwise.personalize.provider import ProfileFeatures
from shelfwise.rank import ModelConfig
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig, fit_ranker
from shelfwise.records import text_hash
from shelfwise.simulate.loop import (
    ClosedLoopSimulation,
    TextMatchRanker,
    labeled_impressions,
    shop_catalog,
    simulate_closed_loop,
)

END = datetime(2026, 6, 1, tzinfo=UTC)


class CachedQueries:
    """An encoder whose query and document vectors are kept in an embedding cache."""

    def __init__(self, encoder, cache) -> None:  # noqa: ANN001 (Encoder, EmbeddingCache)
        self.encoder, self.cache = encoder, cache

    @property
    def version(self) -> str:
        return self.encoder.version

    @property
    def dim(self) -> int:
        return self.encoder.dim

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        keys = [text_hash(t if kind == "document" else f"{kind}:{t}") for t in texts]  # as CachedEncoder
        found = self.cache.get(self.version, keys)
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            vectors = self.encoder.encode([t for _, t in missing], kind=kind)
            fresh = {k: v for (k, _), v in zip(missing, vectors, strict=True)}
            self.cache.put(self.version, fresh)
            found.update(fresh)
        if not texts:
            return np.zeros((0, self.dim), np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)


def _encoder(name: str, cache_dir: Path, precision: str = "fp32"):  # noqa: ANN202
    if name == "hashing":
        from shelfwise.models.encoder import HashingEncoder

        return HashingEncoder()
    if name == "random":
        return None
    from shelfwise.models.encoder import SentenceTransformerEncoder
    from shelfwise.store.sqlite import SQLiteEmbeddingCache

    cache_dir.mkdir(parents=True, exist_ok=True)
    cache = SQLiteEmbeddingCache(cache_dir / "embeddings.db")
    if precision == "int8":  # the served default: every text through the int8 ONNX graph
        encoder = SentenceTransformerEncoder(
            threads=1, onnx_root=cache_dir / "onnx", precision="int8", onnx_documents=True
        )
        return CachedQueries(encoder, cache)
    return CachedQueries(SentenceTransformerEncoder(threads=1), cache)


def _vectors(encoder, products, seed: int) -> np.ndarray:  # noqa: ANN001
    if encoder is None:
        rng = np.random.default_rng(seed)
        v = rng.normal(size=(len(products), 64)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)
    return encoder.encode([p.text() for p in products], kind="document")


def _summary(report, seconds: float) -> dict[str, object]:  # noqa: ANN001
    tasks = {
        name: {
            "auc": t.auc,
            "ceiling_auc": t.ceiling_auc,
            "position_baseline_auc": t.position_baseline_auc,
            "gap": None if t.auc is None or t.ceiling_auc is None else round(t.ceiling_auc - t.auc, 4),
            "rows": t.rows,
            "positives": t.positives,
            "log_loss": t.log_loss,
            "ceiling_log_loss": t.ceiling_log_loss,
        }
        for name, t in report.tasks.items()
    }
    best = [h.validation_ctr_auc for h in report.history]
    return {
        "rows": report.rows,
        "epochs": report.epochs,
        "best_epoch": report.best_epoch,
        "validation_ctr_auc": best,
        "seconds": round(seconds, 1),
        "tasks": tasks,
        "importance": report.feature_importance,
    }


def _latency(fitted, profiles, encoder, labeled, repeats: int = 300) -> dict[str, float]:  # noqa: ANN001
    """`RankingStage.rank` of 100 candidates, one thread, serving profiles (not point in time)."""
    from shelfwise.rank import FeatureBuilder, RankContext, Ranker, RankingStage

    b = fitted.ranker.builder
    ranker = Ranker(
        fitted.ranker.network, FeatureBuilder(b.spec, b.known_users, b.catalog, ProfileFeatures(profiles))
    )
    stage = RankingStage(ranker, encoder)
    searches = [e for e in labeled if e.surface == "search" and e.user_id][:repeats]
    ids = list(b.catalog.rows)[:100]
    times = []
    for e in searches:
        vector = None if encoder is None else encoder.encode([e.query], kind="query")[0]
        context = RankContext(actor=f"user:{e.user_id}", query=e.query, query_vector=vector, at=END)
        started = time.perf_counter()
        stage.rank(ids, context, relevance=np.linspace(1, 0, len(ids)))
        times.append((time.perf_counter() - started) * 1000)
    return {f"p{q}_ms": round(float(np.percentile(times, q)), 2) for q in (50, 95, 99)}


def _noisy_test_auc(fitted, encoder, seed: int) -> dict[str, float | None]:  # noqa: ANN001
    """Click and click-and-convert AUC on the test part with a typo in every query: robustness."""
    from shelfwise.evaluate.calibration import roc_auc
    from shelfwise.rank.augment import AugmentConfig, augment_queries
    from shelfwise.rank.features import encode_queries

    test = fitted.test
    noisy, _ = augment_queries(
        test, np.arange(len(test)), AugmentConfig(share=1.0, kinds=("typo",), seed=seed)
    )
    builder = fitted.ranker.builder
    predictions = fitted.ranker.predict(
        builder.build(noisy, encode_queries(noisy.queries, encoder, builder.spec.text_dim))
    )
    clean = fitted.ranker.predict(fitted.test_batch)
    ctcvr = test.clicked & test.converted

    def auc(labels: np.ndarray, scores: np.ndarray) -> float | None:
        value = roc_auc(labels, scores)
        return None if value is None else round(value, 5)

    return {
        "clean_ctr_auc": auc(test.clicked, clean.pctr),
        "noisy_ctr_auc": auc(test.clicked, predictions.pctr),
        "clean_ctcvr_auc": auc(ctcvr, clean.pctcvr),
        "noisy_ctcvr_auc": auc(ctcvr, predictions.pctcvr),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--shoppers", type=int, default=10000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7, help="catalog and shoppers")
    parser.add_argument("--train-seed", type=int, default=0)
    parser.add_argument("--encoder", default="minilm", choices=["minilm", "hashing", "random"])
    parser.add_argument("--precision", default="fp32", choices=["fp32", "int8"], help="minilm's precision")
    parser.add_argument("--cache-dir", type=Path, default=Path("runs/rank_closed_loop"))
    parser.add_argument("--surfaces", default="search", choices=["search", "all", "both"])
    parser.add_argument("--no-profiles", action="store_true")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--model", default="{}", help="ModelConfig overrides as JSON")
    parser.add_argument("--training", default="{}", help="TrainingConfig overrides as JSON")
    parser.add_argument("--tune", type=int, default=0, help="optuna trials before the fit (0: none)")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import torch

    torch.set_num_threads(1)
    out: dict[str, object] = {"command": {k: str(v) for k, v in vars(args).items()}}
    products = generate_demo_catalog(args.products, args.seed)
    config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.days, seed=args.seed, end=END)
    started = time.perf_counter()
    result = simulate_closed_loop(products, config, TextMatchRanker(shop_catalog(products, config)))
    labeled = labeled_impressions(result)
    out["log"] = {
        "responses": len(result.impressions),
        "events": len(result.events),
        "impressions": len(labeled),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(f"log: {out['log']}", flush=True)

    started = time.perf_counter()
    encoder = _encoder(args.encoder, args.cache_dir, args.precision)
    vectors = _vectors(encoder, products, args.seed)
    profiles = build_profiles(result.events, products, VectorTable([p.product_id for p in products], vectors))
    users = None if args.no_profiles else ProfileFeatures(profiles, point_in_time=True)
    out["features_seconds"] = round(time.perf_counter() - started, 1)
    training = {"seed": args.train_seed, **json.loads(args.training)}
    if args.epochs:
        training["epochs"] = args.epochs
    ranker_config = CtrCvrRankerConfig(
        model=ModelConfig(**json.loads(args.model)), training=TrainingConfig(**training)
    )
    if args.tune:
        from shelfwise.rank.tuning import tune_ranker

        started = time.perf_counter()
        search = [e for e in labeled if e.surface == "search"]
        tuned = tune_ranker(
            search, products, vectors, ranker_config, trials=args.tune, folds=args.folds,
            seed=args.train_seed, encoder=encoder, user_features=users, log=print,
        )  # fmt: skip
        out["tuning"] = tuned.model_dump(mode="json") | {"seconds": round(time.perf_counter() - started, 1)}
        ranker_config = CtrCvrRankerConfig.model_validate(tuned.best_config)
        print(f"tuning: best {tuned.best_score:.4f} against the base {tuned.baseline_score:.4f}", flush=True)
    surfaces = ("search", "all") if args.surfaces == "both" else (args.surfaces,)
    for surface in surfaces:
        examples = [e for e in labeled if surface == "all" or e.surface == surface]
        started = time.perf_counter()
        fitted = fit_ranker(examples, products, vectors, ranker_config, encoder, users, log=print)
        out[surface] = _summary(fitted.report, time.perf_counter() - started) | {"impressions": len(examples)}
        if surface == "search":
            out[surface]["rank_100_latency"] = _latency(fitted, profiles, encoder, examples)
            out[surface]["typo_in_every_test_query"] = _noisy_test_auc(fitted, encoder, args.train_seed)
        print(json.dumps({k: v for k, v in out[surface].items() if k != "importance"}, indent=1), flush=True)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

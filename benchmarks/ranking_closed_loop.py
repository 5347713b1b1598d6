"""Issue 5 end to end on the demo shop: log, learn, personalise, and test it on simulated shoppers.

    .venv/bin/python benchmarks/ranking_closed_loop.py --data-dir runs/loop [--shoppers 3000]

1. Logging: closed-loop shoppers (`shelfwise.simulate.loop`) search the real demo shop
   (`ShelfwiseRanker`: `Shelfwise.serve_search`, hybrid search, no final stage) for `--log-days`;
   home feeds come from the simulator's reference ranker in every phase and arm.
   Their events go into the shop.
2. Learning: the CTR/CVR model (`shelfwise.rank`, ESMM) trains on the logged search impressions
   labelled by the simulator, with point-in-time profile features; its test AUC per task is
   reported next to the AUC of the simulator's true probabilities on the same labels (the ceiling).
3. Online test: the same shoppers come back for `--test-days`; signed-in shoppers are split by
   user hash into four arms: control (relevance order), profile (the profile boost, no model),
   model-anonymous (the ranking model without the shopper's identity and profile) and model (the
   ranking model with them). Their conversion, clicks and revenue are
   compared by `Experiments.report` (the library behind `shelfwise ab report`).
4. Personal difference: for logged queries, two shoppers with different histories get the same
   query; the overlap of their top 10 is measured with and without personalization.
5. Latency of `serve_search` with the final stage off and on (one thread, alternating).
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.experiments import Experiment, ExperimentRegistry, Experiments, MemoryExposureLog, Variant
from shelfwise.personalize.provider import ProfileFeatures
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig, train_ranker
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise
from shelfwise.simulate.loop import (
    ClosedLoopSimulation,
    ShelfwiseRanker,
    TextMatchRanker,
    labeled_impressions,
    shop_catalog,
    simulate_closed_loop,
)

T1 = datetime(2026, 6, 1, tzinfo=UTC)
ARMS = {
    "control": {"ranking": "off", "personalize": False},
    "profile": {"ranking": "off", "personalize": True},
    "model-anonymous": {"personalize": False},
    "model": {"personalize": True},
}


def _overlap(
    shop: Shelfwise, queries: list[str], users: list[str], settings: dict[str, object], at: datetime
) -> float:
    overlaps = []
    for i, query in enumerate(queries):
        a, b = users[(2 * i) % len(users)], users[(2 * i + 1) % len(users)]
        tops = []
        for user in (a, b):
            request = SearchRequest(query=query, page_size=10, facets=(), explain=False, user_id=user)
            hits = shop.serve_search(request, f"overlap-{i}-{user}", at, settings).hits  # type: ignore[arg-type]
            tops.append({hit.product.product_id for hit in hits})
        if tops[0] or tops[1]:
            overlaps.append(len(tops[0] & tops[1]) / max(len(tops[0] | tops[1]), 1))
    return float(np.mean(overlaps))


def _latency(
    shop: Shelfwise, queries: list[str], users: list[str], at: datetime
) -> dict[str, dict[str, float]]:
    timings: dict[str, list[float]] = {"final stage off": [], "profile boost": [], "ranking model": []}
    settings = {
        "final stage off": ARMS["control"],
        "profile boost": ARMS["profile"],
        "ranking model": ARMS["model"],
    }
    for i, query in enumerate(queries):
        for name, chosen in settings.items():
            request = SearchRequest(
                query=query, page_size=10, facets=(), explain=False, user_id=users[i % len(users)]
            )
            started = time.perf_counter()
            shop.serve_search(request, f"latency-{i}-{name}", at, chosen)  # type: ignore[arg-type]
            timings[name].append((time.perf_counter() - started) * 1000)
    return {name: _percentiles(v) for name, v in timings.items()}


def _percentiles(values: list[float]) -> dict[str, float]:
    return {f"p{q}_ms": round(float(np.percentile(values, q)), 2) for q in (50, 95, 99)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", type=Path, default=Path("runs/loop"))
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--log-days", type=int, default=30)
    parser.add_argument("--test-days", type=int, default=21)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--encoder", default="minilm", choices=["minilm", "hashing"])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    out: dict[str, object] = {
        "command": vars(args) | {"data_dir": str(args.data_dir), "json": str(args.json)}
    }
    started = time.perf_counter()
    products = generate_demo_catalog(args.products, args.seed)
    shop = Shelfwise(Settings(data_dir=args.data_dir, encoder=EncoderConfig(name=args.encoder)))
    if shop.store.count() == 0:
        shop.upsert_products(products)
    shop.open_index()
    products = list(shop.store.iter_products())
    print(f"shop ready: {len(products)} products ({time.perf_counter() - started:.0f} s)", flush=True)

    log_config = ClosedLoopSimulation(n_shoppers=args.shoppers, days=args.log_days, seed=args.seed, end=T1)
    feed = TextMatchRanker(shop_catalog(products, log_config))
    started = time.perf_counter()
    relevance_only = ShelfwiseRanker(shop, fallback=feed, settings=ARMS["control"])
    logged = simulate_closed_loop(products, log_config, relevance_only)
    shop.record_events(list(logged.events))
    out["logging"] = {"responses": len(logged.impressions), "events": len(logged.events),
                      "seconds": round(time.perf_counter() - started, 1)}  # fmt: skip
    print(f"logging: {out['logging']}", flush=True)

    examples = [e for e in labeled_impressions(logged) if e.surface == "search"]
    vectors = shop.encoder.encode_products(products)
    config = CtrCvrRankerConfig(training=TrainingConfig(seed=args.seed))
    started = time.perf_counter()
    artifact = train_ranker(args.data_dir, examples, products, vectors, config, shop.encoder,
                            ProfileFeatures(shop.profiles, point_in_time=True), log=print)  # fmt: skip
    tasks = artifact.report.tasks
    out["model"] = {
        "impressions": len(examples),
        "seconds": round(time.perf_counter() - started, 1),
        "published": artifact.published,
        "tasks": {
            name: task.model_dump(mode="json", exclude={"reliability"}) for name, task in tasks.items()
        },
        "importance": artifact.report.model_dump(mode="json").get("importance"),
    }
    print(json.dumps(out["model"]["tasks"], indent=1), flush=True)
    shop._ranking = None  # serve the model just published

    shares = {"control": 0.25, "profile": 0.25, "model-anonymous": 0.25, "model": 0.25}
    variants = tuple(Variant(name=name, share=shares[name], settings=ARMS[name]) for name in ARMS)
    experiment = Experiment(name="final-stage", unit="user", salt=f"loop-{args.seed}", variants=variants)
    experiments = Experiments(ExperimentRegistry([experiment]), MemoryExposureLog())
    test_config = log_config.model_copy(
        update={"days": args.test_days, "end": T1 + timedelta(days=args.test_days)}
    )
    started = time.perf_counter()
    tested = simulate_closed_loop(products, test_config, ShelfwiseRanker(shop, fallback=feed), experiments)
    report = experiments.report("final-stage", tested.events, seed=args.seed)
    out["online"] = {"responses": len(tested.impressions), "seconds": round(time.perf_counter() - started, 1),
                     "report": report.model_dump(mode="json")}  # fmt: skip
    from shelfwise.experiments import format_report

    print(format_report(report), flush=True)

    queries = [i.query for i in logged.impressions if i.surface == "search" and i.query][:300]
    users = sorted({e.user_id for e in logged.events if e.user_id})[:400]
    at = T1 + timedelta(days=args.test_days)
    out["personal_difference"] = {
        "queries": len(queries),
        "top10_overlap_model": round(_overlap(shop, queries, users, ARMS["model"], at), 4),
        "top10_overlap_profile": round(_overlap(shop, queries, users, ARMS["profile"], at), 4),
        "top10_overlap_off": round(_overlap(shop, queries, users, ARMS["control"], at), 4),
    }
    print(out["personal_difference"], flush=True)
    out["latency"] = _latency(shop, queries[:300], users, at)
    print(out["latency"], flush=True)
    shop.close()
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()

"""Save and load time and size of a trained recommender's artifact folder, and whether the loaded
recommender answers exactly as the one that was saved, over a data folder with events (e.g. the
demo shop's):

    .venv/bin/shelfwise demo --no-serve --loop-shoppers 0 --data-dir runs/demo
    nice -n 10 .venv/bin/python benchmarks/recommend_artifacts.py runs/demo [--answers out.json]

The recommender is trained as the demo trains it (same channels and seeds). Answers are every
shopper's feed and, for a sample of products, similar items and items bought together; they are
compared between the trained and the loaded recommender (exit status 1 if any differs) and can
be written to a JSON file to compare two versions of the code.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from shelfwise.config import RecommendConfig, Settings
from shelfwise.recommend import ChannelsConfig, RecommenderConfig, SequentialConfig
from shelfwise.recommend.live import LiveRecommender
from shelfwise.service import Shelfwise


def _answers(live: LiveRecommender, shop: Shelfwise, histories: dict[str, np.ndarray]) -> dict[str, list]:
    catalog = {p.product_id: p for p in shop.store.iter_products()}
    config = RecommendConfig()
    out: dict[str, list] = {}
    for user, history in histories.items():
        out[f"feed:{user}"] = [
            (r.product_id, r.score, r.reason) for r in live.for_history(history, 10, catalog, config)
        ]
    for product in sorted(catalog)[::50]:
        out[f"similar:{product}"] = [
            (r.product_id, r.score) for r in live.similar_items(product, 10, catalog, config)
        ]
        out[f"together:{product}"] = [
            (r.product_id, r.score) for r in live.bought_with(product, 10, catalog, config)
        ]
    return out


def _size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--answers", type=Path, help="write the trained recommender's answers here")
    parser.add_argument("--repeats", type=int, default=3, help="save / load this many times (best kept)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    shop = Shelfwise(Settings(data_dir=args.data_dir))
    products = list(shop.store.iter_products())
    events = [stored.event for stored in shop.events.iter_events()]
    vectors = shop.encoder.encode_products(products)
    config = RecommenderConfig(
        channels=ChannelsConfig(
            enabled=("cooccurrence", "sequential", "content", "popularity"),
            sequential=SequentialConfig(epochs=10),
        )
    )
    started = time.perf_counter()
    live, report = LiveRecommender.train(products, events, vectors, config)
    print(
        f"trained on {len(events)} events, {len(products)} products in {time.perf_counter() - started:.1f} s"
        f" (fused by {report.fused_by})"
    )
    users = sorted({e.user_id for e in events if e.user_id})
    histories = {u: live.history_of([e for e in events if e.user_id == u]) for u in users[::10]}
    before = _answers(live, shop, histories)
    saves, loads = [], []
    root = Path(tempfile.mkdtemp(prefix="recommend-artifacts-"))
    try:
        for n in range(args.repeats):
            folder = root / f"v{n}"
            started = time.perf_counter()
            live.save(folder, {"version": folder.name})
            saves.append(time.perf_counter() - started)
            started = time.perf_counter()
            loaded = LiveRecommender.load(folder)
            loads.append(time.perf_counter() - started)
        size = _size(folder)
        files = sum(1 for path in folder.rglob("*") if path.is_file())
        after = _answers(loaded, shop, histories)
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shop.close()
    print(
        f"artifact: {size / 1e6:.2f} MB in {files} files; save {min(saves) * 1000:.0f} ms, "
        f"load {min(loads) * 1000:.0f} ms (best of {args.repeats})"
    )
    same = json.dumps(before) == json.dumps(after)
    print(f"{len(before)} answers; the loaded recommender's are {'identical' if same else 'DIFFERENT'}")
    if args.answers is not None:
        args.answers.write_text(json.dumps(before, indent=0))
    sys.exit(0 if same else 1)


if __name__ == "__main__":
    main()

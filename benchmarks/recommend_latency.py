"""Latency of recommendation requests through the HTTP app (FastAPI TestClient, in process),
over a data folder with a trained recommender (e.g. the demo shop's):

    .venv/bin/shelfwise demo --no-serve --data-dir runs/demo
    .venv/bin/python benchmarks/recommend_latency.py runs/demo [--requests 500] [--threads 1]

Each route is called for random known shoppers / products; an event is posted between user
requests half of the time, as a live storefront would. Prints p50/p95/p99 in milliseconds.
"""

from __future__ import annotations

import argparse
import random
import time
from pathlib import Path

import numpy as np
import torch
from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig, Settings
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    shop = Shelfwise(Settings(data_dir=args.data_dir))
    events = [s.event for s in shop.events.iter_events()]
    users = sorted({e.user_id for e in events if e.user_id})
    products = sorted({e.product_id for e in events if e.product_id})
    rng = random.Random(0)
    timings: dict[str, list[float]] = {}
    with TestClient(create_app(shop, ServeConfig())) as client:
        for n in range(args.requests):
            user, product = rng.choice(users), rng.choice(products)
            if n % 2:
                client.post(
                    "/events",
                    json={
                        "event_id": f"bench-{n}",
                        "type": "view",
                        "user_id": user,
                        "product_id": product,
                        "timestamp": time.time(),
                    },
                )
            calls = {
                "user": ("GET", f"/recommend/user/{user}", None),
                "session": ("POST", "/recommend/session", {"items": [product]}),
                "item": ("GET", f"/recommend/item/{product}", None),
                "bought-together": ("GET", f"/recommend/bought-together/{product}", None),
            }
            for name, (method, url, body) in calls.items():
                started = time.perf_counter()
                response = client.request(method, url, json=body)
                elapsed = (time.perf_counter() - started) * 1000
                assert response.status_code == 200, response.text
                if n >= 10:  # warm-up
                    timings.setdefault(name, []).append(elapsed)
    shop.close()
    print(f"{len(users)} shoppers, {len(products)} products with events, torch threads {args.threads}")
    for name, values in timings.items():
        p50, p95, p99 = np.percentile(values, [50, 95, 99])
        print(f"{name:16s} n={len(values)} p50 {p50:.1f} ms  p95 {p95:.1f} ms  p99 {p99:.1f} ms")


if __name__ == "__main__":
    main()

"""The product graph on the demo shop: links learned, their precision against the simulator's
intended complements, build time and memory, and query latency; optionally the build on a large
synthetic catalog.

The demo shop is built with the project's own demo code: `generate_demo_catalog(6000, seed 7)`
and `simulate_shoppers` (2,000 shoppers over 60 days: the `shelfwise demo` defaults; the demo's
closed-loop shoppers are left out), stored in SQLite stores in a scratch data folder, then
`build_and_publish` reads them back as `shelfwise graph build` does.

Ground truth: the simulator's `DEMO_COMPLEMENTS` (category pairs: after buying in the first,
shoppers often buy in the second next). A learned complement link between two products of
different leaf categories is right when its category pair is one of them (either order); the
chance rate is the same share over every cross-category product pair bought in one basket at least
once (no minimum support, no PMI).
A substitute (also-viewed) link is counted right when both products share a leaf category (the
simulated shoppers compare within the category they came for).

    .venv/bin/python benchmarks/graph_demo.py --shoppers 2000 [--large 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from shelfwise.config import Settings
from shelfwise.demo import generate_demo_catalog
from shelfwise.evaluate import describe_machine
from shelfwise.graph import (
    GraphService,
    ProductGraph,
    PublishedGraph,
    build_and_publish,
    build_graph,
    goes_with,
)
from shelfwise.graph.links import _baskets, _collect
from shelfwise.records import Event, Product
from shelfwise.shop_data import ShopData
from shelfwise.simulate import DEMO_COMPLEMENTS, ShopperSimulation, simulate_shoppers


def _precision(graph: ProductGraph, products: list[Product], events: list[Event]) -> dict[str, float | int]:
    leaf = {p.product_id: " > ".join(p.category) for p in products}
    truth = {frozenset(pair) for pair in DEMO_COMPLEMENTS}
    out: dict[str, float | int] = {}
    for kind in ("bought_together", "also_viewed"):
        m = graph.links[kind].matrix.tocoo()
        up = m.row < m.col
        pairs = [
            (leaf[graph.products[int(a)]], leaf[graph.products[int(b)]])
            for a, b in zip(m.row[up], m.col[up], strict=True)
        ]
        cross = [p for p in pairs if p[0] != p[1]]
        out[f"{kind}_links"] = len(pairs)
        out[f"{kind}_same_leaf"] = len(pairs) - len(cross)
        out[f"{kind}_cross_leaf"] = len(cross)
        out[f"{kind}_cross_leaf_known_complement"] = sum(frozenset(p) in truth for p in cross)
    linked = np.flatnonzero(np.diff(graph.links["bought_together"].matrix.indptr))
    out["products_with_goes_with"] = sum(bool(goes_with(graph, [graph.products[int(p)]], 1)) for p in linked)
    units = _collect(events, graph.products)
    chance = set()  # every cross-leaf product pair bought in one basket at least once
    for purchases in units.purchases.values():
        for basket in _baskets(purchases, 30.0, 50):
            ids = sorted({graph.products[int(i)] for i in basket})
            chance.update((a, b) for n, a in enumerate(ids) for b in ids[n + 1 :] if leaf[a] != leaf[b])
    out["chance_cross_leaf_product_pairs"] = len(chance)
    out["chance_known_complement"] = sum(frozenset((leaf[a], leaf[b])) in truth for a, b in chance)
    return out


def _latency(service: GraphService, graph: ProductGraph, rng: random.Random, n: int) -> dict[str, float]:
    ids = [graph.products[i] for i in range(len(graph.products))]
    linked = [
        graph.products[int(i)] for i in np.flatnonzero(np.diff(graph.links["bought_together"].matrix.indptr))
    ]
    timings: dict[str, list[float]] = {"neighbourhood": [], "path": [], "path_linked": [], "goes_with": []}
    calls = {
        "neighbourhood": lambda a, b, x: service.neighbourhood(a, None, 20),
        "path": lambda a, b, x: service.paths(a, b, 3, 1),
        "path_linked": lambda a, b, x: service.paths(x, b, 3, 1),
        "goes_with": lambda a, b, x: service.goes_with([x], 10),
    }
    for _ in range(n):
        a, b, x = rng.choice(ids), rng.choice(ids), rng.choice(linked)
        for name, call in calls.items():
            started = time.perf_counter()
            call(a, b, x)
            timings[name].append((time.perf_counter() - started) * 1000)
    return {
        f"{k}_ms_{q}": round(float(np.percentile(v, p)), 3)
        for k, v in timings.items()
        for q, p in (("p50", 50), ("p95", 95))
    }


def demo_shop(shoppers: int, queries: int) -> dict[str, object]:
    products = generate_demo_catalog(6000, 7)
    history = simulate_shoppers(products, ShopperSimulation(n_shoppers=shoppers, seed=7))
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder))
        with ShopData.open(settings) as data:
            data.store.upsert(products)
            data.events.append(list(history.events))
            report = build_and_publish(data.store, data.events, settings.data_dir)
            tracemalloc.start()
            build_graph(products, history.events)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            service = GraphService(PublishedGraph(settings.data_dir), data.store)
            graph = service.graph()
            result: dict[str, object] = {
                "products": report.products,
                "entities": report.entities,
                "events": len(history.events),
                "build_seconds": report.seconds,
                "graph_mib": round(report.graph_bytes / 2**20, 2),
                "build_peak_traced_mib": round(peak / 2**20, 1),
                **_precision(graph, products, list(history.events)),
                **_latency(service, graph, random.Random(7), queries),
            }
    return result


def large_catalog(n: int, sessions: int) -> dict[str, object]:
    """A synthetic catalog of `n` products (20,000 brands, 1,000 leaf categories under 100
    departments, three attributes each) and `sessions` random visits of 2-8 views (a third
    with 2 purchases), built without the stores: time, graph size and the build's traced peak."""
    rng = np.random.default_rng(7)
    products = [
        Product.model_construct(
            product_id=f"P{i:08d}",
            title=f"Product {i}",
            brand=f"Brand {i % 20_000}",
            category=(f"Dept {i % 100}", f"Group {i % 300}", f"Leaf {i % 1000}"),
            attributes={"color": f"c{i % 40}", "size": f"s{i % 12}", "material": f"m{i % 30}"},
        )
        for i in range(n)
    ]
    start = datetime(2026, 1, 1, tzinfo=UTC)
    events = []
    for s in range(sessions):
        items = rng.integers(0, n, int(rng.integers(2, 9)))
        for j, item in enumerate(items):
            kind = "add_to_cart" if s % 3 == 0 and j < 2 else "view"
            events.append(
                Event.model_construct(
                    event_id=f"e{s}-{j}",
                    type=kind,
                    session_id=f"s{s}",
                    user_id=None,
                    product_id=f"P{int(item):08d}",
                    timestamp=start + timedelta(seconds=s * 10 + j),
                )
            )
    tracemalloc.start()
    started = time.perf_counter()
    graph = build_graph(products, events)
    seconds = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return {
        "products": n,
        "sessions": sessions,
        "events": len(events),
        "build_seconds": round(seconds, 1),
        "graph_mib": round(graph.nbytes / 2**20, 1),
        "entities": len(graph.entities.keys),
        "membership_edges": int(graph.entities.members.nnz),
        "build_peak_traced_mib": round(peak / 2**20, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--large", type=int, default=0, help="also build a synthetic catalog of this size")
    parser.add_argument("--large-sessions", type=int, default=200_000)
    args = parser.parse_args()
    out: dict[str, object] = {
        "machine": describe_machine(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    out["demo"] = demo_shop(args.shoppers, args.queries)
    if args.large:
        out["large"] = large_catalog(args.large, args.large_sessions)
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

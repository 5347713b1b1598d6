"""Complement (bought-together) link quality on the demo shop under several graph build settings,
from one simulated history: the share of cross-category links whose category pair is one the
simulator makes complements (`DEMO_COMPLEMENTS`), against the chance share over every
cross-category pair bought in one basket (benchmarks/graph_demo.py's measure).

    nice -n 10 python benchmarks/graph_complements.py --shoppers 20000 \
        --configs '{}' '{"basket_window": 1}' '{"basket_days": 3}'
"""

from __future__ import annotations

import argparse
import json
import time

from graph_demo import _precision  # this folder is on the path when run as a script

from shelfwise.demo import generate_demo_catalog
from shelfwise.graph import GraphBuildConfig, build_graph
from shelfwise.simulate import ShopperSimulation, simulate_shoppers


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--products", type=int, default=6000)
    parser.add_argument("--configs", nargs="+", default=["{}"], help="GraphBuildConfig fields as JSON")
    args = parser.parse_args()
    started = time.perf_counter()
    products = generate_demo_catalog(args.products, 7)
    events = list(simulate_shoppers(products, ShopperSimulation(n_shoppers=args.shoppers, seed=7)).events)
    print(f"{len(events)} events from {args.shoppers} shoppers in {time.perf_counter() - started:.0f} s")
    for text in args.configs:
        config = GraphBuildConfig.model_validate_json(text)
        found = _precision(build_graph(products, events, config), products, events)
        cross, right = (
            found["bought_together_cross_leaf"],
            found["bought_together_cross_leaf_known_complement"],
        )
        chance = found["chance_known_complement"] / max(found["chance_cross_leaf_product_pairs"], 1)
        row = {"config": json.loads(text), **found, "precision": round(right / max(cross, 1), 4),
               "chance": round(chance, 4)}  # fmt: skip
        print(json.dumps(row), flush=True)


if __name__ == "__main__":
    main()

"""Category intent on the demo shop: does search predict the category a query targets?

Queries are written from the demo vocabulary's product kinds: each kind's nouns alone
("wireless earbuds" kinds give "earbuds") and with one of its attribute values ("red dress"),
so the expected category is known. The queries are not product titles; they are what a shopper
types. Reports, per depth of the category tree (department, aisle, shelf), how often a category
is predicted (coverage) and how often the prediction is right (precision), and the share of all
queries with a right prediction (accuracy).

    .venv/bin/python benchmarks/category_intent.py --work-dir runs/intent
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from shelfwise.config import Settings
from shelfwise.demo.catalog import DEPARTMENTS, generate_demo_catalog
from shelfwise.records import CATEGORY_SEPARATOR, SearchRequest
from shelfwise.service import Shelfwise


def intent_queries(seed: int = 13) -> list[tuple[str, str]]:
    """(query, expected category path) for every kind of every department."""
    rng = random.Random(seed)
    out = []
    for department in DEPARTMENTS:
        for kind in department.kinds:
            path = CATEGORY_SEPARATOR.join((department.name, *kind.path))
            for noun in kind.nouns[:2]:
                out.append((noun, path))
            if kind.attrs:
                name, values = kind.attrs[0]
                out.append((f"{rng.choice(values)} {rng.choice(kind.nouns)}", path))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work-dir", type=Path, default=Path("runs/intent"))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    shop = Shelfwise(Settings(data_dir=args.work_dir))
    if shop.store.count() == 0:
        shop.upsert_products(generate_demo_catalog())
    shop.open_index()
    queries = intent_queries()
    depths = (1, 2, 3)
    predicted = dict.fromkeys(depths, 0)
    correct = dict.fromkeys(depths, 0)
    misses: list[str] = []
    for query, expected in queries:
        reading = shop.search(SearchRequest(query=query, page_size=1, facets=())).interpretation
        found = [] if reading is None else reading.categories
        guesses = {c.path.count(CATEGORY_SEPARATOR) + 1: c.path for c in found}
        parts = expected.split(CATEGORY_SEPARATOR)
        for depth in depths:
            if depth in guesses:
                predicted[depth] += 1
                if guesses[depth] == CATEGORY_SEPARATOR.join(parts[:depth]):
                    correct[depth] += 1
                elif len(misses) < 15:
                    misses.append(f"{query!r}: {guesses[depth]} (expected {expected})")
    report = {
        "queries": len(queries),
        "products": shop.store.count(),
        "encoder": shop.encoder.encoder.version,
        "by_depth": {
            str(d): {
                "coverage": round(predicted[d] / len(queries), 4),
                "precision": round(correct[d] / predicted[d], 4) if predicted[d] else None,
                "accuracy": round(correct[d] / len(queries), 4),
            }
            for d in depths
        },
        "sample_misses": misses,
    }
    shop.close()
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

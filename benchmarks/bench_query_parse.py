"""Latency of query attribute parsing against the demo catalog's vocabulary.

    python benchmarks/bench_query_parse.py --products 50000 --rounds 200

Builds the vocabulary from `generate_demo_catalog`, round-trips it through JSON, then times
`AttributeParser.parse` over a fixed list of queries and prints p50 / p95 / max in microseconds.
"""

from __future__ import annotations

import argparse
import statistics
import time

from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.query import AttributeParser, CatalogVocabulary

QUERIES = (
    "red dress under $50",
    "cheap monitor",
    "grey hoodie size M",
    "navy blue linen shirt",
    "Voltrix 55 inch tv without remote",
    "not red gloves",
    "bpa free water bottle",
    "non-stick frying pan",
    "stainless steel pan no lid",
    "30 in. vanity",
    "2x4 lumber 10 ft",
    "60 watt bulb 2 pack",
    "Kelvra 27 inch monitor $200-$300",
    "between 20 and 30 dollars black leather wallet",
    "queen size cotton sheets",
    "wireless noise cancelling headphones over 100",
    "100元以下 连衣裙",
    "organic ground coffee medium roast",
    "expensive rose gold watch",
    "kids puzzle 500 pieces",
)


def _percentile(ordered: list[float], q: float) -> float:
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()

    start = time.perf_counter()
    products = generate_demo_catalog(args.products)
    generated = time.perf_counter()
    vocabulary = CatalogVocabulary.from_products(products)
    built = time.perf_counter()
    text = vocabulary.to_json()
    attribute_parser = AttributeParser(CatalogVocabulary.from_json(text))
    compiled = time.perf_counter()
    print(f"catalog: {len(products)} products generated in {generated - start:.2f} s")
    print(
        f"vocabulary: built in {built - generated:.2f} s, {len(text) / 1024:.0f} KiB JSON, "
        f"loaded and compiled in {(compiled - built) * 1000:.0f} ms"
    )

    timings: list[float] = []
    for _ in range(args.rounds):
        for query in QUERIES:
            t0 = time.perf_counter()
            attribute_parser.parse(query)
            timings.append((time.perf_counter() - t0) * 1e6)
    timings.sort()
    print(
        f"parse: {len(timings)} calls over {len(QUERIES)} queries: "
        f"p50 {statistics.median(timings):.1f} us, p95 {_percentile(timings, 0.95):.1f} us, "
        f"max {timings[-1]:.1f} us"
    )


if __name__ == "__main__":
    main()

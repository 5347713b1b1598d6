"""Spelling correction on real Home Depot queries: how many change, how fast, and a sample to judge.

    .venv/bin/python benchmarks/bench_spelling.py [--data /work/shared/data/homedepot] [--sample 40]

Builds the vocabulary from the product titles, corrects every unique query of dev_judgments.tsv
once (timed one by one), and prints the share of queries changed, latency p50/p95 in microseconds and
a random sample of changes (original -> corrected) for a human to judge precision.
"""

from __future__ import annotations

import argparse
import csv
import random
import statistics
import time
from collections import Counter
from pathlib import Path

from shelfwise.query.spelling import SpellingConfig, SpellingCorrector, SpellingVocabulary
from shelfwise.records import Product

DEFAULT_DATA = Path("/work/shared/data/homedepot")


def read_column(path: Path, column: str) -> list[tuple[str, str]]:
    """(first column, named column) pairs of a TSV with a header row."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        first = rows.fieldnames[0] if rows.fieldnames else ""
        return [(row[first], row[column]) for row in rows]


def hd_products(data: Path) -> list[Product]:
    return [
        Product(product_id=pid, title=title) for pid, title in read_column(data / "products.tsv", "title")
    ]


def hd_queries(data: Path) -> list[str]:
    return sorted({query for _, query in read_column(data / "dev_judgments.tsv", "query")})


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--sample", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--all", action="store_true", help="print every change, not a sample")
    args = parser.parse_args()

    started = time.perf_counter()
    vocabulary = SpellingVocabulary.from_products(hd_products(args.data))
    corrector = SpellingCorrector(vocabulary, SpellingConfig())
    print(f"vocabulary: {len(vocabulary.words)} words, {len(vocabulary.bigrams)} bigrams, "
          f"built with the corrector in {time.perf_counter() - started:.1f} s")  # fmt: skip

    queries = hd_queries(args.data)
    latencies, changes = [], []
    kinds: Counter[str] = Counter()
    for query in queries:
        tick = time.perf_counter()
        result = corrector.correct(query)
        latencies.append((time.perf_counter() - tick) * 1e6)
        if result.changed:
            changes.append((query, result.corrected))
            kinds.update(correction.kind for correction in result.corrections)
    share = len(changes) / len(queries)
    print(f"queries: {len(queries)} unique, changed: {len(changes)} ({share:.1%}); by kind: {dict(kinds)}")
    p50, p95 = percentile(latencies, 0.5), percentile(latencies, 0.95)
    print(f"latency per query: p50 {p50:.0f} us, p95 {p95:.0f} us, mean {statistics.fmean(latencies):.0f} us")
    shown = changes if args.all else random.Random(args.seed).sample(changes, min(args.sample, len(changes)))
    print(f"\n{len(shown)} changes (original -> corrected):")
    for original, corrected in shown:
        print(f"  {original!r} -> {corrected!r}")


if __name__ == "__main__":
    main()

"""Autocomplete latency and quality on the Home Depot catalog.

    .venv/bin/python benchmarks/bench_suggest.py \
        --products ../shared/data/homedepot/products.tsv \
        --judgments ../shared/data/homedepot/dev_judgments.tsv [--json runs/suggest_bench.json]

Popular queries are the judged queries whose numeric query_id is not a multiple of 5, each counted
by its judged rows; the others are held out and only ever typed. Held-out texts that are also a
popular query (ignoring case, accents and plurals) are left out of the sample. For a seeded sample
of held-out queries, every prefix (1 character to the whole query) is timed, as typed and with one
injected typo (substitution, omission, insertion or transposition inside a word of 4+ characters).

Quality: type the first half of a held-out query's characters; a suggestion is a prefix-consistent
completion when its words start with the query's first k words, k being the number of words typed
(the last one completed). Reported: hit@10 of such a completion, MRR of the first one in the top
10, and hit@10 of the whole query; with a typo, the typo lies in the typed half.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import random
import string
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from shelfwise.query.suggest import Suggester, Suggestion
from shelfwise.query.suggest.text import dedup_key, words
from shelfwise.records import Product

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "homedepot"
BUCKETS = ((1, 3), (4, 10), (11, 20), (21, 200))


@dataclass(frozen=True)
class Quality:
    queries: int
    completion_hit_at_10: float
    completion_mrr: float
    full_query_hit_at_10: float


def read_products(path: Path) -> list[Product]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [Product(product_id=row["product_id"], title=row["title"]) for row in rows]


def read_queries(path: Path) -> tuple[Counter[str], list[str], int]:
    """(popular query -> judged rows, held-out query texts, held-out texts dropped as also popular)."""
    popular: Counter[str] = Counter()
    held: dict[str, None] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            number = int("".join(ch for ch in row["query_id"] if ch.isdigit()))
            if number % 5 == 0:
                held[row["query"]] = None
            else:
                popular[row["query"]] += 1
    known = {dedup_key(words(text)) for text in popular}
    kept = [text for text in held if words(text) and dedup_key(words(text)) not in known]
    return popular, kept, len(held) - len(kept)


def add_typo(text: str, rng: random.Random, before: int | None = None) -> str:
    """One edit inside a word of 4+ letters (not its first letter), before character `before`."""
    spans = [(start, start + len(word)) for start, word in _word_spans(text) if len(word) >= 4]
    spans = [(a, b) for a, b in spans if before is None or a + 1 < before]
    if not spans:
        return text
    start, end = rng.choice(spans)
    last = end if before is None else min(end, before)
    at = rng.randrange(start + 1, last)
    kind = rng.choice(("substitute", "omit", "insert", "transpose"))
    letter = rng.choice(string.ascii_lowercase)
    if kind == "substitute":
        return text[:at] + letter + text[at + 1 :]
    if kind == "omit":
        return text[:at] + text[at + 1 :]
    if kind == "insert":
        return text[:at] + letter + text[at:]
    if at + 1 < end:
        return text[:at] + text[at + 1] + text[at] + text[at + 2 :]
    return text[: at - 1] + text[at] + text[at - 1] + text[at + 1 :]


def _word_spans(text: str) -> list[tuple[int, str]]:
    out, start = [], None
    for index, ch in enumerate(text + " "):
        if ch.isalpha() and start is None:
            start = index
        elif not ch.isalpha() and start is not None:
            out.append((start, text[start:index]))
            start = None
    return out


def time_prefixes(suggest: Callable[[str], list[Suggestion]], texts: Sequence[str]) -> dict[str, object]:
    """Wall-clock ms per call (and CPU ms of this thread, unaffected by other processes' load)."""
    sizes, wall, cpu = [], [], []
    for text in texts:
        for size in range(1, len(text) + 1):
            started, started_cpu = time.perf_counter(), time.thread_time()
            suggest(text[:size])
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            sizes.append(size)
    ms, cpu_ms, lengths = np.array(wall), np.array(cpu), np.array(sizes)
    report: dict[str, object] = {"calls": len(ms), **_percentiles(ms), "cpu": _percentiles(cpu_ms)}
    for lo, hi in BUCKETS:
        chosen = (lengths >= lo) & (lengths <= hi)
        if chosen.any():
            report[f"chars_{lo}_{hi}"] = {"calls": int(chosen.sum()), **_percentiles(ms[chosen])}
    return report


def _percentiles(ms: np.ndarray) -> dict[str, float]:
    p50, p95, p99 = np.percentile(ms, [50, 95, 99])
    return {
        "p50_ms": round(p50, 3),
        "p95_ms": round(p95, 3),
        "p99_ms": round(p99, 3),
        "max_ms": round(float(ms.max()), 3),
        "mean_ms": round(float(ms.mean()), 3),
    }


def quality(suggester: Suggester, texts: Sequence[str], rng: random.Random | None) -> Quality:
    hits = full = 0
    reciprocal = 0.0
    for text in texts:
        half = math.ceil(len(text) / 2)
        typed = text[:half] if rng is None else add_typo(text, rng, before=half)[:half]
        intended = words(text)
        wanted = intended[: len(words(text[:half]))]
        got = [words(item.text) for item in suggester.suggest(typed, 10)]
        rank = next((r for r, found in enumerate(got, 1) if found[: len(wanted)] == wanted), 0)
        hits += rank > 0
        reciprocal += 1 / rank if rank else 0.0
        full += any(dedup_key(found) == dedup_key(intended) for found in got)
    size = max(len(texts), 1)
    return Quality(len(texts), round(hits / size, 4), round(reciprocal / size, 4), round(full / size, 4))


def main(argv: Sequence[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=Path, default=DATA / "products.tsv")
    parser.add_argument("--judgments", type=Path, default=DATA / "dev_judgments.tsv")
    parser.add_argument("--sample", type=int, default=500)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    products = read_products(args.products)
    popular, held, dropped = read_queries(args.judgments)
    sample = random.Random(args.seed).sample(held, min(args.sample, len(held)))
    started, started_cpu = time.perf_counter(), time.process_time()
    suggester = Suggester.build(products, popular.items())
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - started_cpu
    report: dict[str, object] = {
        "products": len(products),
        "popular_queries": len(popular),
        "held_out_queries": len(held),
        "held_out_dropped_as_popular": dropped,
        "sample": len(sample),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "index": suggester.stats().model_dump(),
    }
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        suggester.save(Path(tmp) / "suggest")
        report["save_s"] = round(time.perf_counter() - started, 2)
        report["disk_mb"] = round(sum(p.stat().st_size for p in (Path(tmp) / "suggest").iterdir()) / 2**20, 1)
        started = time.perf_counter()
        suggester = Suggester.load(Path(tmp) / "suggest")
        report["load_s"] = round(time.perf_counter() - started, 2)
    typo_rng = random.Random(args.seed + 1)
    with_typos = [add_typo(text, typo_rng) for text in sample]
    report["latency_as_typed"] = time_prefixes(suggester.suggest, sample)
    report["latency_one_typo"] = time_prefixes(suggester.suggest, with_typos)
    report["quality_as_typed"] = asdict(quality(suggester, sample, None))
    report["quality_one_typo"] = asdict(quality(suggester, sample, random.Random(args.seed + 2)))
    report["examples"] = {
        text: [item.text for item in suggester.suggest(text, 5)]
        for text in ("", "s", "stainless st", "stainles stel", "refridg", "french door r", "3/8 c", "无线")
    }
    json.dump(report, sys.stdout, indent=2, ensure_ascii=False)
    print()
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return report


if __name__ == "__main__":
    main()

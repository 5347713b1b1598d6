"""Aspect mining, aspect sentiment and review summaries on the Amazon Gift Cards reviews.

Reads ../shared/data/amazon-giftcards/reviews.jsonl and meta.jsonl by path (never copied), takes
each review's text (`reviewText`; the auto-generated `summary` line is not read) with its
product's category path from the metadata, mines aspects at category depth 1 (the data has one
category, "Gift Cards", so no lift), accepts every mined candidate (what a reviewer would start
from), finds every aspect mention with the lexicon fallback's clause sentiment, and prints:

- the mined aspects (reviews mentioning each, with an opinion beside it);
- a seeded sample of mentions, written as TSV to --sample for checking by hand (is the aspect
  really what the clause talks about; is the clause's label right);
- the summaries of the `--products` most reviewed products.

    PYTHONPATH=. .venv/bin/python benchmarks/aspects_giftcards.py --sample /tmp/giftcard_mentions.tsv
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import time
from collections import Counter
from pathlib import Path

from shelfwise.aspects.mentions import find_mentions
from shelfwise.aspects.mining import AspectMiningConfig, mine_aspects
from shelfwise.aspects.records import AspectReview
from shelfwise.aspects.review import accepted_aspects
from shelfwise.aspects.sentiment import LexiconSentiment
from shelfwise.aspects.summary import summarize_product

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "amazon-giftcards"


def load(data: Path) -> list[AspectReview]:
    categories = {}
    with (data / "meta.jsonl").open(encoding="utf-8") as handle:
        for line in handle:
            item = json.loads(line)
            categories[item["asin"]] = item.get("category") or []
    reviews = []
    with (data / "reviews.jsonl").open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            row = json.loads(line)
            reviews.append(
                AspectReview(
                    review_id=f"gc-{number:05d}",
                    product_id=row["asin"],
                    category=categories.get(row["asin"]) or ["Gift Cards"],
                    text=row.get("reviewText") or "",
                    rating=int(row["overall"]),
                )
            )
    return reviews


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--sample", type=Path, help="TSV of sampled mentions to check by hand")
    parser.add_argument("--sample-size", type=int, default=50)
    parser.add_argument("--products", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20261207)
    args = parser.parse_args()

    reviews = load(args.data)
    started = time.perf_counter()
    candidates = mine_aspects(reviews, "en", config=AspectMiningConfig(category_depth=1))
    mined = time.perf_counter() - started
    print(f"{len(reviews)} reviews, {len(candidates)} aspects mined in {mined:.1f} s")
    for c in candidates:
        e = c.evidence
        print(
            f"  {c.name:14} {e.reviews:4} reviews, {e.opinion_reviews:4} with an opinion; "
            f"forms {', '.join(c.terms[:5])}"
        )
    aspects = accepted_aspects(c.model_copy(update={"status": "accepted"}) for c in candidates)
    sentiment = LexiconSentiment()
    mentions = find_mentions(reviews, aspects, sentiment)
    print(f"{len(mentions)} mentions in {len({m.review_id for m in mentions})} reviews; labels "
          f"{dict(sorted(Counter(m.label for m in mentions).items()))}")  # fmt: skip
    sample = random.Random(args.seed).sample(mentions, min(args.sample_size, len(mentions)))
    if args.sample:
        with args.sample.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter="\t")
            writer.writerow(["n", "review_id", "aspect", "term", "label", "clause"])
            for n, m in enumerate(sample, start=1):
                writer.writerow([n, m.review_id, m.aspect, m.term, m.label, m.clause])
        print(f"{len(sample)} sampled mentions in {args.sample}")
    by_product: dict[str, list[AspectReview]] = {}
    for review in reviews:
        by_product.setdefault(review.product_id, []).append(review)
    for product, items in sorted(by_product.items(), key=lambda kv: (-len(kv[1]), kv[0]))[: args.products]:
        summary = summarize_product(items, aspects, sentiment)
        print(
            f"{product}: {summary.reviews} reviews, average {summary.average_rating}: "
            f"{summary.text or '(nothing said often enough)'}"
        )
        for s in summary.statements:
            more = " ..." if len(s.review_ids) > 8 else ""
            print(
                f"    {s.kind:9} {s.aspect}: +{s.positive} -{s.negative}; "
                f"reviews {' '.join(s.review_ids[:8])}{more}"
            )


if __name__ == "__main__":
    main()

"""Review sentiment: macro-F1 (and accuracy) of the shop's own sentiment models on a held-out
split BY PRODUCT of the Amazon Gift Cards reviews, beside the majority class and VADER, and on
the Chinese review set shipped in shelfwise/sentiment/data/reviews_zh.tsv.

For each seed:
- Gift Cards: the products are shuffled with the seed and a quarter held out as the test split;
  each model is trained (`fit_sentiment`, which holds out a further 20% of the training products
  for early stopping) on the rest, exported int8 and loaded as served (`SentimentModel`); the
  test reviews are scored by the int8 graph. Texts are `reviewText` only (never `summary`:
  "Five Stars" names the rating); the 6 reviews with an empty text are left out.
- Majority class: the training split's most common label for every test review.
- VADER (vaderSentiment 3.3.2): compound >= 0.05 positive, <= -0.05 negative, else neutral (the
  thresholds its authors recommend).
- Chinese, (a) English only: the Gift Cards models above score the whole Chinese set and its
  held-out products; (b) with Chinese: 40% of the Chinese set's products held out (by the seed),
  E5 trained on the Gift Cards training split plus the other Chinese products, scored on the
  held-out Chinese products.

Backbone vectors are computed once per text (memoised across seeds); the heads, exports and
scoring run per seed.

    nice -n 10 .venv/bin/python benchmarks/sentiment_giftcards.py --seeds 1,2,3,4,5 --out sentiment.json

`--write-tsv DIR` writes the reviews as TSV files for the CLI instead (reviews.tsv, texts.tsv).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from shelfwise.sentiment import ReviewExample, SentimentModel, chinese_review_set, read_training_reviews
from shelfwise.sentiment.backbones import Backbone, E5Backbone, MiniLMBackbone
from shelfwise.sentiment.metrics import accuracy, macro_f1
from shelfwise.sentiment.records import LABELS, label_index
from shelfwise.sentiment.split import split_by_product
from shelfwise.sentiment.train import SentimentTrainingConfig, fit_sentiment

ROOT = Path(__file__).resolve().parent.parent
GIFT_CARDS = ROOT.parent / "shared" / "data" / "amazon-giftcards" / "reviews.jsonl"
CHINESE = chinese_review_set()


def gift_card_reviews(path: Path) -> list[ReviewExample]:
    """The review bodies with their ratings and products; the summary field is never read."""
    examples = []
    for line_number, line in enumerate(path.open(encoding="utf-8"), start=1):
        row = json.loads(line)
        text = (row.get("reviewText") or "").strip()
        if text:
            examples.append(ReviewExample(f"gc-{line_number}", text, int(row["overall"]), row["asin"], "en"))
    return examples


def write_tsv(examples: Sequence[ReviewExample], folder: Path) -> None:
    """reviews.tsv (review_id, product_id, text, rating) to train on and texts.tsv (review_id,
    text) to score, for `shelfwise train sentiment` / `bench sentiment`; the texts' tabs and line
    breaks become spaces."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = [(e.review_id, e.product_id or "", " ".join(e.text.split()), str(e.rating)) for e in examples]
    with (folder / "reviews.tsv").open("w", encoding="utf-8") as handle:
        handle.write("review_id\tproduct_id\ttext\trating\n")
        handle.writelines("\t".join(row) + "\n" for row in rows)
    with (folder / "texts.tsv").open("w", encoding="utf-8") as handle:
        handle.write("review_id\ttext\n")
        handle.writelines(f"{row[0]}\t{row[2]}\n" for row in rows)


def scores(truth: Sequence[ReviewExample], labels: Sequence[str]) -> dict[str, float]:
    gold = [label_index(e.rating) for e in truth]
    predicted = [LABELS.index(label) for label in labels]  # type: ignore[arg-type]
    return {"macro_f1": macro_f1(gold, predicted, 3), "accuracy": accuracy(gold, predicted)}


def vader_labels(texts: Sequence[str]) -> list[str]:
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    analyzer = SentimentIntensityAnalyzer()
    out = []
    for text in texts:
        compound = analyzer.polarity_scores(text)["compound"]
        out.append("positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral")
    return out


def trained(examples: list[ReviewExample], backbone: Backbone, seed: int, folder: Path) -> SentimentModel:
    config = SentimentTrainingConfig(backbones=backbone.name, seed=seed)
    fit_sentiment(examples, folder, config, log=lambda _: None, backbones={backbone.name: backbone})
    return SentimentModel.load(folder)


def labels_of(model: SentimentModel, examples: Sequence[ReviewExample]) -> list[str]:
    return [p.label for p in model.predict([e.text for e in examples], [e.language for e in examples])]


def one_seed(seed: int, gc: list[ReviewExample], zh: list[ReviewExample], backbones: list[Backbone],
             work: Path) -> dict[str, dict[str, float]]:  # fmt: skip
    gc_train, gc_test = split_by_product(gc, 0.25, seed)
    zh_train, zh_test = split_by_product(zh, 0.4, seed)
    majority = max(LABELS, key=lambda label: sum(LABELS[label_index(e.rating)] == label for e in gc_train))
    row = {
        "gc/majority": scores(gc_test, [majority] * len(gc_test)),
        "gc/vader": scores(gc_test, vader_labels([e.text for e in gc_test])),
        "zh-test/majority(gc)": scores(zh_test, [majority] * len(zh_test)),
        "zh-test/vader": scores(zh_test, vader_labels([e.text for e in zh_test])),
    }
    for backbone in backbones:
        started = time.perf_counter()
        model = trained(gc_train, backbone, seed, work / f"{seed}-{backbone.name}")
        row[f"gc/{backbone.name}"] = scores(gc_test, labels_of(model, gc_test))
        row[f"zh-all/{backbone.name} en-only"] = scores(zh, labels_of(model, zh))
        row[f"zh-test/{backbone.name} en-only"] = scores(zh_test, labels_of(model, zh_test))
        row[f"seconds/{backbone.name}"] = {"train_export": time.perf_counter() - started}
        if backbone.name == "e5":
            mixed = trained(gc_train + zh_train, backbone, seed, work / f"{seed}-e5-zh")
            row["zh-test/e5 en+zh"] = scores(zh_test, labels_of(mixed, zh_test))
            row["gc/e5 en+zh"] = scores(gc_test, labels_of(mixed, gc_test))
    row["sizes"] = {
        "gc_test": len(gc_test),
        "gc_test_products": len({e.product_id for e in gc_test}),
        "gc_test_not_positive": sum(e.rating <= 3 for e in gc_test),
        "zh_test": len(zh_test),
    }
    return row


def summary(rows: list[dict[str, dict[str, float]]]) -> dict[str, dict[str, str]]:
    out = {}
    for key in rows[0]:
        if key.startswith(("sizes", "seconds")):
            continue
        cells = {}
        for metric in rows[0][key]:
            values = [row[key][metric] for row in rows]
            spread = statistics.stdev(values) if len(values) > 1 else 0.0
            cells[metric] = (
                f"{statistics.mean(values):.3f} ± {spread:.3f} (min {min(values):.3f}, max {max(values):.3f})"
            )
        out[key] = cells
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", default="1,2,3,4,5")
    parser.add_argument("--reviews", type=Path, default=GIFT_CARDS)
    parser.add_argument("--chinese", type=Path, default=CHINESE)
    parser.add_argument("--backbones", default="minilm,e5")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--write-tsv", type=Path, default=None, help="only write the review TSVs there")
    args = parser.parse_args()
    gc, zh = gift_card_reviews(args.reviews), read_training_reviews(args.chinese)
    if args.write_tsv:
        write_tsv(gc, args.write_tsv)
        return
    names = args.backbones.split(",")
    backbones: list[Backbone] = [MiniLMBackbone() if n == "minilm" else E5Backbone() for n in names]
    started, load = time.perf_counter(), os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for seed in (int(s) for s in args.seeds.split(",")):
            rows.append(one_seed(seed, gc, zh, backbones, Path(work)))
            print(json.dumps({"seed": seed, **rows[-1]}), flush=True)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_before": load,
        "load_after": os.getloadavg(),
        "seconds": round(time.perf_counter() - started, 1),
        "summary": summary(rows),
        "runs": rows,
    }
    print(json.dumps(result["summary"], indent=2, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

"""The CTR/CVR ranker on Amazon Gift Cards: reviews as clicks, shown-but-not-reviewed as negatives.

Each review is a positive impression (reviewer, item, review time). With it, `--negatives`
items the reviewer never reviewed are "shown" in the same request, drawn from the reviewed items
in proportion to 1 + their reviews before that day (a popular item is shown more often, by the
popularity known at the time); positions are a random order of the request's items. Only the
click task is trained (the ranker's `ctcvr_weight` is 0: there are no conversions here).
Requests are split by time: the latest `--test` share is the test part, the share before it
stops training. The popularity baseline scores an item by its number of reviews before the
test part. Item texts are embedded with the bundled MiniLM (or the hashing encoder), so new
items are ranked from text, brand, category and price.

After training, the serving stage is timed on one thread: 100 random candidates for a known
reviewer, `--repeats` times (p50 and p95 in ms).

    .venv/bin/python benchmarks/rank_giftcards.py ../shared/data/amazon-giftcards \
        --data-dir runs/rank-giftcards
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from giftcards_to_tsv import clean, item_row  # noqa: E402

from shelfwise.evaluate.calibration import log_loss, roc_auc  # noqa: E402
from shelfwise.impressions.records import LabeledImpression  # noqa: E402
from shelfwise.rank import Impressions, ModelConfig, RankContext, RankingStage, split_impressions
from shelfwise.rank.train import CtrCvrRankerConfig, TrainingConfig, train_ranker
from shelfwise.records import Product  # noqa: E402

PRICE = re.compile(r"\$\s*([0-9][0-9,]*(?:\.[0-9]+)?)")


def read_products(source: Path) -> list[Product]:
    """One Product per meta.jsonl record: title, brand, the first two category levels, the first
    price of the price field (ranges keep their low end), description."""
    products = []
    for line in (source / "meta.jsonl").read_text().splitlines():
        meta = json.loads(line)
        row = item_row(meta)
        if row is None:
            continue
        asin, text, brand, path = row[0], row[1], row[2], row[3]
        match = PRICE.search(meta.get("price") or "")
        title = clean(meta.get("title") or "") or text[:200]
        products.append(
            Product(
                product_id=asin,
                title=title[:1000],
                brand=brand,
                category=tuple(path.split(" > ")[:2]) if path else (),
                price=float(match.group(1).replace(",", "")) if match else None,
                description=" ".join(clean(d) for d in meta.get("description") or [])[:500],
            )
        )
    return products


def read_reviews(source: Path) -> list[tuple[int, str, str]]:
    """(time, reviewer, item), each pair once (its first review), in time order."""
    first: dict[tuple[str, str], int] = {}
    for line in (source / "reviews.jsonl").read_text().splitlines():
        review = json.loads(line)
        key = (review["reviewerID"], review["asin"])
        first[key] = min(first.get(key, 1 << 62), int(review["unixReviewTime"]))
    return sorted((t, user, item) for (user, item), t in first.items())


def impressions(reviews: list[tuple[int, str, str]], negatives: int, seed: int) -> list[LabeledImpression]:
    """One request per review: the reviewed item and `negatives` items the reviewer never
    reviewed, drawn from the reviewed items in proportion to 1 + their reviews before that day
    (popularity as the shop knew it then: no later reviews decide what was shown), in a random
    order."""
    rng = np.random.default_rng(seed)
    items = sorted({item for _, _, item in reviews})
    column = {item: j for j, item in enumerate(items)}
    reviewed: dict[str, set[str]] = defaultdict(set)
    for _, user, item in reviews:
        reviewed[user].add(item)
    counts = np.zeros(len(items))
    pending: list[str] = []  # reviews of the current day, counted from the next day on
    out: list[LabeledImpression] = []
    day: int | None = None
    for n, (t, user, item) in enumerate(reviews):
        if t != day:
            for done in pending:
                counts[column[done]] += 1
            pending, day = [], t
        pending.append(item)
        allowed = np.array([i not in reviewed[user] for i in items])
        p = (1 + counts) * allowed
        chosen = rng.choice(len(items), size=min(negatives, int(allowed.sum())), replace=False, p=p / p.sum())
        shown = [item, *(items[j] for j in chosen)]
        order = rng.permutation(len(shown))
        at = datetime.fromtimestamp(t, UTC)
        out.extend(
            LabeledImpression(
                request_id=f"review-{n}",
                surface="recommend",
                timestamp=at,
                product_id=product,
                position=int(order[k]),
                user_id=user,
                clicked=k == 0,
            )
            for k, product in enumerate(shown)
        )
    return out


def encode(products: list[Product], which: str, threads: int) -> tuple[np.ndarray, object]:
    from shelfwise.models import HashingEncoder, SentenceTransformerEncoder

    encoder = (
        HashingEncoder() if which == "hashing" else SentenceTransformerEncoder(batch_size=64, threads=threads)
    )
    started = time.perf_counter()
    vectors = encoder.encode([p.text() for p in products])
    seconds = time.perf_counter() - started
    print(f"encoded {len(products)} item texts with {encoder.version} in {seconds:.0f} s")
    return vectors, encoder


def popularity_baseline(data: Impressions, test: np.ndarray, earlier: np.ndarray) -> dict:
    """AUC of scoring each test row by its item's reviews in the earlier (train and validation)
    requests; and the log loss of predicting the test rows' base rate."""
    counts = Counter(data.product_ids[earlier][data.clicked[earlier]].tolist())
    labels = data.click_labels[test]
    scores = np.array([counts[p] for p in data.product_ids[test].tolist()], dtype=np.float64)
    rate = np.full(labels.size, labels.mean())
    return {"auc": _round(roc_auc(labels, scores)), "log_loss_base_rate": _round(log_loss(labels, rate))}


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def latency(stage: RankingStage, products: list[Product], user: str, repeats: int, seed: int) -> dict:
    import torch

    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    ids = [p.product_id for p in products]
    context = RankContext(actor=f"user:{user}", surface="recommend", at=datetime.now(UTC))
    timings = []
    for r in range(repeats + 20):
        candidates = [ids[j] for j in rng.choice(len(ids), 100, replace=False)]
        relevance = rng.random(100)
        started = time.perf_counter()
        stage.rank(candidates, context, relevance=relevance)
        if r >= 20:  # warm-up
            timings.append((time.perf_counter() - started) * 1000)
    return {
        "candidates": 100,
        "repeats": repeats,
        "p50_ms": round(float(np.percentile(timings, 50)), 3),
        "p95_ms": round(float(np.percentile(timings, 95)), 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path)
    parser.add_argument("--data-dir", type=Path, default=Path("runs/rank-giftcards"))
    parser.add_argument("--negatives", type=int, default=4)
    parser.add_argument("--test", type=float, default=0.2)
    parser.add_argument("--encoder", choices=("minilm", "hashing"), default="minilm")
    parser.add_argument("--architecture", choices=("esmm", "mmoe"), default="esmm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1, help="torch threads for encoding and training")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args()

    started = time.perf_counter()
    products = read_products(args.source)
    reviews = read_reviews(args.source)
    rows = impressions(reviews, args.negatives, args.seed)
    print(f"{len(products)} items, {len(reviews)} reviews -> {len(rows)} impressions")
    vectors, encoder = encode(products, args.encoder, args.threads)
    config = CtrCvrRankerConfig(
        model=ModelConfig(architecture=args.architecture, ctcvr_weight=0.0),
        training=TrainingConfig(
            test_fraction=args.test, validation_fraction=0.1, seed=args.seed, threads=args.threads
        ),
    )
    artifact = train_ranker(args.data_dir, rows, products, vectors, config, encoder=None)
    report = artifact.report
    data = Impressions.from_records(rows)
    split = split_impressions(data, "time", 0.1, args.test, args.seed)  # the split training made
    stage = RankingStage.load(Path(artifact.path), products, vectors)
    earlier = np.concatenate([split.train, split.validation])
    figures = {
        "impressions": len(rows),
        "rows": report.rows,
        "epochs": report.epochs,
        "best_epoch": report.best_epoch,
        "train_seconds": report.seconds,
        "test_auc": report.tasks["ctr"].auc,
        "test_log_loss": report.tasks["ctr"].log_loss,
        "test_ece": report.tasks["ctr"].ece,
        "popularity_baseline": popularity_baseline(data, split.test, earlier),
        "position_baseline_auc": report.tasks["ctr"].position_baseline_auc,
        "feature_importance": {k: v.get("ctr") for k, v in report.feature_importance.items()},
        "serving": latency(stage, products, reviews[-1][1], args.repeats, args.seed),
        "encoder": getattr(encoder, "version", "?"),
        "seconds": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.out is not None:
        body = {"figures": figures, "report": report.model_dump(mode="json")}
        args.out.write_text(json.dumps(body, indent=2))


if __name__ == "__main__":
    main()

"""The search half of `review_features_giftcards.py`: does the rating term of fusion help search?

Gift Cards' categories are all "Gift Cards > Gift Cards", so queries come from brands, as product
search benchmarks built from purchases do (Ai et al., SIGIR 2017, took the purchased item's
category words): "<brand> gift card" for every brand bought (reviewed) after the time cut; its
relevant products are that brand's items bought after the cut, graded 2 (one buyer) or 3 (more),
the brand's other items 1 (not bought: gain 0). Review features come from the reviews before
the cut only (`aspects.features.review_features`: Bayesian average with the shop's mean as prior,
5 reviews' weight; sentiment-weighted by the lexicon), and reach the real engine the way served
review summaries do (`SearchEngine.reviews`), with `fusion.reviews.rating_weight` set per run.
NDCG@10 (gain = grade - 1) over the 1,547-item catalog; the paired per-query difference to the
weight-0 run and its standard error tell noise from a gain. Most brands have one item (found
whatever the weight); `several_items` repeats the figures over the queries whose brand has two
or more, where the order among them is what a rating could improve.
"""

from __future__ import annotations

import json
import math
import os
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
from giftcards_to_tsv import clean
from review_features_giftcards import read_meta, read_reviews, text_stars_of

from shelfwise.aspects.features import ReviewFeatureSet, review_features
from shelfwise.aspects.records import AspectReview
from shelfwise.config import EncoderConfig, Settings
from shelfwise.config.search import ReviewSearchConfig
from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.records import Product, SearchRequest
from shelfwise.service import Shelfwise

CUTS = (0.6, 0.7, 0.8)
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 1.0)
RATINGS = ("bayes", "sentiment")


class _Published:
    """Review features as the engine reads served ones (no summaries: nothing is praised)."""

    def __init__(self, features: ReviewFeatureSet) -> None:
        self.features = features

    def praised(self, product_id: str, aspect: str) -> int:
        return 0


def products_of(meta: dict[str, dict]) -> list[Product]:
    out = []
    for asin, m in sorted(meta.items()):
        title = clean(m.get("title") or "")
        if not title:
            continue
        description = clean(" ".join(m.get("description") or []))[:500]
        out.append(Product(product_id=asin, title=title, brand=clean(m.get("brand") or ""),
                           category=["Gift Cards"], description=description))  # fmt: skip
    return out


def open_shop(products: list[Product], work: Path, encoder: str) -> Shelfwise:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            del os.environ[name]
    settings = Settings(data_dir=work / f"search-{encoder}", encoder=EncoderConfig(name=encoder))
    shop = Shelfwise(settings)
    if shop.store.count() != len(products):
        shop.upsert_products(products)
    shop.open_index()
    return shop


def judged_queries(reviews: list, cut: int, meta: dict[str, dict]) -> dict[str, dict[str, int]]:
    """query -> product -> grade (1-3) for the brands bought at or after `cut`."""
    bought = Counter(r.item for r in reviews if r.time >= cut)
    by_brand: dict[str, list[str]] = defaultdict(list)
    for asin, m in meta.items():
        brand = clean(m.get("brand") or "")
        if brand:
            by_brand[brand].append(asin)
    out = {}
    for brand, items in sorted(by_brand.items()):
        if any(bought[i] for i in items):
            out[f"{brand} gift card"] = {i: 1 + min(2, bought[i]) for i in items}
    return out


def run_search(source: Path, work: Path, encoder: str) -> dict:
    reviews, meta = read_reviews(source), read_meta(source)
    stars = text_stars_of(reviews)
    shop = open_shop(products_of(meta), work, "hashing" if encoder == "hashing" else "minilm")
    times = np.sort([r.time for r in reviews])
    report: dict = {"encoder": shop.encoder.encoder.version, "cuts": {}}
    try:
        for share in CUTS:
            cut = int(times[int(len(times) * share)])
            before = [AspectReview(review_id=f"{r.user}:{r.item}", product_id=r.item, text=r.text or ".",
                                   rating=int(r.rating)) for r in reviews if r.time < cut]  # fmt: skip
            text = {f"{u}:{i}": s for (u, i), s in stars.items()}
            features = review_features(before, [], text)
            queries = judged_queries(reviews, cut, meta)
            report["cuts"][str(share)] = _cut_report(shop, features, queries)
            print(f"cut {share}: {len(queries)} queries", flush=True)
    finally:
        shop.close()
    return report


def _cut_report(shop: Shelfwise, features: ReviewFeatureSet, queries: dict[str, dict[str, int]]) -> dict:
    engine = shop.engine
    engine.reviews = _Published(features)
    base = engine.fusion
    runs: dict[str, np.ndarray] = {}
    for rating in RATINGS:
        for weight in WEIGHTS:
            if weight == 0 and rating != RATINGS[0]:
                continue
            engine.fusion = base.model_copy(
                update={"reviews": ReviewSearchConfig(rating_weight=weight, rating=rating, aspect_boost=0)}
            )
            runs[f"{rating}:{weight}"] = np.array([_ndcg(engine, q, graded) for q, graded in queries.items()])
    engine.fusion = base
    several = np.array([len(graded) >= 2 for graded in queries.values()])
    out: dict = {"queries": len(queries), "several_items": int(several.sum()), "runs": {}}
    for name, scores in runs.items():
        out["runs"][name] = _compared(scores, runs[f"{RATINGS[0]}:0.0"])
        out["runs"][name]["several_items"] = _compared(scores[several], runs[f"{RATINGS[0]}:0.0"][several])
    return out


def _compared(scores: np.ndarray, zero: np.ndarray) -> dict:
    """Mean NDCG@10, its paired difference to the weight-0 run and the standard error."""
    diff = scores - zero
    se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
    return {
        "ndcg@10": round(float(scores.mean()), 4),
        "difference": round(float(diff.mean()), 4),
        "se": round(se, 4),
        "noise": bool(abs(diff.mean()) < 2 * se or diff.mean() == 0),
    }


def _ndcg(engine, query: str, graded: dict[str, int]) -> float:  # noqa: ANN001
    hits = engine.search(SearchRequest(query=query, page_size=10)).hits
    ranked = [h.product.product_id for h in hits]
    return ndcg_at_k(ranked, {pid: float(grade) for pid, grade in graded.items()}, 10) or 0.0


if __name__ == "__main__":
    import sys

    print(json.dumps(run_search(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]), indent=2))

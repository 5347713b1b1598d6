"""Do review features help? Amazon Gift Cards (reviews + metadata), with and without them.

Recommendations (`recommend`): every review is an interaction (reviewer, item, time, rating,
text). Two leave-out splits: the last item of every reviewer (`last`), and the one before it
with the last dropped (`second`); the recommender trains on the rest from scratch (channels
as `bench recommend`: cooccurrence, sequential, als, content, popularity; MiniLM or hashing
item texts) with and without `ranker.review_features` (each item's log review count, Bayesian
rating and sentiment-weighted rating, from the training reviews only, with the held-out ranker
targets' own reviews removed as the recommender removes their events), over several seeds.
Text sentiment is the lexicon's (`LexiconSentiment`), as summaries use without a trained model.
Reported: NDCG@10 and Recall@10 over all reviewers for each, and the paired per-reviewer
difference with its standard error (a difference under two standard errors is called noise).
Two arms: the recommender as configured (on Gift Cards' 458 reviewers too few held-out histories
trust the learned ranker, so reciprocal rank fusion fuses the channels and review features, read
by the ranker only, cannot act: one seed shows it), and the learned ranker forced on (half the
reviewers' latest items teach it, kept even where rank fusion wins), with and without them.

Search (`search`): queries built as Ai et al. (SIGIR 2017) build product-search queries from
purchases: the words of a purchased item's category path below "Gift Cards" (or its brand
when that is all there is), relevance = bought (reviewed) in the test period. Reviews are split
by time at a cut (several cuts); review features come from the reviews before the cut and the
judgments from the reviews after it (graded by how many reviewers bought the item). Search is
hybrid weighted fusion over the 1,547 items' title, brand, category and description; the rating
term (`fusion.reviews.rating_weight`) is added to fused candidates with each weight.

    nice -n 10 .venv/bin/python benchmarks/review_features_giftcards.py ../shared/data/amazon-giftcards \\
        --work runs/review-features --seeds 0 1 2 --out runs/review-features/report.json
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from giftcards_to_tsv import clean, item_row  # noqa: E402

from shelfwise.aspects.features import text_stars  # noqa: E402
from shelfwise.aspects.sentiment import LexiconSentiment  # noqa: E402
from shelfwise.recommend.channel import TrainingData  # noqa: E402
from shelfwise.recommend.ranker import Candidates, LearnedRanker  # noqa: E402
from shelfwise.recommend.recommender import FitReport, Recommender, recommender_config  # noqa: E402

CHANNELS = "cooccurrence,sequential,als,content,popularity"


@dataclass(frozen=True)
class Reviewed:
    user: str
    item: str
    time: int
    rating: float
    text: str


def read_reviews(source: Path) -> list[Reviewed]:
    out = []
    for line in (source / "reviews.jsonl").read_text().splitlines():
        r = json.loads(line)
        text = clean(f"{r.get('reviewText') or ''}")
        out.append(Reviewed(r["reviewerID"], r["asin"], int(r["unixReviewTime"]), float(r["overall"]), text))
    return sorted(out, key=lambda r: (r.user, r.time, r.item))


def read_meta(source: Path) -> dict[str, dict]:
    found = {}
    for line in (source / "meta.jsonl").read_text().splitlines():
        meta = json.loads(line)
        if meta.get("asin"):
            found.setdefault(meta["asin"], meta)
    return found


def text_stars_of(reviews: list[Reviewed]) -> dict[tuple[str, str], float]:
    answers = LexiconSentiment().predict([r.text for r in reviews])
    return {(r.user, r.item): text_stars(a.label, a.score) for r, a in zip(reviews, answers, strict=True)}


def encode_items(item_ids: tuple[str, ...], meta: dict[str, dict], which: str, work: Path) -> np.ndarray:
    cache = work / f"item-vectors-{which}.npy"
    if cache.exists():
        return np.load(cache)
    from shelfwise.models import HashingEncoder, SentenceTransformerEncoder

    texts = []
    for item in item_ids:
        row = item_row(meta[item]) if item in meta else None
        texts.append(row[1] if row else item)
    encoder = HashingEncoder() if which == "hashing" else SentenceTransformerEncoder(batch_size=64, threads=2)
    vectors = np.asarray(encoder.encode(texts), dtype=np.float32)
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    work.mkdir(parents=True, exist_ok=True)
    np.save(cache, vectors)
    return vectors


def recommend_split(
    by_user: dict[str, list[Reviewed]],
    drop: int,
    item_ids: tuple[str, ...],
    vectors: np.ndarray,
    stars: dict[tuple[str, str], float],
    seeds: list[int],
    forced: bool,
    channels: str,
) -> dict:
    """Train on each reviewer's items but the last `drop` + 1, predict the next one."""
    index = {item: i for i, item in enumerate(item_ids)}
    users = [u for u, rs in by_user.items() if len(rs) >= drop + 2]
    train = [by_user[u][: len(by_user[u]) - drop - 1] for u in users]
    targets = [by_user[u][len(by_user[u]) - drop - 1].item for u in users]
    sequences = [np.array([index[r.item] for r in rs], dtype=np.int64) for rs in train]
    reviews = [np.array([[r.rating, stars[r.user, r.item]] for r in rs], dtype=np.float32) for rs in train]
    data = TrainingData(item_ids, sequences, None, vectors, {}, reviews)
    out: dict = {"users": len(users), "seeds": {}}
    for seed in seeds:
        per_user = {}
        for reviews_on in (False, True):
            config = recommender_config(channels, threads=2, seed=seed)
            ranker = config.ranker.model_copy(update={"review_features": reviews_on})
            config = config.model_copy(update={"ranker": ranker})
            if forced:
                config = config.model_copy(update={"ranker_fraction": 0.5, "min_ranker_validation": 1})
            recommender = ForcedRanker(config) if forced else Recommender(config)
            fit = recommender.fit(data)
            lists = recommender.recommend(sequences, 10)
            per_user[reviews_on] = _scores(lists, targets, index)
            print(f"  seed {seed} reviews {reviews_on}: fused by {fit.fused_by}, "
                  f"NDCG@10 {per_user[reviews_on][0].mean():.4f}", flush=True)  # fmt: skip
        out["seeds"][seed] = _compare(per_user[False], per_user[True])
        print(f"  seed {seed}: {json.dumps(out['seeds'][seed])}", flush=True)
    return out


def _scores(lists: list[list[tuple[int, float]]], targets: list[str], index: dict[str, int]) -> tuple:
    ndcg, recall = np.zeros(len(targets)), np.zeros(len(targets))
    for u, (ranked, target) in enumerate(zip(lists, targets, strict=True)):
        items = [i for i, _ in ranked]
        if index[target] in items:
            place = items.index(index[target])
            ndcg[u], recall[u] = 1.0 / math.log2(place + 2), 1.0
    return ndcg, recall


def _compare(without: tuple, with_: tuple) -> dict:
    out = {}
    for name, a, b in (("ndcg@10", without[0], with_[0]), ("recall@10", without[1], with_[1])):
        diff = b - a
        se = float(diff.std(ddof=1) / math.sqrt(len(diff))) if len(diff) > 1 else 0.0
        out[name] = {
            "without": round(float(a.mean()), 4), "with": round(float(b.mean()), 4),
            "difference": round(float(diff.mean()), 4), "se": round(se, 4),
            "noise": bool(abs(diff.mean()) < 2 * se) if se > 0 else bool(diff.mean() == 0),
        }  # fmt: skip
    return out


class ForcedRanker(Recommender):
    """The recommender with its learned ranker kept even where reciprocal rank fusion beats it
    on the held-out histories (as it does on Gift Cards): the only way review features, which
    only the ranker reads, can act here."""

    def _fit_ranker(self, candidates: Candidates, targets: np.ndarray, report: FitReport) -> None:
        assert self.builder is not None
        ranker = LearnedRanker(self.config.ranker)
        ranker.fit(candidates, targets, self.builder.feature_names)
        self.ranker, report.fused_by = ranker, "ranker (forced)"


def run_recommend(
    source: Path, work: Path, seeds: list[int], encoder: str, arms: list[str], channels: str
) -> dict:
    reviews = read_reviews(source)
    meta = read_meta(source)
    stars = text_stars_of(reviews)
    by_user: dict[str, list[Reviewed]] = defaultdict(list)
    for r in reviews:
        by_user[r.user].append(r)
    item_ids = tuple(sorted({r.item for r in reviews}))
    vectors = encode_items(item_ids, meta, encoder, work)
    report = {}
    for arm, forced, arm_seeds in (("configured", False, seeds[:1]), ("forced", True, seeds)):
        if arm not in arms:
            continue
        for name, drop in (("last", 0), ("second", 1)):
            print(f"{arm}, split {name}", flush=True)
            found = recommend_split(by_user, drop, item_ids, vectors, stars, arm_seeds, forced, channels)
            report[f"{arm}: {name}"] = found
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("source", type=Path)
    parser.add_argument("--work", type=Path, default=Path("runs/review-features"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--encoder", choices=("minilm", "hashing"), default="minilm")
    parser.add_argument("--parts", nargs="+", default=["recommend", "search"])
    parser.add_argument("--arms", nargs="+", default=["configured", "forced"])
    parser.add_argument("--channels", default=CHANNELS, help="recall channels, comma-separated")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    started = time.perf_counter()
    report: dict = {"source": str(args.source), "seeds": args.seeds, "encoder": args.encoder}
    report["channels"] = args.channels
    if "recommend" in args.parts:
        report["recommend"] = run_recommend(
            args.source, args.work, args.seeds, args.encoder, args.arms, args.channels
        )
    if "search" in args.parts:
        from review_search_giftcards import run_search

        report["search"] = run_search(args.source, args.work, args.encoder)
    report["seconds"] = round(time.perf_counter() - started, 1)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

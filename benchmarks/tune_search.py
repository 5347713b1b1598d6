"""Tune hybrid fusion on the tuning part of a judgments file; report the validation part.

    python benchmarks/tune_search.py --data-dir runs/hd --work-dir runs/hd/bench/<digest> \
        --tune-judgments runs/hd/tuning_judgments.tsv \
        --validation-judgments runs/hd/validation_judgments.tsv --out runs/hd/tuning.json

The work folder is the one `shelfwise bench search` built (its store and index are reused). Each
query's lexical and vector candidates are collected once, then every fusion setting is scored with
vectorised NDCG@10 on the tuning queries only; the best setting is scored on the validation queries
with the project's evaluator, next to BM25 alone, vector alone and plain RRF. With a fine-tuned
encoder, tune on queries it was not trained on (`benchmarks/encoder_holdout.py` writes them):
fusion weights tuned on the encoder's own training queries overrate the vector side.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shelfwise.config import EncoderConfig, FusionConfig, Settings
from shelfwise.evaluate import evaluate_run, read_judgments
from shelfwise.evaluate.trec import Judgments
from shelfwise.models import load_encoder, onnx_root_of
from shelfwise.search import RetrievalStages, fuse, normalize_query
from shelfwise.service import Shelfwise
from shelfwise.store import open_embedding_cache
from shelfwise.train import active_encoder_path

COLLECT_DEPTH = 300


@dataclass
class QueryArrays:
    """One query's candidate union with both signals and their judged gains, as arrays."""

    ids: list[str]
    lexical: np.ndarray  # bm25 / best bm25, 0 where BM25 did not return it
    lexical_rank: np.ndarray  # 1-based, large where absent
    similarity: np.ndarray  # exact cosine
    vector_rank: np.ndarray
    coverage: np.ndarray  # share of the query's terms in the title
    gains: np.ndarray
    ideal_dcg: float


def collect(shop: Shelfwise, judgments: Judgments) -> dict[str, RetrievalStages]:
    stages = {}
    started = time.perf_counter()
    for i, (qid, text) in enumerate(judgments.queries.items()):
        stages[qid] = shop.engine.stages(normalize_query(text))
        if i % 1000 == 0:
            print(f"collected {i}/{len(judgments)} in {time.perf_counter() - started:.0f}s", flush=True)
    return stages


def to_arrays(stages: RetrievalStages, grades: dict[str, float]) -> QueryArrays:
    sims = dict(stages.similarities)
    sims.update(dict(stages.vector))
    lex = dict(stages.lexical)
    ids = list(dict.fromkeys([p for p, _ in stages.lexical] + [p for p, _ in stages.vector]))
    best = max(lex.values(), default=1.0) or 1.0
    lex_rank = {p: r for r, (p, _) in enumerate(stages.lexical, 1)}
    vec_rank = {p: r for r, (p, _) in enumerate(stages.vector, 1)}
    ideal = sorted((g - 1.0 for g in grades.values()), reverse=True)[:10]
    return QueryArrays(
        ids=ids,
        lexical=np.array([lex.get(p, 0.0) / best for p in ids]),
        lexical_rank=np.array([lex_rank.get(p, 10**6) for p in ids]),
        similarity=np.array([sims.get(p, 0.0) for p in ids]),
        vector_rank=np.array([vec_rank.get(p, 10**6) for p in ids]),
        coverage=np.array([stages.coverage.get(p, 0.0) for p in ids]),
        gains=np.array([grades.get(p, 1.0) - 1.0 for p in ids]),
        ideal_dcg=float(np.sum(np.array(ideal) / np.log2(np.arange(2, len(ideal) + 2)))),
    )


DISCOUNT = 1.0 / np.log2(np.arange(2, 12))


def ndcg10(scores: np.ndarray, q: QueryArrays, keep: np.ndarray) -> float:
    if q.ideal_dcg <= 0:
        return 0.0
    scores = np.where(keep, scores, -np.inf)
    top = np.argsort(-scores, kind="stable")[:10]
    top = top[np.isfinite(scores[top])]
    return float(np.sum(q.gains[top] * DISCOUNT[: len(top)]) / q.ideal_dcg)


def weighted_scores(q: QueryArrays, wl: float, floor: float, wc: float, keep: np.ndarray) -> np.ndarray:
    sims = np.where(keep, q.similarity, -np.inf)
    top = sims.max() if keep.any() else 1.0
    vec = np.clip(q.similarity - floor, 0, None) / max(top - floor, 1e-9)
    return wl * q.lexical + (1 - wl) * vec + wc * q.coverage


def rrf_scores(q: QueryArrays, k: float, wl: float) -> np.ndarray:
    return wl / (k + q.lexical_rank) + (1 - wl) / (k + q.vector_rank)


def grid(queries: list[QueryArrays]) -> list[dict]:
    results = []
    for lex_depth, vec_depth in itertools.product((100, 200, 300), (100, 200, 300)):
        keeps = [(q.lexical_rank <= lex_depth) | (q.vector_rank <= vec_depth) for q in queries]
        for wl, floor, wc in itertools.product(
            np.arange(0.2, 0.91, 0.05), (0.0, 0.1, 0.2, 0.3), (0.0, 0.5, 1.0, 1.5)
        ):
            score = np.mean(
                [
                    ndcg10(weighted_scores(q, wl, floor, wc, keep), q, keep)
                    for q, keep in zip(queries, keeps, strict=True)
                ]
            )
            results.append(
                {
                    "method": "weighted",
                    "lexical_depth": lex_depth,
                    "vector_depth": vec_depth,
                    "lexical_weight": round(float(wl), 2),
                    "similarity_floor": floor,
                    "coverage_weight": wc,
                    "ndcg10": float(score),
                }
            )
        for k, wl in itertools.product((5, 10, 20, 60), (0.4, 0.5, 0.6, 0.7)):
            score = np.mean(
                [ndcg10(rrf_scores(q, k, wl), q, keep) for q, keep in zip(queries, keeps, strict=True)]
            )
            results.append(
                {
                    "method": "rrf",
                    "lexical_depth": lex_depth,
                    "vector_depth": vec_depth,
                    "rrf_k": k,
                    "lexical_weight": wl,
                    "ndcg10": float(score),
                }
            )
    return sorted(results, key=lambda r: -r["ndcg10"])


def config_of(best: dict) -> FusionConfig:
    return FusionConfig(
        method=best["method"],
        rrf_k=best.get("rrf_k", 60),
        lexical_weight=best["lexical_weight"],
        vector_weight=round(1 - best["lexical_weight"], 2),
        lexical_depth=best["lexical_depth"],
        vector_depth=best["vector_depth"],
        similarity_floor=best.get("similarity_floor", 0.0),
        coverage_weight=best.get("coverage_weight", 0.0),
    )


def run_of(stages: dict[str, RetrievalStages], config: FusionConfig, mode: str = "hybrid") -> dict:
    run = {}
    for qid, s in stages.items():
        lexical = s.lexical[: config.lexical_depth] if mode != "vector" else []
        vector = s.vector[: config.vector_depth] if mode != "lexical" else []
        # the engine scores every lexical candidate's cosine exactly, whatever the vector depth
        sims = {**s.similarities, **dict(s.vector)}
        cut = RetrievalStages(lexical, vector, sims, s.coverage)
        run[qid] = [(c.product_id, c.score) for c in fuse(cut, config)[:100]]
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--tune-judgments", type=Path, required=True)
    parser.add_argument("--validation-judgments", type=Path, required=True)
    parser.add_argument(
        "--data-dir",
        type=Path,
        required=True,
        help="the data folder given to `bench search`: its active encoder and cache",
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    import faiss
    import torch

    torch.set_num_threads(1)
    faiss.omp_set_num_threads(1)
    settings = Settings(
        data_dir=args.work_dir, fusion=FusionConfig(lexical_depth=COLLECT_DEPTH, vector_depth=COLLECT_DEPTH)
    )
    cache = open_embedding_cache(f"sqlite:///{args.data_dir / 'embeddings.db'}")
    encoder = load_encoder(EncoderConfig(), active_encoder_path(args.data_dir), onnx_root_of(args.data_dir))
    shop = Shelfwise(settings, encoder=encoder, embedding_cache=cache)
    print(f"encoder {encoder.version}", flush=True)
    shop.open_index()
    tune_part = read_judgments(args.tune_judgments)
    validation_part = read_judgments(args.validation_judgments)
    stages = collect(shop, tune_part)
    stages.update(collect(shop, validation_part))
    tuning = [to_arrays(stages[qid], dict(tune_part.grades[qid])) for qid in tune_part.query_ids]
    ranked = grid(tuning)
    best = ranked[0]
    print("best on tuning:", best)
    best_rrf = next(r for r in ranked if r["method"] == "rrf")
    systems = {
        "bm25": (
            FusionConfig(method="weighted", lexical_weight=1.0, vector_weight=0.0, coverage_weight=0.0),
            "lexical",
        ),
        "vector": (
            FusionConfig(
                method="weighted",
                lexical_weight=0.0,
                vector_weight=1.0,
                coverage_weight=0.0,
                similarity_floor=0.0,
            ),
            "vector",
        ),
        "weighted-no-coverage": (FusionConfig(coverage_weight=0.0), "hybrid"),
        "defaults": (FusionConfig(), "hybrid"),
        "rrf-plain": (
            FusionConfig(
                method="rrf",
                rrf_k=60,
                lexical_weight=1.0,
                vector_weight=1.0,
                lexical_depth=100,
                vector_depth=100,
            ),
            "hybrid",
        ),
        "rrf-tuned": (config_of(best_rrf), "hybrid"),
        "hybrid-tuned": (config_of(best), "hybrid"),
    }
    report = {"best": best, "top10": ranked[:10], "systems": {}}
    for name, (config, mode) in systems.items():
        for part_name, part in (("tuning", tune_part), ("validation", validation_part)):
            scored = evaluate_run(run_of({q: stages[q] for q in part.query_ids}, config, mode), part)
            report["systems"].setdefault(name, {"config": config.model_dump(), "mode": mode})[part_name] = {
                "ndcg@10": round(scored.ndcg, 4),
                "recall@100": round(scored.recall, 4),
                "queries": scored.queries_judged,
            }
        print(name, report["systems"][name]["validation"], flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    shop.close()


if __name__ == "__main__":
    main()

"""Tune how reranking blends the cross-encoder's grade with the fused score, on held-out queries.

For each query the engine returns its top hits with both the fused score and the predicted grade
of the first `top_k` (explanations on); the blend `grade + w * minmax(fused)` is then scored
offline for several weights w (and top_k cut-offs), so one pass of searches tunes them all.

    .venv/bin/python benchmarks/tune_rerank.py --data-dir runs/hd \
        --work-dir runs/hd/bench/<digest> --judgments runs/hd/encoder_holdout_judgments.tsv
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from shelfwise.config import RerankConfig, Settings
from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.evaluate.trec import read_judgments
from shelfwise.models import load_encoder, onnx_root_of
from shelfwise.models.reranker import load_reranker
from shelfwise.records import SearchRequest
from shelfwise.service import Shelfwise
from shelfwise.store import open_embedding_cache
from shelfwise.train import active_encoder_path, active_reranker_path

WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)
DEPTHS = (10, 20, 30)


def blended(ids: list[str], fused: list[float], grades: list[float], k: int, weight: float) -> list[str]:
    head_f, head_g = np.array(fused[:k]), np.array(grades[:k])
    span = head_f.max() - head_f.min()
    norm = (head_f - head_f.min()) / span if span > 0 else np.zeros_like(head_f)
    order = np.argsort(-(head_g + weight * norm), kind="stable")
    return [ids[i] for i in order] + ids[k:]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--work-dir", type=Path, required=True)
    parser.add_argument("--judgments", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    settings = Settings(data_dir=args.data_dir)
    encoder = load_encoder(settings.encoder, active_encoder_path(args.data_dir), onnx_root_of(args.data_dir))
    reranker = load_reranker(RerankConfig(), active_reranker_path(args.data_dir))
    cache = open_embedding_cache(f"sqlite:///{args.data_dir / 'embeddings.db'}")
    work = settings.model_copy(update={"data_dir": args.work_dir, "rerank": RerankConfig(top_k=max(DEPTHS))})
    shop = Shelfwise(work, encoder=encoder, embedding_cache=cache, reranker=reranker)
    shop.open_index()
    judgments = read_judgments(args.judgments)
    scores: dict[str, list[float]] = {}
    for qid in judgments.query_ids:
        hits = shop.search(SearchRequest(query=judgments.queries[qid], page_size=100, facets=())).hits
        rows = [
            (
                h.product.product_id,
                h.explanation.fused_score if h.explanation else h.score,
                (h.explanation.rerank_grade or 0.0) if h.explanation else 0.0,
            )
            for h in hits
        ]
        rows.sort(key=lambda r: -r[1])  # back to the fused order (the tail is in it already)
        ids, fused, grades = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
        plain = ids
        for key, ranked in [("no-rerank", plain)] + [
            (f"k{k}-w{w}", blended(ids, fused, grades, k, w)) for k in DEPTHS for w in WEIGHTS
        ]:
            value = ndcg_at_k(ranked, judgments.grades[qid], 10)
            if value is not None:
                scores.setdefault(key, []).append(value)
    shop.close()
    table = {key: round(float(np.mean(v)), 4) for key, v in scores.items()}
    print(json.dumps(dict(sorted(table.items(), key=lambda kv: -kv[1])), indent=1))
    if args.out:
        args.out.write_text(json.dumps(table, indent=1) + "\n")


if __name__ == "__main__":
    main()

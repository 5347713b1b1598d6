"""Learned fusion: LambdaMART over each candidate's retrieval evidence, trained on judgments.

Weighted fusion adds three scaled signals with fixed weights. A learned fusion reads the same
evidence and a little more (raw BM25 and its rank, the cosine and its gap to the query's best,
query-term coverage, the query's and the title's lengths, whether both retrievers found it) and
lets gradient-boosted trees decide how they combine, per kind of query. It re-scores the
candidates of weighted fusion, so retrieval depth, filters, facets and explanations do not change.

A model is a folder: `model.txt` (LightGBM's own text format) and `manifest.json` (the feature
names, the encoder version its cosines came from, its training report). It is only trusted with
the encoder it was trained with: cosines of another encoder are on another scale.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from shelfwise.search.coverage import TitleTerms
from shelfwise.search.fusion import FusedCandidate, order_key
from shelfwise.search.title_match import TITLE_FEATURES, title_features

FEATURES: tuple[str, ...] = (
    "weighted_score",
    "bm25_scaled",
    "bm25",
    "lexical_log_rank",
    "cosine",
    "cosine_gap",
    "vector_log_rank",
    "coverage",
    "query_terms",
    TITLE_FEATURES[0],  # title_terms: here, where it was before the other title features came
    "found_by_both",
    "best_bm25",
    "best_cosine",
    *TITLE_FEATURES[1:],
)
TITLE_COLUMNS = [FEATURES.index(name) for name in TITLE_FEATURES]
MODEL_FILE = "model.txt"
MANIFEST_FILE = "manifest.json"
ABSENT_RANK = 1000


@dataclass(frozen=True)
class QueryEvidence:
    """What the features need beyond the candidates: the query's analysed terms (in order)
    and the catalog's title terms."""

    terms: tuple[str, ...]
    titles: TitleTerms | None

    @classmethod
    def of(cls, query: str, titles: TitleTerms | None) -> QueryEvidence:
        return cls(titles.analyze_in_order(query) if titles is not None else (), titles)


def candidate_features(candidates: Sequence[FusedCandidate], evidence: QueryEvidence) -> np.ndarray:
    """A (candidates, len(FEATURES)) float32 matrix, rows in the candidates' order."""
    n = len(candidates)
    out = np.zeros((n, len(FEATURES)), dtype=np.float32)
    if not n:
        return out
    bm25 = np.array([c.lexical_score or 0.0 for c in candidates], dtype=np.float32)
    cosine = np.array(
        [c.vector_similarity if c.vector_similarity is not None else 0.0 for c in candidates],
        dtype=np.float32,
    )
    lexical_rank = np.array([c.lexical_rank or ABSENT_RANK for c in candidates], dtype=np.float32)
    vector_rank = np.array([c.vector_rank or ABSENT_RANK for c in candidates], dtype=np.float32)
    best_bm25 = float(bm25.max())
    best_cosine = float(cosine.max())
    out[:, 0] = [c.score for c in candidates]
    out[:, 1] = bm25 / best_bm25 if best_bm25 > 0 else 0.0
    out[:, 2] = bm25
    out[:, 3] = np.log1p(lexical_rank)
    out[:, 4] = cosine
    out[:, 5] = best_cosine - cosine
    out[:, 6] = np.log1p(vector_rank)
    out[:, 7] = [c.coverage or 0.0 for c in candidates]
    out[:, 8] = len(set(evidence.terms))
    out[:, 10] = (lexical_rank < ABSENT_RANK) & (vector_rank < ABSENT_RANK)
    out[:, 11] = best_bm25
    out[:, 12] = best_cosine
    titled = title_features([c.product_id for c in candidates], evidence.terms, evidence.titles)
    out[:, TITLE_COLUMNS] = titled
    return out


class LearnedFusion:
    """A trained LambdaMART fusion model; `fuse` re-scores weighted fusion's candidates."""

    def __init__(
        self,
        booster: object,
        encoder_version: str,
        version: str = "",
        refit_on: str | None = None,
        depth: int = 200,
    ) -> None:
        """`refit_on`: the digest of the judgments whose every query (held-out ones too) it
        learned from, if any: its score on those held-out queries is no fair comparison."""
        self.booster = booster
        self.encoder_version = encoder_version
        self.version = version
        self.refit_on = refit_on
        self.depth = depth
        """candidates per query it re-scores: as many as it learned from"""

    def scores(self, features: np.ndarray) -> np.ndarray:
        if not len(features):
            return np.zeros(0)
        return np.asarray(self.booster.predict(features), dtype=np.float64)  # type: ignore[attr-defined]

    def fuse(self, candidates: Sequence[FusedCandidate], evidence: QueryEvidence) -> list[FusedCandidate]:
        """Weighted fusion's first `depth` candidates (as many as the model learned from per
        query) re-scored and re-ordered, the rest after them in their order. `score` is the
        model's, squashed into (0, 1) so that later stages (negation halves a score, intent adds
        to it) keep their meaning; `fused_score` keeps weighted fusion's."""
        head, tail = list(candidates[: self.depth]), list(candidates[self.depth :])
        raw = self.scores(candidate_features(head, evidence))
        out = sorted(
            (
                replace(c, score=_squash(float(s)), fused_score=c.score)
                for c, s in zip(head, raw.tolist(), strict=True)
            ),
            key=order_key,
        )
        floor = out[-1].score if out else 1.0
        out += [
            replace(c, score=floor * (1.0 - (i + 1) / (len(tail) + 1)), fused_score=c.score)
            for i, c in enumerate(tail)
        ]
        return out

    def save(self, folder: Path, manifest: dict) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / MODEL_FILE))  # type: ignore[attr-defined]
        body = {"features": list(FEATURES), "encoder_version": self.encoder_version, **manifest}
        (folder / MANIFEST_FILE).write_text(json.dumps(body, indent=2))

    @classmethod
    def load(cls, folder: Path) -> LearnedFusion:
        import lightgbm as lgb

        manifest = json.loads((folder / MANIFEST_FILE).read_text())
        if tuple(manifest.get("features", ())) != FEATURES:
            raise ValueError(
                f"{folder / MANIFEST_FILE}: the model's features {manifest.get('features')} are not "
                f"this version's {list(FEATURES)}; train it again with `shelfwise train fusion`"
            )
        booster = lgb.Booster(model_file=str(folder / MODEL_FILE))
        training = manifest.get("training", {})
        refit_on = training.get("judgments_digest") if training.get("config", {}).get("refit") else None
        depth = int(training.get("config", {}).get("candidates", 200))
        return cls(booster, str(manifest["encoder_version"]), folder.name, refit_on, depth)


def _squash(score: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(min(score, 50.0), -50.0)))

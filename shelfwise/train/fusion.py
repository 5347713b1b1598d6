"""Training the learned fusion (LambdaMART over retrieval evidence) from graded judgments.

Each judged query is searched as the engine reads it; weighted fusion's top `candidates` become
rows with the features of `search/learned_fusion.py`, labelled by their grade (unjudged = the
lowest grade, as the metric counts them). A seeded share of the queries is held out: it stops
the boosting early and decides whether the model is published, which it is only when it ranks
those queries better than weighted fusion and the active learned fusion.

The active encoder's own training queries have better cosines than a new query would get, so a
fusion learned on them may overrate the vector. `exclude_encoder_queries` leaves them out (when
the encoder's artifact lists them). It is off by default because on Home Depot the queries the
encoder held out (596) were too few to learn from, while learning from all of them helped on
queries neither model saw (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.evaluate.trec import Judgments
from shelfwise.search.engine import SearchEngine
from shelfwise.search.learned_fusion import FEATURES, LearnedFusion, candidate_features
from shelfwise.search.normalize import normalize_query
from shelfwise.train.early_stopping import hold_out_queries

if TYPE_CHECKING:
    import lightgbm as lgb

Log = Callable[[str], None]
GRADE_LEVELS = 7
"""grades 1..3 in steps of 1/3 (three raters' mean) become levels 0..6 with linear gain"""
ENCODER_QUERIES_FILE = "training_queries.json"
"""in an encoder's artifact folder: the normalised queries it was fine-tuned on"""
SPLIT_SALT = 104_729
"""added to the seed of this trainer's held-out split. The encoder trainer splits with its own
offset: a fusion trained on the encoder's held-out queries, with the same seed and a larger
fraction, would otherwise find every one of them on its validation side."""


class FusionTrainingConfig(BaseModel):
    candidates: int = Field(default=200, ge=10, description="weighted fusion's top rows per query")
    trees: int = Field(default=1000, ge=1)
    learning_rate: float = Field(default=0.03, gt=0)
    leaves: int = Field(default=15, ge=2)
    min_data_in_leaf: int = Field(default=200, ge=1)
    feature_fraction: float = Field(default=0.9, gt=0, le=1)
    early_stopping_rounds: int = Field(default=60, ge=1)
    validation_fraction: float = Field(default=0.25, gt=0, lt=1)
    seed: int = 13
    threads: int = Field(default=2, ge=1)
    refit: bool = Field(
        default=False,
        description="once the tree shape and rounds are chosen on the held-out queries, fit the "
        "published model on every query (the held-out ones too) with those settings; off by "
        "default: not measured better on Home Depot (docs/benchmarks.md)",
    )
    shape_search: bool = Field(
        default=True,
        description="also try a few other tree sizes and keep the best on the held-out queries",
    )
    exclude_encoder_queries: bool = Field(
        default=False, description="leave out the queries the active encoder was fine-tuned on"
    )


class FusionTrainingReport(BaseModel):
    train_queries: int
    validation_queries: int
    excluded_encoder_queries: int
    rows: int
    trees: int
    leaves: int
    min_data_in_leaf: int
    validation_ndcg10_weighted: float
    validation_ndcg10_learned: float
    feature_importance: dict[str, float]
    seconds: float


@dataclass
class FusionExamples:
    """Rows of every usable query, grouped: `group[i]` rows belong to `query_ids[i]`."""

    query_ids: list[str]
    product_ids: list[list[str]]
    weighted: list[np.ndarray]
    features: np.ndarray
    labels: np.ndarray
    group: np.ndarray

    @cached_property
    def starts(self) -> np.ndarray:
        """The first row of each query."""
        return np.concatenate([[0], np.cumsum(self.group)[:-1]]).astype(np.int64)

    def rows(self, i: int) -> slice:
        start = int(self.starts[i])
        return slice(start, start + int(self.group[i]))

    def features_of(self, i: int) -> np.ndarray:
        return self.features[self.rows(i)]


TREE_SHAPES = (
    {"leaves": 7, "min_data_in_leaf": 400},
    {"leaves": 31, "min_data_in_leaf": 100},
    {"leaves": 63, "min_data_in_leaf": 50},
)


def tree_shapes(config: FusionTrainingConfig) -> list[dict[str, int]]:
    """The configured tree shape first, then (with `shape_search`) the other candidates."""
    own = {"leaves": config.leaves, "min_data_in_leaf": config.min_data_in_leaf}
    return [own] + ([s for s in TREE_SHAPES if s != own] if config.shape_search else [])


@dataclass
class TrainedFusion:
    """`judged` learned from the training queries only and is what held-out comparisons use;
    `final` is the model to publish (refitted on every query when the config says so)."""

    judged: LearnedFusion
    final: LearnedFusion
    report: FusionTrainingReport
    examples: FusionExamples
    held_out: list[int]


def grade_level(grade: float) -> int:
    return int(np.clip(round((grade - 1.0) * 3), 0, GRADE_LEVELS - 1))


def collect_examples(
    engine: SearchEngine, judgments: Judgments, config: FusionTrainingConfig, log: Log = print
) -> FusionExamples:
    """Search every judged query and turn its top candidates into labelled rows."""
    started = time.perf_counter()
    ids, products, weighted, features, labels, group = [], [], [], [], [], []
    for n, qid in enumerate(judgments.query_ids, start=1):
        candidates, evidence = engine.fusion_candidates(judgments.queries[qid])
        candidates = candidates[: config.candidates]
        if not candidates:
            continue
        grades = judgments.grades[qid]
        ids.append(qid)
        products.append([c.product_id for c in candidates])
        weighted.append(np.array([c.score for c in candidates]))
        features.append(candidate_features(candidates, evidence))
        labels.append([grade_level(grades.get(c.product_id, 1.0)) for c in candidates])
        group.append(len(candidates))
        if n % 1000 == 0:
            log(f"searched {n}/{len(judgments)} queries in {time.perf_counter() - started:.0f}s")
    return FusionExamples(
        ids,
        products,
        weighted,
        np.concatenate(features) if features else np.zeros((0, len(FEATURES)), np.float32),
        np.concatenate(labels).astype(np.float32) if labels else np.zeros(0, np.float32),
        np.array(group, dtype=np.int64),
    )


def _subset(examples: FusionExamples, chosen: Sequence[int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    starts = examples.starts
    rows = np.concatenate([np.arange(starts[i], starts[i] + examples.group[i]) for i in chosen])
    return examples.features[rows], examples.labels[rows], examples.group[list(chosen)]


def fit_booster(
    examples: FusionExamples,
    train: Sequence[int],
    valid: Sequence[int],
    config: FusionTrainingConfig,
    rounds: int | None = None,
) -> lgb.Booster:
    """LambdaMART on the `train` queries, early-stopped on `valid`; with `rounds` (and no
    `valid`), exactly that many boosting rounds."""
    import lightgbm as lgb

    x, y, g = _subset(examples, train)
    train_set = lgb.Dataset(x, y, group=g, feature_name=list(FEATURES), free_raw_data=False)
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10],
        "label_gain": [level / 3 for level in range(GRADE_LEVELS)],
        "learning_rate": config.learning_rate,
        "num_leaves": config.leaves,
        "min_data_in_leaf": config.min_data_in_leaf,
        "feature_fraction": config.feature_fraction,
        "feature_fraction_seed": config.seed,
        "num_threads": config.threads,
        "seed": config.seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }
    if rounds is not None:
        return lgb.train(params, train_set, num_boost_round=rounds)
    x, y, g = _subset(examples, valid)
    valid_set = lgb.Dataset(x, y, group=g, feature_name=list(FEATURES), free_raw_data=False)
    return lgb.train(
        params,
        train_set,
        num_boost_round=config.trees,
        valid_sets=[valid_set],
        callbacks=[lgb.early_stopping(config.early_stopping_rounds, verbose=False)],
    )


def mean_ndcg10(
    examples: FusionExamples, chosen: Sequence[int], scores: Sequence[np.ndarray], judgments: Judgments
) -> float:
    """Mean NDCG@10 (gain = grade - 1, unjudged 0) of ordering each chosen query's candidates
    by `scores[i]`; queries whose judged products have no gain are left out."""
    values = []
    for i in chosen:
        order = np.argsort(-scores[i], kind="stable")[:10]
        ranked = [examples.product_ids[i][j] for j in order]
        value = ndcg_at_k(ranked, judgments.grades[examples.query_ids[i]], 10)
        if value is not None:
            values.append(value)
    return float(np.mean(values)) if values else 0.0


def encoder_training_queries(encoder_path: Path | None) -> frozenset[str]:
    """The normalised queries an encoder artifact was fine-tuned on (empty when it lists none)."""
    if encoder_path is None or not (encoder_path / ENCODER_QUERIES_FILE).exists():
        return frozenset()
    return frozenset(json.loads((encoder_path / ENCODER_QUERIES_FILE).read_text()))


def without_queries(judgments: Judgments, queries: frozenset[str]) -> Judgments:
    keep = [q for q in judgments.query_ids if normalize_query(judgments.queries[q]) not in queries]
    return judgments.subset(keep)


def train_fusion_model(
    engine: SearchEngine,
    judgments: Judgments,
    config: FusionTrainingConfig,
    excluded: int = 0,
    log: Log = print,
) -> TrainedFusion:
    """Fit on the judgments' training queries; report held-out NDCG@10 against weighted fusion.
    Also returns the examples and the held-out query positions (to compare other models)."""
    started = time.perf_counter()
    training, validation = hold_out_queries(judgments, config.validation_fraction, config.seed + SPLIT_SALT)
    examples = collect_examples(engine, judgments, config, log)
    useful, valid = _training_and_held_out(examples, set(validation.query_ids))
    version = engine.encoder.encoder.version
    booster, learned, shape = _best_tree_shape(examples, useful, valid, judgments, config, version, log)
    model = LearnedFusion(booster, version, depth=config.candidates)
    final = model
    if config.refit:
        every = useful + [i for i in valid if examples.labels[examples.rows(i)].max() > 0]
        rounds = int(booster.best_iteration or booster.num_trees())
        final = LearnedFusion(
            fit_booster(examples, every, [], config.model_copy(update=shape), rounds=rounds),
            version,
            depth=config.candidates,
        )
        log(f"refitted on all {len(every)} queries with gain, {rounds} rounds")
    importance = booster.feature_importance(importance_type="gain")
    report = FusionTrainingReport(
        train_queries=len(useful),
        validation_queries=len(valid),
        excluded_encoder_queries=excluded,
        rows=int(examples.group.sum()),
        trees=int(booster.best_iteration or booster.num_trees()),
        leaves=shape["leaves"],
        min_data_in_leaf=shape["min_data_in_leaf"],
        validation_ndcg10_weighted=round(mean_ndcg10(examples, valid, examples.weighted, judgments), 4),
        validation_ndcg10_learned=round(mean_ndcg10(examples, valid, learned, judgments), 4),
        feature_importance={
            name: round(float(v) / max(float(importance.sum()), 1e-9), 4)
            for name, v in zip(FEATURES, importance, strict=True)
        },
        seconds=round(time.perf_counter() - started, 1),
    )
    return TrainedFusion(model, final, report, examples, valid)


def _training_and_held_out(examples: FusionExamples, held: set[str]) -> tuple[list[int], list[int]]:
    """The positions of the training queries with a judged product with gain among their
    candidates, and of the `held` out queries; an error when too few can be learned from."""
    useful = [
        i
        for i, q in enumerate(examples.query_ids)
        if q not in held and examples.labels[examples.rows(i)].max() > 0
    ]
    valid = [i for i, q in enumerate(examples.query_ids) if q in held]
    if len(useful) < 20 or not valid:
        raise ValueError(
            f"only {len(useful)} training queries have a judged product with gain among their "
            "candidates: too few to learn a fusion (need 20)"
        )
    return useful, valid


def _best_tree_shape(
    examples: FusionExamples,
    useful: list[int],
    valid: list[int],
    judgments: Judgments,
    config: FusionTrainingConfig,
    encoder_version: str,
    log: Log,
) -> tuple[lgb.Booster, list[np.ndarray], dict[str, int]]:
    """A booster for each tree shape of `config`, fitted on the `useful` queries; the one with
    the best held-out NDCG@10 (the first on a tie), with every query's scores and its shape."""
    best: tuple[float, lgb.Booster, list[np.ndarray], dict[str, int]] | None = None
    for shape in tree_shapes(config):
        booster = fit_booster(examples, useful, valid, config.model_copy(update=shape))
        model = LearnedFusion(booster, encoder_version, depth=config.candidates)
        scores = [model.scores(examples.features_of(i)) for i in range(len(examples.query_ids))]
        held_out = mean_ndcg10(examples, valid, scores, judgments)
        log(
            f"trees of {shape['leaves']} leaves, at least {shape['min_data_in_leaf']} rows each: "
            f"held-out NDCG@10 {held_out:.4f} ({booster.best_iteration} rounds)"
        )
        if best is None or held_out > best[0]:
            best = (held_out, booster, scores, shape)
    assert best is not None
    return best[1], best[2], best[3]

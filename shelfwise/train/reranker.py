"""Fine-tuning of the cross-encoder relevance model on graded judgments.

Targets are the judged grades (mean squared error) plus a pairwise ranking loss between products
of the same query whose grades differ, so that the model both predicts grades and orders
candidates. Unjudged products that BM25 ranks for a training query are added as mined
negatives, graded as the scale's minimum in the ranking loss only (by default): at search time
the model sees such candidates, not only the judged ones, while its predicted grades stay
calibrated on the judged pairs. Class labels (exact / substitute / complement /
irrelevant), when the judgments carry them, train a second head.

Validation holds out queries (by a seeded split); the early-stopping score is NDCG@10 of
reranking each validation query's judged products plus BM25's top candidates.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.config import LexicalConfig
from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.evaluate.trec import Judgments
from shelfwise.index import LexicalIndex
from shelfwise.models.reranker import RelevanceNetwork, RerankerSpec
from shelfwise.records import Product
from shelfwise.train.data_parallel import Group, chunk, gathered, sum_gradients
from shelfwise.train.early_stopping import BestWeights, hold_out_queries
from shelfwise.train.reranker_run import RerankerRun
from shelfwise.train.reranker_run import query_batches as query_batches  # where it was

Log = Callable[[str], None]
Labels = Mapping[tuple[str, str], str]


class RerankerTrainingConfig(BaseModel):
    epochs: int = Field(default=1, ge=1)
    batch_size: int = Field(default=32, ge=2, description="pairs per step (whole queries)")
    learning_rate: float = Field(default=4e-5, gt=0)
    weight_decay: float = 0.01
    warmup_fraction: float = Field(default=0.1, ge=0, lt=1)
    pairwise_weight: float = Field(default=1.0, ge=0, description="weight of the ranking loss")
    pairwise_margin: float = Field(default=0.3, ge=0, description="grade gap that makes a pair")
    pairwise_scale: float = Field(default=4.0, gt=0, description="logistic slope per grade unit")
    mined_negatives: int = Field(default=2, ge=0, description="unjudged BM25 hits per query")
    mined_from_rank: int = Field(default=10, ge=0, description="skip BM25's top hits when mining")
    mined_weight: float = Field(
        default=0.0,
        ge=0,
        description="weight of a mined negative in the grade loss (it always takes part in the "
        "ranking loss); 0 keeps predicted grades calibrated on judged pairs only",
    )
    class_weight: float = Field(default=1.0, ge=0, description="weight of the class loss")
    validation_fraction: float = Field(default=0.15, gt=0, lt=1)
    validation_candidates: int = Field(default=20, ge=0, description="BM25 hits added per query")
    evaluations_per_epoch: int = Field(default=3, ge=1)
    patience: int = Field(default=2, ge=1)
    early_stopping: bool = Field(
        default=True, description="keep the weights of the best validation score (else the last)"
    )
    freeze_embeddings: bool = Field(
        default=True, description="keep the token embeddings fixed (faster steps, little loss)"
    )
    max_length: int = Field(default=64, ge=8)
    seed: int = 13
    threads: int | None = None


@dataclass(frozen=True)
class TrainingPair:
    query_id: str
    query: str
    text: str
    grade: float
    weight: float = 1.0
    label: int = -1
    """index into the model's classes; -1 when the pair has no class label"""
    mined: bool = False
    """an unjudged BM25 hit standing in as a negative"""


class RerankerTrainingReport(BaseModel):
    train_queries: int
    validation_queries: int
    pairs: int
    mined_pairs: int
    classes: list[str]
    steps: int
    best_step: int
    validation_ndcg10_bm25: float
    validation_ndcg10_after: float
    validation_rmse_after: float
    validation_rmse_mean_baseline: float
    history: list[dict[str, float]]
    seconds: float


def build_pairs(
    judgments: Judgments,
    products: Mapping[str, Product],
    config: RerankerTrainingConfig,
    lexical: LexicalIndex | None,
    grade_min: float,
    labels: Labels | None = None,
    classes: Sequence[str] = (),
) -> list[TrainingPair]:
    """Every judged pair whose product is known, plus mined negatives per query."""
    rng = random.Random(config.seed)
    class_index = {name: i for i, name in enumerate(classes)}
    pairs = []
    for qid in judgments.query_ids:
        query, grades = judgments.queries[qid], judgments.grades[qid]
        for pid, grade in grades.items():
            if pid in products:
                label = class_index.get((labels or {}).get((qid, pid), ""), -1)
                pairs.append(TrainingPair(qid, query, products[pid].text(), grade, 1.0, label))
        if lexical is None or not config.mined_negatives:
            continue
        hits = [h.product_id for h in lexical.search(query, config.mined_from_rank + 40)]
        pool = [p for p in hits[config.mined_from_rank :] if p not in grades and p in products]
        for pid in rng.sample(pool, min(config.mined_negatives, len(pool))):
            pairs.append(
                TrainingPair(
                    qid,
                    query,
                    products[pid].text(),
                    grade_min,
                    config.mined_weight,
                    class_index.get("irrelevant", -1),
                    True,
                )
            )
    return pairs


def pairwise_loss(scores: Any, grades: Any, query_index: Any, margin: float, slope: float) -> Any:
    """Mean logistic loss over same-query pairs whose grades differ by more than `margin`."""
    import torch

    better = (grades.unsqueeze(1) - grades.unsqueeze(0)) > margin
    same = query_index.unsqueeze(1) == query_index.unsqueeze(0)
    valid = better & same
    if not bool(valid.any()):
        return scores.sum() * 0.0
    diff = (scores.unsqueeze(1) - scores.unsqueeze(0))[valid]
    return torch.nn.functional.softplus(-slope * diff).mean()


Relabel = Callable[[list[TrainingPair], Judgments, LexicalIndex], list[TrainingPair]]
RerankerFit = Callable[
    ["RerankerTrainer", Judgments, Mapping[str, Product], Labels | None], "RerankerTrainingReport"
]
"""(trainer, judgments, products, labels) -> report: fits the trainer's new model, by default
`RerankerTrainer.fit` in this process; shelfwise/cluster/fine_tuning.py on a cluster."""


@dataclass(frozen=True)
class _ValidationSet:
    """Validation queries with their candidate pools, texts prepared once."""

    judgments: Judgments
    pools: dict[str, list[str]]
    """judged products first, then BM25's extra candidates, in BM25 order"""
    bm25_order: dict[str, list[str]]
    texts: dict[str, str]


class RerankerTrainer:
    """Fine-tunes a relevance network from a base transformer folder; `save` writes the model."""

    def __init__(self, network: RelevanceNetwork, config: RerankerTrainingConfig, log: Log = print) -> None:
        import torch

        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.config = config
        self.log = log
        self.network = network
        self.spec = network.spec
        if config.freeze_embeddings:
            network.backbone.get_input_embeddings().weight.requires_grad_(False)
        self.group = Group()
        """this worker among the workers of a data-parallel run (one process: the only one)"""
        self.held_out: _ValidationSet | None = None
        """the validation queries and pools of the last `fit`, to score other models on"""

    @classmethod
    def from_base(
        cls,
        base_model: Path,
        config: RerankerTrainingConfig,
        classes: Sequence[str] = (),
        log: Log = print,
    ) -> RerankerTrainer:
        """A new model: backbone from a transformer folder (e.g. the bundled MiniLM), new heads."""
        spec = RerankerSpec(1.0, 3.0, config.max_length, tuple(classes), str(base_model))
        return cls(RelevanceNetwork.from_base(base_model, spec), config, log)

    @classmethod
    def from_saved(cls, folder: Path, config: RerankerTrainingConfig, log: Log = print) -> RerankerTrainer:
        return cls(RelevanceNetwork.load(folder), config, log)

    def validation_split(self, judgments: Judgments) -> tuple[Judgments, Judgments]:
        """(training, validation) queries, by the trainer's own seeded split."""
        return hold_out_queries(judgments, self.config.validation_fraction, self.config.seed)

    def fit(
        self,
        judgments: Judgments,
        products: Mapping[str, Product],
        labels: Labels | None = None,
        relabel: Relabel | None = None,
    ) -> RerankerTrainingReport:
        """Train on the training part of `judgments` (plus mined negatives), early-stopped on the
        held-out part. `relabel` may replace the training pairs' targets and add pairs (as
        distillation does with a teacher's grades) before training starts."""
        started = time.perf_counter()
        run = self.start(judgments, products, labels, relabel)
        run.run()
        return self.report(run, time.perf_counter() - started)

    def start(
        self,
        judgments: Judgments,
        products: Mapping[str, Product],
        labels: Labels | None = None,
        relabel: Relabel | None = None,
    ) -> RerankerRun:
        """A run from these weights over the judgments' training part (`RerankerRun.run` trains)."""
        cfg = self.config
        self.spec = RerankerSpec(
            float(min(min(g.values()) for g in judgments.grades.values())),
            float(max(max(g.values()) for g in judgments.grades.values())),
            cfg.max_length,
            self.spec.classes,
            self.spec.base_model,
        )
        self.network.spec = self.spec
        training, validation = self.validation_split(judgments)
        lexical = LexicalIndex.for_catalog(list(products.values()), LexicalConfig())  # in its language
        pairs = build_pairs(training, products, cfg, lexical, self.spec.grade_min, labels, self.spec.classes)
        if not pairs:
            raise ValueError("no training pairs: no judged product of a training query is in the catalog")
        if relabel is not None:
            pairs = relabel(pairs, training, lexical)
        mined = sum(1 for p in pairs if p.mined)
        held_out = self.held_out = self._validation_set(validation, products, lexical)
        bm25 = self._ndcg(
            held_out, {q: list(range(len(o), 0, -1)) for q, o in held_out.bm25_order.items()}, use_bm25=True
        )
        self.log(
            f"{len(pairs)} pairs ({mined} mined negatives) from {len(training)} queries; "
            f"validation NDCG@10 in BM25 order {bm25:.4f} (the score to beat)"
        )
        return RerankerRun(self, pairs, held_out, bm25, training)

    def report(self, run: RerankerRun, seconds: float) -> RerankerTrainingReport:
        """What a finished run did."""
        best, held_out, pairs = run.best, run.held_out, run.pairs
        after, rmse = self._final_scores(best, held_out)
        judged = [g for grades in held_out.judgments.grades.values() for g in grades.values()]
        train_mean = float(np.mean([p.grade for p in pairs if not p.mined]))
        baseline = float(np.sqrt(np.mean((np.array(judged) - train_mean) ** 2)))
        self.log(f"validation NDCG@10 {after:.4f}, RMSE {rmse:.4f} (predicting the mean: {baseline:.4f})")
        return RerankerTrainingReport(
            train_queries=len(run.training),
            validation_queries=len(held_out.judgments),
            pairs=len(pairs),
            mined_pairs=sum(1 for p in pairs if p.mined),
            classes=list(self.spec.classes),
            steps=best.steps,
            best_step=best.step,
            validation_ndcg10_bm25=round(run.to_beat, 4),
            validation_ndcg10_after=round(after, 4),
            validation_rmse_after=round(rmse, 4),
            validation_rmse_mean_baseline=round(baseline, 4),
            history=best.history,
            seconds=round(seconds, 1),
        )

    def _final_scores(self, best: BestWeights, held_out: _ValidationSet) -> tuple[float, float]:
        """(NDCG@10, RMSE) of the weights training ends with, from its last evaluation of them."""
        kept = best.step if self.config.early_stopping and best.state is not None else best.steps
        for entry in reversed(best.history):
            if entry["step"] == kept:
                return entry["ndcg10"], entry["rmse"]
        return self.evaluate(held_out)

    def _validation_set(
        self, validation: Judgments, products: Mapping[str, Product], lexical: LexicalIndex
    ) -> _ValidationSet:
        pools, orders = {}, {}
        for qid in validation.query_ids:
            hits = [h.product_id for h in lexical.search(validation.queries[qid], 200)]
            judged = [p for p in validation.grades[qid] if p in products]
            extra = [p for p in hits[: self.config.validation_candidates] if p not in judged]
            pools[qid] = judged + extra
            rank = {p: i for i, p in enumerate(hits)}
            orders[qid] = sorted(pools[qid], key=lambda p: rank.get(p, len(hits)))
        needed = {p for pool in pools.values() for p in pool}
        return _ValidationSet(validation, pools, orders, {p: products[p].text() for p in needed})

    def evaluate(self, held_out: _ValidationSet) -> tuple[float, float]:
        """(NDCG@10 of the model's order of each pool, RMSE of its grades on judged pairs)."""
        qids = list(held_out.pools)
        queries = [held_out.judgments.queries[q] for q in qids for _ in held_out.pools[q]]
        texts = [held_out.texts[p] for q in qids for p in held_out.pools[q]]
        self.network.train(False)
        grades = self.network.predict(queries, texts, batch_size=128).grades
        scores, errors, at = {}, [], 0
        for qid in qids:
            pool = held_out.pools[qid]
            scores[qid] = grades[at : at + len(pool)].tolist()
            judged = held_out.judgments.grades[qid]
            errors += [(s - judged[p]) ** 2 for p, s in zip(pool, scores[qid], strict=True) if p in judged]
            at += len(pool)
        return self._ndcg(held_out, scores), float(np.sqrt(np.mean(errors))) if errors else 0.0

    @staticmethod
    def _ndcg(held_out: _ValidationSet, scores: Mapping[str, list[float]], use_bm25: bool = False) -> float:
        values = []
        for qid, values_of in scores.items():
            pool = held_out.bm25_order[qid] if use_bm25 else held_out.pools[qid]
            bm25_rank = {p: i for i, p in enumerate(held_out.bm25_order[qid])}
            ranked = sorted(zip(pool, values_of, strict=True), key=lambda x: (-x[1], bm25_rank[x[0]]))
            value = ndcg_at_k([p for p, _ in ranked], held_out.judgments.grades[qid], 10)
            if value is not None:
                values.append(value)
        return float(np.mean(values)) if values else 0.0

    def _step(self, batch: list[TrainingPair], optimizer: Any, schedule: Any) -> float:
        import torch

        cfg = self.config
        self.network.train(True)
        predicted, logits = self._forward(batch)
        grades = torch.tensor([p.grade for p in batch], dtype=torch.float32)
        weights = torch.tensor([p.weight for p in batch], dtype=torch.float32)
        ids = {qid: i for i, qid in enumerate(dict.fromkeys(p.query_id for p in batch))}
        query_index = torch.tensor([ids[p.query_id] for p in batch])
        loss = (weights * (predicted - grades) ** 2).sum() / weights.sum().clamp(min=1e-6)
        if cfg.pairwise_weight:
            loss = loss + cfg.pairwise_weight * pairwise_loss(
                predicted, grades, query_index, cfg.pairwise_margin, cfg.pairwise_scale
            )
        labels = torch.tensor([p.label for p in batch])
        if logits is not None and bool((labels >= 0).any()):
            loss = loss + cfg.class_weight * torch.nn.functional.cross_entropy(
                logits, labels, ignore_index=-1
            )
        loss.backward()
        sum_gradients(self.network.parameters(), self.group)
        torch.nn.utils.clip_grad_norm_(self.network.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        return float(loss.detach())

    def _forward(self, batch: list[TrainingPair]) -> tuple[Any, Any]:
        """(predicted grades, class logits or None) of the whole batch; in a group of workers,
        this worker runs its chunk and gathers the others' (shelfwise/train/data_parallel.py)."""
        if self.group.single:
            return self.network.forward([p.query for p in batch], [p.text for p in batch])
        mine = chunk(batch, self.group)
        predicted, logits = self.network.forward([p.query for p in mine], [p.text for p in mine])
        whole = gathered(predicted, len(batch), self.group)
        return whole, None if logits is None else gathered(logits, len(batch), self.group)

    def save(self, folder: Path, extra: dict[str, Any] | None = None) -> None:
        self.network.save(folder, extra)

"""Fine-tuning of the bi-encoder on graded relevance judgments.

Contrastive loss (in-batch negatives plus one hard negative per pair: a product judged
irrelevant for the query or one the current encoder ranks high without a judgment, else one
mined from BM25), AdamW with linear warm-up and decay,
evaluation on a held-out split of the queries, early stopping, seeded and reproducible.

With a teacher (a trained cross-encoder, `fit(..., teacher=)`), the unjudged products the current
encoder ranks first are graded by it before they are used (RocketQA's denoised hard negatives):
the ones it grades lowest become negatives, from the very top ranks (without a teacher the first
`encoder_negatives_from` ranks are skipped as likely unjudged positives), and those it grades
clearly relevant become extra positives instead.
"""

from __future__ import annotations

import json
import random
import shutil
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
from shelfwise.models.encoder import mean_pooled
from shelfwise.records import Product
from shelfwise.train.data_parallel import Group, all_agree, chunk, gathered, sum_gradients
from shelfwise.train.early_stopping import BestWeights, hold_out_queries
from shelfwise.train.encoder_run import EncoderRun

Log = Callable[[str], None]


class EncoderTrainingConfig(BaseModel):
    epochs: int = Field(default=2, ge=1)
    batch_size: int = Field(default=64, ge=2)
    learning_rate: float = Field(default=3e-5, gt=0)
    weight_decay: float = 0.01
    warmup_fraction: float = Field(default=0.1, ge=0, lt=1)
    scale: float = Field(default=20.0, description="inverse temperature of the cosine logits")
    positive_threshold: float = Field(default=2.33, description="grades at or above are positives")
    negative_threshold: float = Field(default=1.67, description="grades at or below are negatives")
    validation_fraction: float = Field(default=0.15, gt=0, lt=1)
    evaluations_per_epoch: int = Field(default=2, ge=1)
    patience: int = Field(default=2, ge=1, description="evaluations without gain before stopping")
    max_length: int = Field(default=64, ge=8)
    distractors: int = Field(default=5000, ge=0, description="random products in the validation pool")
    encoder_negatives: int = Field(
        default=3,
        ge=0,
        description="unjudged products the current encoder ranks high, added to each query's negatives",
    )
    encoder_negatives_from: int = Field(
        default=3, ge=0, description="skip the current encoder's top ranks (likely unjudged positives)"
    )
    teacher_candidates: int = Field(
        default=10,
        ge=0,
        description="with a teacher: the current encoder's unjudged top products it grades per query",
    )
    teacher_positive_min: float = Field(
        default=2.67,
        description="with a teacher: a mined product it grades at or above is an extra positive",
    )
    teacher_positives: int = Field(
        default=2, ge=0, description="with a teacher: extra positives per query, at most"
    )
    seed: int = 13
    threads: int | None = None


Grader = Callable[[Sequence[str], Sequence[str]], np.ndarray]
"""(queries, texts) -> predicted grade of each aligned pair: a cross-encoder teacher."""


EncoderFit = Callable[
    ["EncoderTrainer", Judgments, Mapping[str, Product], Mapping[str, Sequence[str]] | None, Grader | None],
    "EncoderTrainingReport",
]
"""(trainer, judgments, products, neighbours, teacher) -> report: fits the trainer's model, by
default `EncoderTrainer.fit` in this process; shelfwise/cluster/fine_tuning.py on a cluster."""


@dataclass(frozen=True)
class TrainingExample:
    query_id: str
    query: str
    positive: str
    negative: str


class EncoderTrainingReport(BaseModel):
    train_queries: int
    validation_queries: int
    examples: int
    steps: int
    best_step: int
    validation_ndcg10_before: float
    validation_ndcg10_after: float
    history: list[dict[str, float]]
    seconds: float


def teacher_graded_neighbours(
    judgments: Judgments,
    products: Mapping[str, Product],
    neighbours: Mapping[str, Sequence[str]],
    config: EncoderTrainingConfig,
    teacher: Grader,
) -> dict[str, dict[str, float]]:
    """query id -> {product id: teacher grade} for each query's first `teacher_candidates`
    unjudged neighbours (all graded in one call, batched by the teacher)."""
    pairs = [
        (qid, pid)
        for qid in judgments.query_ids
        for pid in [p for p in neighbours.get(qid, ()) if p not in judgments.grades[qid] and p in products][
            : config.teacher_candidates
        ]
    ]
    grades = teacher([judgments.queries[q] for q, _ in pairs], [products[p].text() for _, p in pairs])
    out: dict[str, dict[str, float]] = {}
    for (qid, pid), grade in zip(pairs, np.asarray(grades).tolist(), strict=True):
        out.setdefault(qid, {})[pid] = float(grade)
    return out


def build_examples(
    judgments: Judgments,
    products: Mapping[str, Product],
    config: EncoderTrainingConfig,
    lexical: LexicalIndex | None,
    neighbours: Mapping[str, Sequence[str]] | None = None,
    teacher_grades: Mapping[str, Mapping[str, float]] | None = None,
) -> list[TrainingExample]:
    """One example per (query, positive product), each with one hard negative: a product judged
    irrelevant, or one of the current encoder's unjudged `neighbours` of the query (ranks past
    `encoder_negatives_from`), or, failing both, an unjudged BM25 hit past rank 5.
    `teacher_grades` (from `teacher_graded_neighbours`) replaces the rank rule for the neighbours
    it grades: the `encoder_negatives` it grades lowest are the negatives, those it grades >=
    `teacher_positive_min` are extra positives instead (a regression teacher's grades crowd the
    middle of the scale, so a fixed negative threshold would pick none)."""
    rng = random.Random(config.seed)
    examples = []
    for qid in judgments.query_ids:
        grades = judgments.grades[qid]
        query = judgments.queries[qid]
        positives = [p for p, g in grades.items() if g >= config.positive_threshold and p in products]
        negatives = [p for p, g in grades.items() if g <= config.negative_threshold and p in products]
        graded = teacher_grades.get(qid) if teacher_grades is not None else None
        if graded:
            positives += [p for p, g in graded.items() if g >= config.teacher_positive_min][
                : config.teacher_positives
            ]
            lowest_first = sorted(graded, key=graded.__getitem__)  # stable: the encoder's order on ties
            negatives += [p for p in lowest_first if graded[p] < config.teacher_positive_min][
                : config.encoder_negatives
            ]
        elif neighbours is not None and config.encoder_negatives:
            near = [
                p
                for p in neighbours.get(qid, ())[config.encoder_negatives_from :]
                if p not in grades and p in products
            ]
            negatives += near[: config.encoder_negatives]
        if not negatives and lexical is not None and positives:
            mined = [h.product_id for h in lexical.search(query, 30)]
            negatives = [p for p in mined if p not in grades and p in products][5:]
        if not positives or not negatives:
            continue
        for pid in positives:
            negative = products[rng.choice(negatives)].text()
            examples.append(TrainingExample(qid, query, products[pid].text(), negative))
    return examples


def nearest_products(
    query_vectors: np.ndarray, product_vectors: np.ndarray, product_ids: Sequence[str], depth: int
) -> list[list[str]]:
    """The `depth` products of highest cosine for each query (unit vectors), best first."""
    out: list[list[str]] = []
    for start in range(0, len(query_vectors), 512):
        scores = query_vectors[start : start + 512] @ product_vectors.T
        top = np.argpartition(-scores, min(depth, scores.shape[1] - 1), axis=1)[:, :depth]
        for row, candidates in zip(scores, top, strict=True):
            ranked = candidates[np.argsort(-row[candidates], kind="stable")]
            out.append([product_ids[i] for i in ranked.tolist()])
    return out


def _false_negative_mask(batch: list[TrainingExample], positives: Mapping[str, set[str]]) -> np.ndarray:
    """True where a document in the batch is another positive of the row's query."""
    docs = [e.positive for e in batch] + [e.negative for e in batch]
    mask = np.zeros((len(batch), len(docs)), dtype=bool)
    for i, example in enumerate(batch):
        own = positives[example.query_id]
        for j, doc in enumerate(docs):
            if j != i and doc in own:
                mask[i, j] = True
    return mask


class EncoderTrainer:
    """Fine-tunes a sentence-transformers bi-encoder folder in place of memory; `save` writes it."""

    def __init__(
        self,
        model_path: Path,
        config: EncoderTrainingConfig,
        log: Log = print,
        checkpoint_dir: Path | None = None,
    ) -> None:
        """`checkpoint_dir`, when given, receives the best weights so far at every validation
        gain (`best/`, a model folder that `base_model` can start from) and `progress.json`."""
        import torch
        from sentence_transformers import SentenceTransformer

        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        self.config = config
        self.log = log
        self.checkpoint_dir = checkpoint_dir
        self.model_path = model_path
        self.model = SentenceTransformer(str(model_path), device="cpu", local_files_only=True)
        first: Any = self.model[0]
        self._network: torch.nn.Module = first.auto_model
        self.group = Group()
        """this worker among the workers of a data-parallel run (one process: the only one)"""

    def _embed(self, texts: list[str]):  # noqa: ANN202 - torch tensor
        return mean_pooled(self.model[0], texts, self.config.max_length)

    def evaluate(self, judgments: Judgments, products: Mapping[str, Product]) -> float:
        """Mean NDCG@10 of retrieving each validation query's products by cosine from a pool of
        the judged products plus `distractors` random catalog products (a full-catalog proxy)."""
        import torch

        judged = {p for grades in judgments.grades.values() for p in grades if p in products}
        others = sorted(set(products) - judged)
        rng = random.Random(self.config.seed)
        pool = sorted(judged) + rng.sample(others, min(self.config.distractors, len(others)))
        self.model.eval()
        with torch.inference_mode():
            docs = torch.cat(
                [
                    self._embed([products[p].text() for p in pool[i : i + 256]])
                    for i in range(0, len(pool), 256)
                ]
            )
            qids = list(judgments.query_ids)
            queries = torch.cat(
                [
                    self._embed([judgments.queries[q] for q in qids[i : i + 256]])
                    for i in range(0, len(qids), 256)
                ]
            )
            top = (queries @ docs.T).topk(min(10, len(pool)), dim=1).indices.tolist()
        scores = [
            ndcg_at_k([pool[i] for i in row], judgments.grades[qid], 10)
            for qid, row in zip(qids, top, strict=True)
        ]
        kept = [v for v in scores if v is not None]
        return float(np.mean(kept)) if kept else 0.0

    def validation_split(self, judgments: Judgments) -> tuple[Judgments, Judgments]:
        """(training, validation) queries, by the trainer's own seeded split."""
        return hold_out_queries(judgments, self.config.validation_fraction, self.config.seed)

    def fit(
        self,
        judgments: Judgments,
        products: Mapping[str, Product],
        neighbours: Mapping[str, Sequence[str]] | None = None,
        teacher: Grader | None = None,
    ) -> EncoderTrainingReport:
        """Train on the judgments' training split; `neighbours` (query id -> products the
        current encoder ranks first) add encoder-mined hard negatives, checked by `teacher`
        when one is given (see the module's doc)."""
        started = time.perf_counter()
        run = self.start(judgments, products, neighbours, teacher)
        run.run()
        return self.report(run, time.perf_counter() - started)

    def start(
        self,
        judgments: Judgments,
        products: Mapping[str, Product],
        neighbours: Mapping[str, Sequence[str]] | None = None,
        teacher: Grader | None = None,
    ) -> EncoderRun:
        """A run from these weights over the judgments' training split (`EncoderRun.run` trains)."""
        cfg = self.config
        started = time.perf_counter()
        training, validation = self.validation_split(judgments)
        lexical = LexicalIndex.for_catalog(list(products.values()), LexicalConfig())  # in its language
        teacher_grades = None
        if teacher is not None and neighbours is not None and cfg.teacher_candidates:
            teacher_grades = teacher_graded_neighbours(training, products, neighbours, cfg, teacher)
            graded = [g for by_product in teacher_grades.values() for g in by_product.values()]
            seconds = time.perf_counter() - started
            quartiles = np.percentile(graded, [25, 50, 75]) if graded else [np.nan] * 3
            positive = sum(g >= cfg.teacher_positive_min for g in graded)
            self.log(f"the teacher graded {len(graded)} mined products in {seconds:.0f}s (grade "
                     f"quartiles {', '.join(f'{q:.2f}' for q in quartiles)}; "
                     f"{positive} positives)")  # fmt: skip
        examples = build_examples(training, products, cfg, lexical, neighbours, teacher_grades)
        positives = {
            qid: {
                products[p].text() for p, g in grades.items() if g >= cfg.positive_threshold and p in products
            }
            for qid, grades in training.grades.items()
        }
        if not examples:
            raise ValueError(
                "no training examples: no tuning query has both a product graded >= "
                f"{cfg.positive_threshold} and a negative (graded <= {cfg.negative_threshold} or mined)"
            )
        first = self.group.rank == 0  # the first worker scores; every worker takes its score
        before = all_agree(self.evaluate(validation, products) if first else 0.0, self.group)
        self.log(
            f"{len(examples)} examples from {len(training)} queries; validation NDCG@10 before: {before:.4f}"
        )
        return EncoderRun(self, examples, positives, validation, products, before, len(training))

    def report(self, run: EncoderRun, seconds: float) -> EncoderTrainingReport:
        """What a finished run did."""
        self.model.eval()
        return EncoderTrainingReport(
            train_queries=run.train_queries,
            validation_queries=len(run.validation),
            examples=len(run.examples),
            steps=run.best.steps,
            best_step=run.best.step,
            validation_ndcg10_before=round(run.before, 4),
            validation_ndcg10_after=round(run.best.score, 4),
            history=run.best.history,
            seconds=round(seconds, 1),
        )

    def _checkpoint(self, best: BestWeights) -> None:
        """Write the current (best so far) weights and the history; the previous checkpoint is
        replaced only once the new one is complete."""
        if self.checkpoint_dir is None:
            return
        self.checkpoint_dir.mkdir(parents=True, exist_ok=True)
        staging = self.checkpoint_dir / "best.partial"
        shutil.rmtree(staging, ignore_errors=True)
        self.model.save(str(staging))
        target = self.checkpoint_dir / "best"
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
        progress = {
            "step": best.step,
            "validation_ndcg10": best.score,
            "history": best.history,
            "config": self.config.model_dump(),
        }
        (self.checkpoint_dir / "progress.json").write_text(json.dumps(progress, indent=2) + "\n")
        self.log(f"checkpoint: step {best.step} -> {target}")

    def _step(self, batch, positives, optimizer, schedule) -> float:  # noqa: ANN001
        """One optimizer step on a batch; in a group of workers, this worker encodes its chunk of
        it and the loss is the whole batch's (see shelfwise/train/data_parallel.py)."""
        import torch

        self._network.train()
        queries, docs = self._batch_embeddings(batch)
        logits = queries @ docs.T * self.config.scale
        mask = torch.from_numpy(_false_negative_mask(batch, positives))
        logits = logits.masked_fill(mask, float("-inf"))
        loss = torch.nn.functional.cross_entropy(logits, torch.arange(len(batch)))
        loss.backward()
        sum_gradients(self._network.parameters(), self.group)
        torch.nn.utils.clip_grad_norm_(self._network.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        return float(loss.detach())

    def _batch_embeddings(self, batch: list[TrainingExample]) -> tuple[Any, Any]:
        """(queries, positives then negatives) of the whole batch."""
        import torch

        if self.group.single:
            return self._embed([e.query for e in batch]), self._embed(
                [e.positive for e in batch] + [e.negative for e in batch]
            )
        mine, size = chunk(batch, self.group), len(batch)
        queries = gathered(self._embed([e.query for e in mine]), size, self.group)
        docs = self._embed([e.positive for e in mine] + [e.negative for e in mine])
        positives = gathered(docs[: len(mine)], size, self.group)
        return queries, torch.cat([positives, gathered(docs[len(mine) :], size, self.group)])

    def save(self, path: Path) -> None:
        self.model.save(str(path))

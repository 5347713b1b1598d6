"""Distillation of the cross-encoder into a student with fewer transformer layers.

The student starts as the teacher itself with some of its layers kept (evenly spaced, the last
one always among them, so the heads still read the kind of states they were trained on) and is
then trained like the teacher (`RerankerTrainer`, same held-out queries, same early stopping)
on the teacher's grades: each judged training pair's target is a blend of the teacher's grade
and the judged one, and unjudged pairs (the mined negatives and `extra_candidates` more BM25 hits
per query) get the teacher's grade. The teacher has never seen the held-out queries, so the
student is judged on them against the teacher, and is made the active reranker only when it
keeps at least `1 - max_relative_loss` of the teacher's held-out NDCG@10.
"""

from __future__ import annotations

import dataclasses
import random
import time
from collections.abc import Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.evaluate.trec import Judgments
from shelfwise.index import LexicalIndex
from shelfwise.models.reranker import CrossEncoderReranker, RelevanceNetwork
from shelfwise.records import Product
from shelfwise.train.reranker import (
    Log,
    RerankerTrainer,
    RerankerTrainingConfig,
    RerankerTrainingReport,
    TrainingPair,
)


class DistillationConfig(BaseModel):
    layers: int = Field(default=3, ge=1, description="transformer layers the student keeps")
    max_length: int | None = Field(
        default=None,
        ge=8,
        description="tokens of (query, text) the student reads; None = the teacher's (fewer is faster)",
    )
    teacher_weight: float = Field(
        default=0.7, ge=0, le=1, description="share of the teacher's grade in a judged pair's target"
    )
    extra_candidates: int = Field(
        default=4, ge=0, description="more unjudged BM25 hits per query, graded by the teacher"
    )
    max_relative_loss: float = Field(
        default=0.01,
        ge=0,
        lt=1,
        description="share of the teacher's held-out NDCG@10 the student may lose and still be published",
    )
    training: RerankerTrainingConfig = Field(
        default_factory=lambda: RerankerTrainingConfig(learning_rate=8e-5, batch_size=48)
    )


class DistillationReport(BaseModel):
    teacher: str
    layers_kept: list[int]
    teacher_layers: int
    pairs: int
    teacher_graded_pairs: int
    teacher_seconds: float
    teacher_validation_ndcg10: float
    teacher_validation_rmse: float
    student: RerankerTrainingReport


def kept_layers(total: int, keep: int) -> list[int]:
    """`keep` evenly spaced layer indices out of `total`, the first and the last among them."""
    if not 1 <= keep <= total:
        raise ValueError(f"the student keeps 1 to {total} layers, not {keep}")
    if keep == 1:
        return [total - 1]
    return sorted({round(i * (total - 1) / (keep - 1)) for i in range(keep)})


def student_of(teacher: Path, keep: int) -> tuple[RelevanceNetwork, list[int], int]:
    """The teacher's network with only `keep` of its layers: (network, kept indices, total)."""
    import torch

    network = RelevanceNetwork.load(teacher)
    layers = network.backbone.encoder.layer
    indices = kept_layers(len(layers), keep)
    network.backbone.encoder.layer = torch.nn.ModuleList([layers[i] for i in indices])
    network.backbone.config.num_hidden_layers = len(indices)
    return network, indices, len(layers)


class TeacherGrades:
    """The `relabel` step of the student's training: the teacher's grades as targets."""

    def __init__(self, teacher: CrossEncoderReranker, products: Mapping[str, Product],
                 config: DistillationConfig, log: Log) -> None:  # fmt: skip
        self.teacher = teacher
        self.products = products
        self.config = config
        self.log = log
        self.graded = 0
        self.seconds = 0.0

    def __call__(
        self, pairs: list[TrainingPair], training: Judgments, lexical: LexicalIndex
    ) -> list[TrainingPair]:
        rng = random.Random(self.config.training.seed)
        extra = []
        taken = {(p.query_id, p.text) for p in pairs}
        for qid in training.query_ids:
            query = training.queries[qid]
            hits = [h.product_id for h in lexical.search(query, 30)]
            pool = [pid for pid in hits if pid not in training.grades[qid] and pid in self.products
                    and (qid, self.products[pid].text()) not in taken]  # fmt: skip
            for pid in rng.sample(pool, min(self.config.extra_candidates, len(pool))):
                extra.append(TrainingPair(qid, query, self.products[pid].text(), 0.0, 1.0, -1, True))
        every = pairs + extra
        started = time.perf_counter()
        grades = self.teacher.predict([p.query for p in every], [p.text for p in every]).grades
        self.seconds = time.perf_counter() - started
        self.graded = len(every)
        self.log(
            f"the teacher graded {len(every)} pairs ({len(extra)} extra BM25 hits) in {self.seconds:.0f}s"
        )
        share = self.config.teacher_weight
        out = []
        for pair, grade in zip(every, grades.tolist(), strict=True):
            target = grade if pair.mined else share * grade + (1 - share) * pair.grade
            out.append(dataclasses.replace(pair, grade=float(target), weight=1.0))
        return out


def distill(
    teacher_folder: Path,
    judgments: Judgments,
    products: Mapping[str, Product],
    config: DistillationConfig,
    log: Log = print,
) -> tuple[RerankerTrainer, DistillationReport]:
    """Train a student of the reranker at `teacher_folder`; the trainer holds the student."""
    teacher = CrossEncoderReranker(teacher_folder, batch_size=128, threads=config.training.threads,
                                   runtime="onnx")  # fmt: skip
    network, indices, total = student_of(teacher_folder, config.layers)
    max_length = config.max_length or network.spec.max_length
    log(f"student: layers {indices} of the teacher's {total}, inputs of {max_length} tokens")
    trainer = RerankerTrainer(network, config.training.model_copy(update={"max_length": max_length}), log)
    relabel = TeacherGrades(teacher, products, config, log)
    report = trainer.fit(judgments, products, relabel=relabel)
    assert trainer.held_out is not None
    teacher_trainer = RerankerTrainer.from_saved(teacher_folder, config.training, log)
    teacher_ndcg, teacher_rmse = teacher_trainer.evaluate(trainer.held_out)
    log(
        f"held-out NDCG@10: teacher {teacher_ndcg:.4f}, student {report.validation_ndcg10_after:.4f}; "
        f"RMSE: teacher {teacher_rmse:.4f}, student {report.validation_rmse_after:.4f}"
    )
    return trainer, DistillationReport(
        teacher=str(teacher_folder),
        layers_kept=indices,
        teacher_layers=total,
        pairs=report.pairs,
        teacher_graded_pairs=relabel.graded,
        teacher_seconds=round(relabel.seconds, 1),
        teacher_validation_ndcg10=round(float(teacher_ndcg), 4),
        teacher_validation_rmse=round(float(teacher_rmse), 4),
        student=report,
    )


def student_is_good_enough(report: DistillationReport, config: DistillationConfig) -> bool:
    floor = report.teacher_validation_ndcg10 * (1 - config.max_relative_loss)
    return bool(np.isfinite(report.student.validation_ndcg10_after)) and (
        report.student.validation_ndcg10_after >= floor
    )

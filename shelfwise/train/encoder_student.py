"""Distillation of the bi-encoder's catalog side into a student with fewer layers.

Encoding the catalog is the bi-encoder's bulk work (every product, and all of them again after
each new encoder); on a CPU without int8 dot products the int8 network runs no faster than fp32,
so only a smaller network encodes several times faster. The student starts as the encoder with a
few of its layers kept (evenly spaced, the first and the last among them) and learns, on the
shop's own catalog texts, to put each text where the encoder puts it (loss: 1 - cosine to the
encoder's fp32 vector). Queries keep going through the full encoder (`models/split_encoder.py`),
so query understanding is unchanged and only the catalog side is approximated.

The student is judged on catalog texts it never trained on (mean cosine to the encoder's vectors)
and, given judgments, on how the judged queries rank the catalog (vector NDCG@10 of encoder
queries against student vectors, relative to encoder vectors); it is published only when both
hold (`min_cosine`, `max_relative_loss`).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, Field

from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.evaluate.trec import Judgments
from shelfwise.models.encoder import SentenceTransformerEncoder, mean_pooled
from shelfwise.train.distill import kept_layers
from shelfwise.train.early_stopping import BestWeights
from shelfwise.train.schedule import adamw_with_warmup

if TYPE_CHECKING:
    import torch

Log = Callable[[str], None]


class DocumentStudentConfig(BaseModel):
    layers: int = Field(default=2, ge=1, description="transformer layers the student keeps")
    epochs: int = Field(default=2, ge=1)
    batch_size: int = Field(default=64, ge=2)
    learning_rate: float = Field(default=1e-4, gt=0)
    weight_decay: float = 0.01
    warmup_fraction: float = Field(default=0.05, ge=0, lt=1)
    evaluations_per_epoch: int = Field(default=2, ge=1)
    max_texts: int = Field(
        default=100_000, ge=2, description="distinct catalog texts drawn for training and judging"
    )
    held_out: int = Field(default=2000, ge=1, description="texts kept out of training to judge the student")
    min_cosine: float = Field(
        default=0.9, gt=0, le=1, description="mean held-out cosine to the encoder the student must reach"
    )
    max_relative_loss: float = Field(
        default=0.05,
        ge=0,
        lt=1,
        description="with judgments: share of the encoder's vector NDCG@10 the student may lose",
    )
    seed: int = 13
    threads: int | None = None


class DocumentStudentReport(BaseModel):
    teacher: str
    teacher_network: str
    layers_kept: list[int]
    teacher_layers: int
    texts: int
    held_out: int
    steps: int
    best_step: int
    teacher_seconds: float
    training_seconds: float
    held_out_cosine_before: float
    held_out_cosine_after: float
    judged_queries: int = 0
    vector_ndcg10_teacher: float | None = None
    vector_ndcg10_student: float | None = None
    history: list[dict[str, float]] = Field(default_factory=list)


def student_network(teacher_folder: Path, keep: int) -> tuple[Any, list[int], int]:
    """The encoder (a SentenceTransformer) with only `keep` of its layers: (model, kept, total)."""
    from sentence_transformers import SentenceTransformer
    from transformers import PreTrainedModel

    model = SentenceTransformer(str(teacher_folder), device="cpu", local_files_only=True)
    backbone = model[0].auto_model
    if not isinstance(backbone, PreTrainedModel):
        raise ValueError(f"the encoder at {teacher_folder} has no transformers model as its first module")
    indices, total = keep_layers(backbone, keep, teacher_folder)
    backbone.config.num_hidden_layers = len(indices)
    return model, indices, total


def keep_layers(backbone: torch.nn.Module, keep: int, where: Path) -> tuple[list[int], int]:
    """Keeps `keep` evenly spaced layers of a BERT-style `backbone` (its `encoder.layer` stack)
    in place: (the kept indices, how many it had). `where` names the model in the error a
    backbone of another shape gets."""
    import torch

    encoder = getattr(backbone, "encoder", None)
    layers = getattr(encoder, "layer", None)
    if not isinstance(encoder, torch.nn.Module) or not isinstance(layers, torch.nn.ModuleList):
        raise ValueError(f"the encoder at {where} has no BERT-style stack of layers (encoder.layer): "
                         "a document student keeps a few of those")  # fmt: skip
    indices = kept_layers(len(layers), keep)
    encoder.layer = torch.nn.ModuleList([layers[i] for i in indices])
    return indices, len(layers)


class DocumentStudentTrainer:
    """Trains a student of `teacher` (a SentenceTransformerEncoder, fp32) on catalog texts."""

    def __init__(
        self, teacher: SentenceTransformerEncoder, config: DocumentStudentConfig, log: Log = print
    ) -> None:
        self.teacher = teacher
        self.config = config
        self.log = log
        self.model, self.layers_kept, self.teacher_layers = student_network(teacher.folder, config.layers)
        self._max_length = int(self.model[0].max_seq_length)
        self._placed: dict[str, np.ndarray] = {}  # the encoder's vectors of the training sample

    def student_vectors(self, texts: Sequence[str], batch_size: int = 128) -> np.ndarray:
        """The student's vectors (torch, fp32), batches sorted by length."""
        import torch

        transformer = self.model[0]
        transformer.eval()
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.teacher.dim), dtype=np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                rows = order[start : start + batch_size]
                out[rows] = mean_pooled(transformer, [texts[i] for i in rows], self._max_length).numpy()
        return out

    def fit(self, texts: Sequence[str], judgments: Judgments | None = None,
            pool: Sequence[tuple[str, str]] = ()) -> DocumentStudentReport:  # fmt: skip
        """Train on distinct `texts` (a sample of `max_texts` when there are more). `judgments`
        with `pool` ((product id, text) pairs, the products the judged queries rank) adds the
        ranking check."""
        import torch

        config = self.config
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        rng = random.Random(config.seed)
        distinct = sorted(set(texts))
        if len(distinct) < 2:
            raise ValueError("a document student needs at least 2 distinct catalog texts")
        sample = rng.sample(distinct, min(config.max_texts, len(distinct)))
        held_count = min(config.held_out, max(1, len(sample) // 10))
        held, train = sample[:held_count], sample[held_count:]
        started = time.perf_counter()
        teacher_vectors = self.teacher.encode(sample, kind="document")
        teacher_seconds = time.perf_counter() - started
        self._placed = dict(zip(sample, teacher_vectors, strict=True))
        self.log(f"the encoder placed {len(sample)} catalog texts in {teacher_seconds:.0f}s; student: "
                 f"layers {self.layers_kept} of its {self.teacher_layers}")  # fmt: skip
        held_targets = teacher_vectors[:held_count]

        def held_cosine() -> float:
            return float((self.student_vectors(held) * held_targets).sum(axis=1).mean())

        before = held_cosine()
        self.log(f"held-out cosine to the encoder before training: {before:.4f}")
        targets = torch.from_numpy(teacher_vectors[held_count:])
        best, training_seconds = self._train(train, targets, held_cosine, before, rng)
        report = DocumentStudentReport(
            teacher=str(self.teacher.folder),
            teacher_network=self.teacher.network_version,
            layers_kept=self.layers_kept,
            teacher_layers=self.teacher_layers,
            texts=len(train),
            held_out=len(held),
            steps=best.steps,
            best_step=best.step,
            teacher_seconds=round(teacher_seconds, 1),
            training_seconds=round(training_seconds, 1),
            held_out_cosine_before=round(before, 4),
            held_out_cosine_after=round(best.score, 4),
            history=best.history,
        )
        if judgments is not None and pool:
            report = self._judge_ranking(report, judgments, pool)
        return report

    def _train(
        self,
        train: list[str],
        targets: torch.Tensor,
        held_cosine: Callable[[], float],
        before: float,
        rng: random.Random,
    ) -> tuple[BestWeights, float]:
        """Epochs of AdamW on 1 - cosine to the encoder's vectors `targets` of `train`, judged
        by `held_cosine` every `evaluations_per_epoch`-th of an epoch (from `before`); the best
        weights are restored. Returns them with the seconds the training took."""
        import torch

        config = self.config
        batches_per_epoch = math.ceil(len(train) / config.batch_size)
        total = config.epochs * batches_per_epoch
        optimizer, schedule = adamw_with_warmup(
            self.model.parameters(), config.learning_rate, config.weight_decay, total, config.warmup_fraction
        )
        best = BestWeights(score=before)
        every = max(1, batches_per_epoch // config.evaluations_per_epoch)
        transformer = self.model[0]
        training_started = time.perf_counter()
        for epoch in range(config.epochs):
            for batch in self._batches(train, rng):
                transformer.train()
                vectors = mean_pooled(transformer, [train[i] for i in batch], self._max_length)
                loss = (1 - (vectors * targets[batch]).sum(dim=-1)).mean()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(self.model.parameters(), 1.0)
                optimizer.step()
                schedule.step()
                optimizer.zero_grad()
                best.steps += 1
                if best.steps % every == 0 or best.steps == total:
                    cosine = held_cosine()
                    best.history.append(
                        {"step": best.steps, "loss": float(loss.detach()), "held_out_cosine": cosine}
                    )
                    self.log(f"epoch {epoch + 1} step {best.steps}/{total}: held-out cosine {cosine:.4f} "
                             f"({time.perf_counter() - training_started:.0f}s)")  # fmt: skip
                    best.improve(cosine, self.model)
        best.restore(self.model)
        return best, time.perf_counter() - training_started

    def _batches(self, texts: Sequence[str], rng: random.Random) -> list[list[int]]:
        """Shuffled batches of texts of similar length (little padding), in shuffled order."""
        size = self.config.batch_size
        order = list(range(len(texts)))
        rng.shuffle(order)
        span = size * 50
        batches: list[list[int]] = []
        for start in range(0, len(order), span):
            chunk = sorted(order[start : start + span], key=lambda i: len(texts[i]))
            batches.extend(chunk[i : i + size] for i in range(0, len(chunk), size))
        rng.shuffle(batches)
        return batches

    def _judge_ranking(self, report: DocumentStudentReport, judgments: Judgments,
                       pool: Sequence[tuple[str, str]]) -> DocumentStudentReport:  # fmt: skip
        """Vector NDCG@10 of the judged queries over `pool`, with the encoder's and the student's
        catalog vectors (queries: the encoder's, as served)."""
        ids = [product_id for product_id, _ in pool]
        texts = [text for _, text in pool]
        queries = self.teacher.encode([judgments.queries[q] for q in judgments.query_ids], kind="query")
        scores = {}
        missing = sorted({t for t in texts if t not in self._placed})
        if missing:
            self._placed.update(zip(missing, self.teacher.encode(missing, kind="document"), strict=True))
        teacher_catalog = np.stack([self._placed[t] for t in texts])
        for name, catalog in (("teacher", teacher_catalog), ("student", self.student_vectors(texts))):
            scores[name] = vector_ndcg10(queries, catalog, ids, judgments)
        self.log(
            f"vector NDCG@10 of {len(judgments.query_ids)} judged queries over {len(ids)} products: "
            f"encoder {scores['teacher']:.4f}, student {scores['student']:.4f}"
        )
        return report.model_copy(update={
            "judged_queries": len(judgments.query_ids), "vector_ndcg10_teacher": round(scores["teacher"], 4),
            "vector_ndcg10_student": round(scores["student"], 4),
        })  # fmt: skip

    def save(self, path: Path) -> None:
        self.model.save(str(path))


def vector_ndcg10(
    queries: np.ndarray, catalog: np.ndarray, ids: Sequence[str], judgments: Judgments
) -> float:
    """Mean NDCG@10 of exact inner-product search, over the queries that have a gain."""
    k = min(10, len(ids))
    values = []
    for start in range(0, len(queries), 256):
        scores = queries[start : start + 256] @ catalog.T
        top = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        for row, qid in enumerate(judgments.query_ids[start : start + 256]):
            order = top[row][np.argsort(-scores[row, top[row]], kind="stable")]
            value = ndcg_at_k([ids[i] for i in order], judgments.grades[qid], 10)
            if value is not None:
                values.append(value)
    return float(np.mean(values)) if values else float("nan")


def student_is_good_enough(report: DocumentStudentReport, config: DocumentStudentConfig) -> bool:
    if not report.held_out_cosine_after >= config.min_cosine:
        return False
    if report.vector_ndcg10_teacher is None or report.vector_ndcg10_student is None:
        return True
    return report.vector_ndcg10_student >= report.vector_ndcg10_teacher * (1 - config.max_relative_loss)

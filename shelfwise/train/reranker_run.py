"""One fine-tuning run of the cross-encoder, held as an object: its batches (whole queries, drawn
for every epoch from the seed at the start), the optimizer and schedule, the early-stopping record.

`RerankerTrainer.fit` drives it in one process; the Ray Train loop (shelfwise/cluster/
fine_tuning.py) drives the same object on each worker, whose trainer's `group` makes every
step a data-parallel one (shelfwise/train/data_parallel.py). Both run the same `run` and the
trainer's same `_step`. A run's state is saved after each evaluation (`save`, safetensors plus
JSON) and loaded into a fresh run (`load`): the remaining steps give the uninterrupted run's weights.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shelfwise.evaluate.trec import Judgments
from shelfwise.train.data_parallel import all_agree
from shelfwise.train.early_stopping import BestWeights
from shelfwise.train.schedule import adamw_with_warmup
from shelfwise.train.training_state import load_training_state, save_training_state

if TYPE_CHECKING:
    from shelfwise.train.reranker import RerankerTrainer, TrainingPair


def query_batches(pairs: Sequence[TrainingPair], size: int, rng: random.Random) -> list[list[TrainingPair]]:
    """Shuffled batches of whole queries (so the ranking loss has pairs), about `size` pairs each."""
    by_query: dict[str, list[TrainingPair]] = {}
    for pair in pairs:
        by_query.setdefault(pair.query_id, []).append(pair)
    groups = list(by_query.values())
    rng.shuffle(groups)
    batches: list[list[TrainingPair]] = [[]]
    for group in groups:
        if batches[-1] and len(batches[-1]) + len(group) > size:
            batches.append([])
        batches[-1].extend(group)
    return [b for b in batches if b]


class RerankerRun:
    """Keeps the weights of the best validation score above `to_beat` (BM25's order); when none
    beats it, the last weights stay and the job does not publish them."""

    def __init__(
        self,
        trainer: RerankerTrainer,
        pairs: list[TrainingPair],
        held_out: Any,
        to_beat: float,
        training: Judgments,
    ) -> None:
        cfg = trainer.config
        self.trainer, self.pairs, self.held_out, self.to_beat, self.training = (
            trainer, pairs, held_out, to_beat, training
        )  # fmt: skip
        rng = random.Random(cfg.seed)
        epochs = [query_batches(pairs, cfg.batch_size, rng) for _ in range(cfg.epochs)]
        self.per_epoch = len(epochs[0])
        self.batches = [batch for batches in epochs for batch in batches]
        self.total = len(self.batches)
        self.optimizer, self.schedule = adamw_with_warmup(
            [p for p in trainer.network.parameters() if p.requires_grad],
            cfg.learning_rate,
            cfg.weight_decay,
            self.total,
            cfg.warmup_fraction,
        )
        self.eval_every = max(1, self.per_epoch // cfg.evaluations_per_epoch)
        self.best = BestWeights(score=to_beat)
        self.stopped = False

    @property
    def done(self) -> bool:
        return self.stopped or self.best.steps >= self.total

    def run(self, after_evaluation: Callable[[RerankerRun], None] | None = None) -> BestWeights:
        """The remaining steps; `after_evaluation` (a checkpoint) is called after each evaluation."""
        trainer, best = self.trainer, self.best
        started, first = time.perf_counter(), best.steps
        for batch in self.batches[best.steps :]:
            if self.stopped:
                break
            loss = trainer._step(batch, self.optimizer, self.schedule)
            best.steps += 1
            if best.steps % 20 == 0:
                rate = (time.perf_counter() - started) / (best.steps - first)
                trainer.log(f"step {best.steps}/{self.total} loss {loss:.4f} ({rate:.2f}s/step)")
            last = best.history[-1]["step"] if best.history else 0
            final = best.steps == self.total and best.steps - last > self.eval_every // 4
            if best.steps % self.eval_every and not final:
                continue
            self._evaluate(loss)
            if after_evaluation is not None:
                after_evaluation(self)
        if trainer.config.early_stopping:
            best.restore(trainer.network)
        return best

    def _evaluate(self, loss: float) -> None:
        trainer, best, cfg = self.trainer, self.best, self.trainer.config
        group = trainer.group  # the first worker scores; every worker takes its decision
        score, rmse = trainer.evaluate(self.held_out) if group.rank == 0 else (0.0, 0.0)
        score, rmse = all_agree(score, group), all_agree(rmse, group)
        best.history.append(
            {"step": best.steps, "epoch": best.steps / self.per_epoch, "loss": loss, "ndcg10": score,
             "rmse": rmse}
        )  # fmt: skip
        trainer.log(f"step {best.steps}/{self.total} validation NDCG@10 {score:.4f} RMSE {rmse:.4f}")
        if best.improve(score, trainer.network) or not cfg.early_stopping:
            return
        if best.waited >= cfg.patience:
            trainer.log("early stop: no validation gain")
            self.stopped = True

    def save(self, folder: Path) -> None:
        """The run's state in `folder`."""
        save_training_state(
            folder, self.trainer.network, self.optimizer, self.schedule, self.best, {"stopped": self.stopped}
        )

    def load(self, folder: Path) -> None:
        """Continue from the state `save` wrote for a run of the same model, config and data."""
        self.best, extra = load_training_state(folder, self.trainer.network, self.optimizer, self.schedule)
        self.stopped = bool(extra["stopped"])

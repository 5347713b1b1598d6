"""One fine-tuning run of the bi-encoder, held as an object: the optimizer and schedule, the
shuffling generator's state at the start of the current epoch, and the early-stopping record.

`EncoderTrainer.fit` drives it in one process; the Ray Train loop (shelfwise/cluster/
fine_tuning.py) drives the same object on each worker, whose trainer's `group` makes every
step a data-parallel one (shelfwise/train/data_parallel.py). Both run the same `run` and the
trainer's same `_step`; nothing of the loop is copied. A run's state is saved after each
evaluation (`save`, safetensors plus JSON) and loaded into a fresh run (`load`): the remaining
steps then give the weights of the uninterrupted run.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from shelfwise.evaluate.trec import Judgments
from shelfwise.records import Product
from shelfwise.train.data_parallel import all_agree
from shelfwise.train.early_stopping import BestWeights
from shelfwise.train.schedule import adamw_with_warmup
from shelfwise.train.training_state import (
    load_training_state,
    random_state,
    restore_random,
    save_training_state,
)

if TYPE_CHECKING:
    from shelfwise.train.encoder import EncoderTrainer, TrainingExample


class EncoderRun:
    """Epochs of shuffled batches; evaluates a few times an epoch, keeps the best weights, stops
    after `patience` evaluations without gain."""

    def __init__(
        self,
        trainer: EncoderTrainer,
        examples: list[TrainingExample],
        positives: Mapping[str, set[str]],
        validation: Judgments,
        products: Mapping[str, Product],
        before: float,
        train_queries: int,
    ) -> None:
        cfg = trainer.config
        self.trainer, self.examples, self.positives = trainer, examples, positives
        self.validation, self.products = validation, products
        self.before, self.train_queries = before, train_queries
        self.per_epoch = max(1, len(examples) // cfg.batch_size)
        self.total = self.per_epoch * cfg.epochs
        self.optimizer, self.schedule = adamw_with_warmup(
            trainer._network.parameters(),
            cfg.learning_rate,
            cfg.weight_decay,
            self.total,
            cfg.warmup_fraction,
        )
        self.eval_every = max(1, self.per_epoch // cfg.evaluations_per_epoch)
        self.best = BestWeights(score=before)
        self.epoch_random = random.Random(cfg.seed).getstate()  # the current epoch's shuffle
        self.stopped = False

    @property
    def done(self) -> bool:
        return self.stopped or self.best.steps >= self.total

    def run(self, after_evaluation: Callable[[EncoderRun], None] | None = None) -> BestWeights:
        """The remaining steps; `after_evaluation` (a checkpoint) is called after each evaluation.
        Ends with the best weights in the network."""
        best, size = self.best, self.trainer.config.batch_size
        while not self.done:
            rng = random.Random()
            rng.setstate(self.epoch_random)
            order = rng.sample(self.examples, len(self.examples))
            for start in range((best.steps % self.per_epoch) * size, self.per_epoch * size, size):
                loss = self.trainer._step(
                    order[start : start + size], self.positives, self.optimizer, self.schedule
                )
                best.steps += 1
                if best.steps % self.per_epoch == 0:
                    self.epoch_random = rng.getstate()  # the next epoch's
                if best.steps % self.eval_every and best.steps != self.total:
                    continue
                self._evaluate(loss)
                if after_evaluation is not None:
                    after_evaluation(self)
                if self.stopped:
                    break
        best.restore(self.trainer._network)
        return best

    def _evaluate(self, loss: float) -> None:
        trainer, best = self.trainer, self.best
        first = trainer.group.rank == 0  # the first worker scores; every worker takes its decision
        score = all_agree(trainer.evaluate(self.validation, self.products) if first else 0.0, trainer.group)
        best.history.append(
            {"step": best.steps, "epoch": best.steps / self.per_epoch, "loss": loss, "ndcg10": score}
        )
        trainer.log(f"step {best.steps}/{self.total} loss {loss:.4f} validation NDCG@10 {score:.4f}")
        if best.improve(score, trainer._network):
            trainer._checkpoint(best)
        elif best.waited >= trainer.config.patience:
            trainer.log("early stop: no validation gain")
            self.stopped = True

    def save(self, folder: Path) -> None:
        """The run's state in `folder`."""
        extra = {"epoch_random": random_state(_generator(self.epoch_random)), "stopped": self.stopped}
        save_training_state(folder, self.trainer._network, self.optimizer, self.schedule, self.best, extra)

    def load(self, folder: Path) -> None:
        """Continue from the state `save` wrote for a run of the same model, config and data."""
        self.best, extra = load_training_state(folder, self.trainer._network, self.optimizer, self.schedule)
        self.epoch_random = restore_random(extra["epoch_random"]).getstate()
        self.stopped = bool(extra["stopped"])


def _generator(state: tuple) -> random.Random:
    rng = random.Random()
    rng.setstate(state)
    return rng

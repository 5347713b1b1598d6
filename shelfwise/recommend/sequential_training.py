"""One training run of the sequential channel, held as an object: the network, its optimizers, the
shuffling generator and the early-stopping progress. `SequentialChannel.fit` drives it in one
process; the Ray Train loop (shelfwise/cluster/training.py) drives the same object on each worker,
with its loss module wrapped for DDP and each worker taking its slice of every batch. Both run the
same `step` and `run_epoch`; nothing of the loop is copied.

A run's state (weights, optimizer moments, random states, best weights so far, progress) is saved
to a folder as safetensors plus JSON (no pickle) and loaded back, so that a run resumed from a
checkpoint continues where it stopped: `save_state` then `load_state` into a fresh run, then the
remaining epochs, gives the same weights as the uninterrupted run.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.sequential_network import SequentialConfig, _optimizers, _SelfAttentive

STATE_FILE = "state.safetensors"
PROGRESS_FILE = "progress.json"


@dataclass
class TrainingProgress:
    """Where a run stands after its latest epoch (JSON in a checkpoint)."""

    epoch: int = 0  # epochs done
    best_score: float = -1.0
    stale: int = 0  # epochs since the best one
    done: bool = False
    losses: list[float] = field(default_factory=list)  # per predicted item, one per epoch


class SequenceLoss(nn.Module):
    """A batch's training loss as a module's forward (DDP synchronises gradients of what runs
    through its forward): a softmax over every item, or over `negatives` shared by the batch."""

    def __init__(self, model: _SelfAttentive) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, inputs: torch.Tensor, wanted: torch.Tensor, negatives: torch.Tensor | None = None
    ) -> torch.Tensor:
        mask = wanted > 0
        model = self.model
        if negatives is not None:
            return _sampled_loss(model, model(inputs)[mask], wanted[mask], negatives)
        table = model.item_table()
        logits = model(inputs, table)[mask] @ table[1:].T
        return F.cross_entropy(logits, wanted[mask] - 1)


def _sampled_loss(
    model: _SelfAttentive, hidden: torch.Tensor, wanted: torch.Tensor, negatives: torch.Tensor
) -> torch.Tensor:
    """Softmax of each true next item against random items shared by the batch (a random item
    that is the true one does not count against it)."""
    positive = (hidden * model.item_rows(wanted)).sum(dim=1, keepdim=True)
    negative = hidden @ model.item_rows(negatives).T
    negative = negative.masked_fill(negatives[None, :] == wanted[:, None], float("-inf"))
    logits = torch.cat([positive, negative], dim=1)
    return F.cross_entropy(logits, torch.zeros(len(logits), dtype=torch.long))


def left_padded(sequences: Sequence[np.ndarray], length: int) -> torch.Tensor:
    """Item indices shifted by one (0 pads), right-aligned in rows of `length`."""
    out = np.zeros((len(sequences), length), dtype=np.int64)
    for row, seq in enumerate(sequences):
        tail = np.asarray(seq[-length:], dtype=np.int64)
        if len(tail):
            out[row, length - len(tail) :] = tail + 1
    return torch.from_numpy(out)


class SequentialTraining:
    """A run from scratch over `data`'s sequences of at least two items (`trainable` says whether
    there is any). Seeds torch's global generator, as the single-process fit always did."""

    def __init__(self, config: SequentialConfig, data: TrainingData) -> None:
        self.config = cfg = config
        torch.set_num_threads(cfg.threads)
        torch.manual_seed(cfg.seed)
        self.generator = torch.Generator().manual_seed(cfg.seed)
        text = None
        if cfg.use_text and data.item_vectors is not None:
            text = torch.from_numpy(np.asarray(data.item_vectors, dtype=np.float32))
        self.sampled = data.n_items >= cfg.full_softmax_below
        self.model = _SelfAttentive(data.n_items, text, cfg, sparse=self.sampled)
        self.loss: nn.Module = SequenceLoss(self.model)  # the Ray path wraps it for DDP
        trainable = [s for s in data.sequences if len(s) >= 2]
        self.trainable = bool(trainable)
        self.inputs = left_padded([s[:-1] for s in trainable], cfg.max_length)
        self.targets = left_padded([s[1:] for s in trainable], cfg.max_length)
        self.optimizers = _optimizers(self.model, cfg.learning_rate, self.sampled) if trainable else []
        self.progress = TrainingProgress()
        self.best_state: dict[str, torch.Tensor] | None = None

    def step(self, rows: torch.Tensor, negatives: torch.Tensor | None) -> float:
        """One optimizer step on these rows; the loss summed over their predicted items."""
        wanted = self.targets[rows]
        loss = self.loss(self.inputs[rows], wanted, negatives)
        for optimizer in self.optimizers:
            optimizer.zero_grad()
        loss.backward()
        for optimizer in self.optimizers:
            optimizer.step()
        return loss.item() * int((wanted > 0).sum())

    def run_epoch(self, rank: int = 0, world: int = 1) -> tuple[float, int]:
        """One pass over the sequences in a random order (the same order on every worker: the
        generator is seeded alike), a batch a step, this worker taking rows `rank::world` of
        each batch. Returns the loss summed over this worker's predicted items, and their count."""
        self.model.train()
        batch_size, n_items = self.config.batch_size, self.model.ids.num_embeddings - 1
        order = torch.randperm(len(self.inputs), generator=self.generator)
        total, items = 0.0, 0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            rows = batch[rank::world] if len(batch) > rank else batch[:1]  # every worker steps (DDP)
            negatives = None
            if self.sampled:
                size = (self.config.sampled_negatives,)
                negatives = torch.randint(1, n_items + 1, size, generator=self.generator)
            total += self.step(rows, negatives)
            items += int((self.targets[rows] > 0).sum())
        return total, items

    def end_epoch(self, loss_per_item: float, score: float | None) -> None:
        """Record an epoch: keep the best weights by validation score, stop after `patience`
        epochs without gain or after the last epoch."""
        progress = self.progress
        progress.epoch += 1
        progress.losses.append(loss_per_item)
        if score is not None:
            if score > progress.best_score:
                progress.best_score, progress.stale = score, 0
                self.best_state = {k: v.detach().clone() for k, v in self.model.state_dict().items()}
            else:
                progress.stale += 1
                progress.done = progress.stale >= self.config.patience
        progress.done = progress.done or progress.epoch >= self.config.epochs

    def save_state(self, folder: Path) -> None:
        """The run's state in `folder` (made if missing): tensors in one safetensors file, the
        progress in JSON. The text vectors are left out (the data gives them again)."""
        from safetensors.torch import save_file

        tensors = {f"model.{k}": v for k, v in self.model.state_dict().items() if k != "text"}
        for i, optimizer in enumerate(self.optimizers):
            for index, moments in optimizer.state_dict()["state"].items():
                for name, value in moments.items():  # SparseAdam counts its steps in an int
                    key = f"optimizer.{i}.{index}.{name}"
                    tensors.update(
                        {key: value} if torch.is_tensor(value) else {f"{key}:int": torch.tensor(value)}
                    )
        for name, value in (self.best_state or {}).items():
            if name != "text":
                tensors[f"best.{name}"] = value
        tensors["random.generator"] = self.generator.get_state()
        tensors["random.torch"] = torch.get_rng_state()
        folder.mkdir(parents=True, exist_ok=True)
        save_file({k: v.detach().clone().contiguous() for k, v in tensors.items()}, str(folder / STATE_FILE))
        record = {**asdict(self.progress), "has_best": self.best_state is not None}
        (folder / PROGRESS_FILE).write_text(json.dumps(record), encoding="utf-8")

    def load_state(self, folder: Path) -> None:
        """Continue from a state `save_state` wrote for a run of the same data and config."""
        from safetensors.torch import load_file

        tensors = load_file(str(folder / STATE_FILE))
        record = json.loads((folder / PROGRESS_FILE).read_text(encoding="utf-8"))
        self.model.load_state_dict({**_prefixed(tensors, "model."), **self._text()})
        for i, optimizer in enumerate(self.optimizers):
            moments: dict[int, dict[str, torch.Tensor | int]] = {}
            for key, value in _prefixed(tensors, f"optimizer.{i}.").items():
                index, name = key.split(".", 1)
                name, _, kind = name.partition(":")
                moments.setdefault(int(index), {})[name] = int(value) if kind == "int" else value
            optimizer.load_state_dict(
                {"state": moments, "param_groups": optimizer.state_dict()["param_groups"]}
            )
        self.best_state = {**_prefixed(tensors, "best."), **self._text()} if record.pop("has_best") else None
        self.generator.set_state(tensors["random.generator"])
        torch.set_rng_state(tensors["random.torch"])
        self.progress = TrainingProgress(**record)

    def _text(self) -> dict[str, torch.Tensor]:
        """The text vectors the state leaves out, from this run's network."""
        text = self.model.state_dict().get("text")
        return {} if text is None else {"text": text}


def _prefixed(tensors: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}

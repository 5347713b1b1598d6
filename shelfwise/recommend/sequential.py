"""A self-attentive sequential recommender (SASRec-like) whose item representations add a
projection of the items' language-model text embeddings to learned id embeddings, trained with
a full softmax over the catalog at every position, with early stopping on held-out next items.

The text half lets items with few events borrow what their titles say; the id half learns what
titles do not. Two CPU cores train it on Amazon Beauty (12k items, 22k shoppers) at about
20 s an epoch.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path

import numpy as np
import torch

from shelfwise.recommend.artifact import read_channel_manifest, write_channel_manifest
from shelfwise.recommend.channel import Recalled, TrainingData, best_of, dot_all, row_dots
from shelfwise.recommend.item_index import ItemIndex
from shelfwise.recommend.reasons import Reason
from shelfwise.recommend.sequential_network import SequentialConfig, _SelfAttentive
from shelfwise.recommend.sequential_training import SequentialTraining, left_padded

logger = logging.getLogger(__name__)

EpochReport = Callable[[int, float, float | None, float], None]  # epoch, loss, validation ndcg, seconds
Validation = tuple[Sequence[np.ndarray], np.ndarray]  # histories and their true next items
# fits a channel somewhere else than in this process (on a Ray cluster: shelfwise/cluster/training.py)
SequentialFit = Callable[["SequentialChannel", TrainingData, Validation | None, EpochReport | None], None]


WEIGHTS_FILE = "weights.safetensors"
TABLE_FILE = "item_table.safetensors"


class SequentialChannel:
    name = "sequential"

    def __init__(self, config: SequentialConfig | None = None) -> None:
        self.config = config or SequentialConfig()
        self.model: _SelfAttentive | None = None
        self.epochs_trained = 0
        self.best_validation: float | None = None
        self._table: torch.Tensor | None = None  # item table of the fitted model, computed once
        self._item_index: ItemIndex | None = None

    def fit(
        self,
        data: TrainingData,
        validation: Validation | None = None,
        report: EpochReport | None = None,
    ) -> None:
        """Train from scratch. With `validation` (histories and their true next items), keep the
        weights of the epoch with the best NDCG@10 and stop after `patience` epochs without gain."""
        training = self.start_training(data)
        while training.trainable and not training.progress.done:
            started = time.perf_counter()
            total, items = training.run_epoch()
            score = None if validation is None else self.validation_ndcg(*validation)
            training.end_epoch(total / max(1, items), score)
            self.epochs_trained = training.progress.epoch
            if report is not None:
                report(
                    training.progress.epoch,
                    training.progress.losses[-1],
                    score,
                    time.perf_counter() - started,
                )
        self.finish_training(training)

    def start_training(self, data: TrainingData) -> SequentialTraining:
        """A fresh run over `data` whose network becomes this channel's model."""
        self._table, self._item_index = None, None
        training = SequentialTraining(self.config, data)
        self.model = training.model
        return training

    def finish_training(self, training: SequentialTraining) -> None:
        """Keep the best epoch's weights and freeze the item table serving reads."""
        model = training.model
        self.model, self.epochs_trained = model, training.progress.epoch
        if not training.trainable:
            return
        if training.best_state is not None:
            model.load_state_dict(training.best_state)
            self.best_validation = training.progress.best_score
        model.eval()
        with torch.inference_mode():
            self._table = model.item_table().clone()
        # serving reads the frozen table; the text vectors it was made from (a million items'
        # are 1.5 GB) are not kept twice
        model.release_text()

    def take_fitted(self, other: SequentialChannel) -> None:
        """Become `other`, a channel fitted elsewhere (on a cluster) and loaded from its folder."""
        self.config, self.model, self._table = other.config, other.model, other._table
        self.epochs_trained, self.best_validation = other.epochs_trained, other.best_validation
        self._item_index = other._item_index

    def validation_ndcg(
        self, histories: Sequence[np.ndarray], targets: np.ndarray, batch_size: int = 64
    ) -> float:
        """Mean NDCG@10 of the true next items ranked against every other item (in small
        batches: a batch's scores cover the whole catalog)."""
        assert self.model is not None
        self.model.eval()
        gains = []
        with torch.inference_mode():
            full = self.model.item_table()
            table = full[1:]
            for start in range(0, len(histories), batch_size):
                batch = histories[start : start + batch_size]
                hidden = self.model(left_padded(batch, self.config.max_length), full)[:, -1]
                scores = (hidden @ table.T).numpy()
                for row, history in enumerate(batch):
                    scores[row, history] = -np.inf
                truth = scores[np.arange(len(batch)), targets[start : start + len(batch)]]
                rank = (scores > truth[:, None]).sum(axis=1)
                gains.append(np.where(rank < 10, 1.0 / np.log2(rank + 2.0), 0.0))
        return float(np.concatenate(gains).mean()) if gains else 0.0

    def _item_table(self) -> torch.Tensor:
        """Row i + 1 is item i (row 0 pads)."""
        assert self.model is not None, "fit the channel first"
        return self.model.item_table() if self._table is None else self._table

    def hidden(self, histories: Sequence[np.ndarray], batch_size: int = 1024) -> np.ndarray:
        """The model's state after each history's latest item, (len(histories), dim); zeros for
        an empty history."""
        assert self.model is not None, "fit the channel first"
        if self.model.training:  # eval() walks every submodule: 0.25 ms a request when done each time
            self.model.eval()
        out = np.zeros((len(histories), self.config.dim), dtype=np.float32)
        with torch.inference_mode():
            full = self._item_table()
            for start in range(0, len(histories), batch_size):
                batch = histories[start : start + batch_size]
                states = self.model(left_padded(batch, self.config.max_length), full)[:, -1].numpy()
                states[np.array([len(h) == 0 for h in batch], dtype=bool)] = 0.0
                out[start : start + len(batch)] = states
        return out

    def score(self, histories: Sequence[np.ndarray], batch_size: int = 1024) -> np.ndarray:
        assert self.model is not None, "fit the channel first"
        with torch.inference_mode():
            table = self._item_table()[1:].numpy()
        out = np.zeros((len(histories), len(table)), dtype=np.float32)
        for start in range(0, len(histories), batch_size):
            batch = histories[start : start + batch_size]
            out[start : start + len(batch)] = dot_all(self.hidden(batch, batch_size), table)
        return out

    def prepare_recall(self) -> None:
        self._recall_index()

    def _recall_index(self) -> ItemIndex:
        """The item index `recall` searches, built now if it is not yet (fitting drops it)."""
        if self._item_index is None:
            with torch.inference_mode():
                table = self._item_table()[1:].numpy()
            self._item_index = ItemIndex(table, "flat", self.config.item_index)
        return self._item_index

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled:
        """Nearest item-table rows to each history's state (an item index, exact or IVF)."""
        index = self._recall_index()
        longest = max((len(h) for h in histories), default=0)
        states = self.hidden(histories)
        items, scores = index.search(states, depth + longest)
        return Recalled(*best_of(histories, items, scores, depth), partial(self._pairs, states))

    def score_pairs(self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return self._pairs(self.hidden(histories), rows, items)

    def _pairs(self, states: np.ndarray, rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        with torch.inference_mode():
            table = self._item_table()[1:].numpy()
        return row_dots(states, rows, table, items)

    def reason(self, history: np.ndarray, item: int) -> Reason | None:
        """Sequential picks follow from the shopper's latest item."""
        return None if len(history) == 0 else Reason("after", int(history[-1]))

    def save(self, folder: Path) -> None:
        """manifest.json, the network's weights and the frozen item table (safetensors), and
        the item index when it was built. The text vectors are not kept: the table holds what
        the network made of them."""
        from safetensors.torch import save_file

        assert self.model is not None, "fit the channel first"
        folder.mkdir(parents=True, exist_ok=True)
        with torch.inference_mode():
            table = self._item_table().detach().clone().contiguous()
        # the text vectors, when a fit stopped before releasing them, live on in the table
        state = {k: v.detach().contiguous() for k, v in self.model.state_dict().items() if k != "text"}
        save_file(state, str(folder / WEIGHTS_FILE))
        save_file({"table": table}, str(folder / TABLE_FILE))
        if self._item_index is not None:
            self._item_index.save(folder / "item_index")
        projection = self.model.text_projection
        sizes = {"items": self.model.ids.num_embeddings - 1, "dim": self.config.dim,
                 "text_dim": None if projection is None else projection.in_features}  # fmt: skip
        write_channel_manifest(
            folder, self.name, self.config, sizes, epochs_trained=self.epochs_trained,
            best_validation=self.best_validation, item_index=self._item_index is not None,
        )  # fmt: skip

    @classmethod
    def load(cls, folder: Path) -> SequentialChannel:
        from safetensors.torch import load_file

        manifest = read_channel_manifest(folder, cls.name)
        channel = cls(SequentialConfig.model_validate(manifest["config"]))
        sizes = manifest["sizes"]
        channel.model = _SelfAttentive.empty(int(sizes["items"]), sizes["text_dim"], channel.config)
        channel.model.load_state_dict(load_file(str(folder / WEIGHTS_FILE)))
        channel.model.eval()
        channel._table = load_file(str(folder / TABLE_FILE))["table"]
        channel.epochs_trained = manifest["epochs_trained"]
        channel.best_validation = manifest["best_validation"]
        channel._item_index = ItemIndex.load(folder / "item_index") if manifest["item_index"] else None
        return channel

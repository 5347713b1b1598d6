"""The sequential channel's training run, shared by the single-process fit and the Ray Train loop
(shelfwise/cluster/training.py): a run saved after some epochs and loaded into a fresh run
continues to exactly the weights of the uninterrupted fit, and a worker's slice of each batch
covers, with the other workers', every sequence once an epoch. No Ray here."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig
from shelfwise.recommend.sequential_training import SequentialTraining

N_ITEMS = 40
SAMPLED = {"full_softmax_below": 10, "sampled_negatives": 16}


def _data(seed: int = 0) -> tuple[TrainingData, tuple[list[np.ndarray], np.ndarray]]:
    rng = np.random.default_rng(seed)
    sequences = [rng.integers(0, N_ITEMS, size=int(rng.integers(2, 9))) for _ in range(90)]
    vectors = rng.normal(size=(N_ITEMS, 8)).astype(np.float32)
    data = TrainingData(tuple(f"p{i}" for i in range(N_ITEMS)), sequences, None, vectors)
    histories = [s[:-1] for s in sequences[:30]]
    return data, (histories, np.array([s[-1] for s in sequences[:30]]))


def _config(**extra: object) -> SequentialConfig:
    return SequentialConfig.model_validate(
        {"epochs": 5, "patience": 2, "batch_size": 16, "dim": 8, "heads": 2, "layers": 1, "max_length": 8,
         "threads": 1, "seed": 3, **extra}
    )  # fmt: skip


def _weights(channel: SequentialChannel) -> dict[str, torch.Tensor]:
    assert channel.model is not None
    return {k: v.clone() for k, v in channel.model.state_dict().items()}


def _epochs(channel: SequentialChannel, training: SequentialTraining, validation: tuple, count: int) -> None:
    """The fit's loop, `count` epochs at most."""
    for _ in range(count):
        if training.progress.done:
            return
        total, items = training.run_epoch()
        training.end_epoch(total / items, channel.validation_ndcg(*validation))


@pytest.mark.parametrize("extra", [{}, SAMPLED, {"use_text": False}], ids=["full", "sampled", "no-text"])
def test_a_run_resumed_from_its_saved_state_ends_with_the_uninterrupted_weights(
    tmp_path: Path, extra: dict[str, object]
) -> None:
    data, validation = _data()
    straight = SequentialChannel(_config(**extra))
    losses: list[float] = []
    straight.fit(data, validation, report=lambda epoch, loss, score, seconds: losses.append(loss))

    first = SequentialChannel(_config(**extra))
    interrupted = first.start_training(data)
    _epochs(first, interrupted, validation, 2)
    interrupted.save_state(tmp_path / "checkpoint")
    _epochs(first, interrupted, validation, 1)  # what the lost worker did after its checkpoint

    second = SequentialChannel(_config(**extra))
    resumed = second.start_training(data)
    resumed.load_state(tmp_path / "checkpoint")
    assert resumed.progress.epoch == 2 and resumed.progress.losses == losses[:2]
    _epochs(second, resumed, validation, 100)
    second.finish_training(resumed)

    assert resumed.progress.losses == losses
    assert (
        second.epochs_trained == straight.epochs_trained
        and second.best_validation == straight.best_validation
    )
    for name, value in _weights(straight).items():
        assert torch.equal(value, _weights(second)[name]), name
    assert second._table is not None and straight._table is not None
    assert torch.equal(second._table, straight._table)


def test_the_state_folder_holds_safetensors_and_json_only(tmp_path: Path) -> None:
    data, validation = _data()
    channel = SequentialChannel(_config())
    training = channel.start_training(data)
    _epochs(channel, training, validation, 1)
    training.save_state(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["progress.json", "state.safetensors"]


@pytest.mark.parametrize("world", [2, 3])
def test_the_workers_slices_cover_every_sequence_once_an_epoch(world: int) -> None:
    data, _ = _data()
    seen: list[list[int]] = []
    counts = []
    for rank in range(world):
        training = SequentialChannel(_config(batch_size=7)).start_training(data)
        rows_seen: list[int] = []
        training.step = lambda rows, negatives, seen_here=rows_seen: seen_here.extend(rows.tolist()) or 0.0  # type: ignore[method-assign]
        counts.append(training.run_epoch(rank, world)[1])
        seen.append(rows_seen)
    everything = sorted(row for rows in seen for row in rows)
    n = len(training.inputs)
    # a last batch smaller than the workers gives the short ones its first row again
    assert set(everything) == set(range(n)) and len(everything) - n < world
    assert sum(counts) >= int((training.targets > 0).sum())


def test_one_worker_runs_the_single_process_epoch() -> None:
    data, _ = _data()
    a = SequentialChannel(_config()).start_training(data)  # each run seeds torch's generator: run in turn
    a_loss = a.run_epoch()
    b = SequentialChannel(_config()).start_training(data)
    assert b.run_epoch(0, 1) == a_loss
    for (name, left), right in zip(a.model.state_dict().items(), b.model.state_dict().values(), strict=True):
        assert torch.equal(left, right), name

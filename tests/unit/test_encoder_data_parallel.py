"""The bi-encoder's training run, shared by the single-process fit and the Ray Train loop
(shelfwise/cluster/fine_tuning.py): a step of two workers (a gloo process group of two
processes, no Ray) computes the loss and the gradients one process computes over the whole batch,
in-batch negatives included; a run saved after an evaluation and loaded into a fresh run ends with
the uninterrupted run's weights; the chunks of a batch cover it once, in order."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import torch

from shelfwise.models import bundled_minilm_path
from shelfwise.train import EncoderTrainer, EncoderTrainingConfig
from shelfwise.train.data_parallel import Group, chunk, chunk_bounds
from shelfwise.train.encoder import TrainingExample
from tests.judged_set import JUDGMENTS, PRODUCTS, TITLES

pytestmark = pytest.mark.slow

CONFIG = EncoderTrainingConfig(epochs=2, batch_size=4, validation_fraction=0.3, distractors=5,
                               learning_rate=5e-5, patience=4, encoder_negatives=0, threads=1,
                               max_length=16)  # fmt: skip
# five examples, two of them another positive of the same query (a masked in-batch negative)
BATCH = [
    TrainingExample("q1", "angle bracket", TITLES["1"], TITLES["9"]),
    TrainingExample("q1", "angle bracket", TITLES["2"], TITLES["9"]),
    TrainingExample("q2", "deck paint", TITLES["3"], TITLES["10"]),
    TrainingExample("q4", "pvc pipe", TITLES["7"], TITLES["5"]),
    TrainingExample("q8", "shower faucet", TITLES["6"], TITLES["8"]),
]
POSITIVES = {"q1": {TITLES["1"], TITLES["2"]}, "q2": {TITLES["3"]}, "q4": {TITLES["7"]}, "q8": {TITLES["6"]}}


class _Recorder:
    """An optimizer that records the gradients it is asked to apply (and applies none)."""

    def __init__(self, network: torch.nn.Module) -> None:
        self.network, self.gradients = network, {}

    def step(self) -> None:
        self.gradients = {k: p.grad.clone() for k, p in self.network.named_parameters() if p.grad is not None}

    def zero_grad(self) -> None:
        self.network.zero_grad()


class _NoSchedule:
    def step(self) -> None:
        pass


def _step(group: Group) -> tuple[float, dict[str, torch.Tensor]]:
    """One step on BATCH without dropout (its masks are random): the loss and the gradients."""
    trainer = EncoderTrainer(bundled_minilm_path(), CONFIG, log=lambda _: None)
    for module in trainer._network.modules():
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.0
    trainer.group = group
    recorder = _Recorder(trainer._network)
    loss = trainer._step(BATCH, POSITIVES, recorder, _NoSchedule())
    return loss, recorder.gradients


def _worker(rank: int, world: int, init_file: str, out: str) -> None:
    import torch.distributed as dist

    dist.init_process_group("gloo", init_method=f"file://{init_file}", rank=rank, world_size=world)
    try:
        loss, gradients = _step(Group(rank, world))
        from safetensors.torch import save_file

        save_file({**gradients, "loss": torch.tensor([loss])}, f"{out}.rank{rank}")
    finally:
        dist.destroy_process_group()


def test_a_step_of_two_workers_is_the_step_of_one_process_over_the_whole_batch(tmp_path: Path) -> None:
    from safetensors.torch import load_file

    out = str(tmp_path / "gradients")
    torch.multiprocessing.spawn(_worker, args=(2, str(tmp_path / "init"), out), nprocs=2, join=True)
    loss, gradients = _step(Group())
    assert gradients and loss > 0
    for rank in range(2):
        got = load_file(f"{out}.rank{rank}")
        assert float(got.pop("loss")[0]) == pytest.approx(loss, rel=1e-5)
        assert set(got) == set(gradients)
        for name, gradient in gradients.items():
            torch.testing.assert_close(got[name], gradient, rtol=1e-4, atol=1e-6, msg=name)


def _digest(network: torch.nn.Module) -> str:
    digest = hashlib.sha256()
    for name, value in sorted(network.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.numpy().tobytes())
    return digest.hexdigest()


class _Interrupted(Exception):
    pass


def test_a_run_resumed_from_its_saved_state_ends_with_the_uninterrupted_weights(tmp_path: Path) -> None:
    whole = EncoderTrainer(bundled_minilm_path(), CONFIG, log=lambda _: None)
    report = whole.fit(JUDGMENTS, PRODUCTS)
    assert report.steps == 4 and len(report.history) == 4  # two steps an epoch, evaluated after each

    def save_then_stop(run: Any) -> None:
        if run.best.steps == 3:  # within the second epoch: its shuffle is taken up where it stopped
            run.save(tmp_path / "state")
            raise _Interrupted

    first = EncoderTrainer(bundled_minilm_path(), CONFIG, log=lambda _: None)
    with pytest.raises(_Interrupted):
        first.start(JUDGMENTS, PRODUCTS).run(save_then_stop)
    resumed = EncoderTrainer(bundled_minilm_path(), CONFIG, log=lambda _: None)
    run = resumed.start(JUDGMENTS, PRODUCTS)
    run.load(tmp_path / "state")
    assert run.best.steps == 3
    run.run()
    assert run.best.history == report.history
    assert _digest(resumed._network) == _digest(whole._network)


@pytest.mark.parametrize("size,world", [(5, 2), (4, 2), (7, 3), (2, 2)])
def test_the_chunks_of_a_batch_cover_it_once_in_order(size: int, world: int) -> None:
    items = list(range(size))
    chunks = [chunk(items, Group(rank, world)) for rank in range(world)]
    assert [x for part in chunks for x in part] == items
    assert max(map(len, chunks)) - min(map(len, chunks)) <= 1
    assert len(chunk_bounds(size, Group(0, world))) == world

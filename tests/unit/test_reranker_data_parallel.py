"""The cross-encoder's training run, shared by the single-process fit and the Ray Train loop
(shelfwise/cluster/fine_tuning.py): a step of two workers (a gloo process group of two
processes, no Ray) computes the loss and the gradients one process computes over the whole batch
(grade, pairwise and class losses); a run saved after an evaluation and loaded into a fresh run
ends with the uninterrupted run's weights."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
import torch

from shelfwise.models import bundled_minilm_path
from shelfwise.train import RerankerTrainer, RerankerTrainingConfig
from shelfwise.train.data_parallel import Group
from shelfwise.train.reranker import TrainingPair
from tests.judged_set import JUDGMENTS, PRODUCTS, TITLES

pytestmark = pytest.mark.slow

CONFIG = RerankerTrainingConfig(epochs=3, batch_size=6, validation_fraction=0.3, evaluations_per_epoch=2,
                                patience=3, max_length=16, threads=1, mined_negatives=1)  # fmt: skip
CLASSES = ("exact", "substitute", "complement", "irrelevant")
# seven pairs of three queries, some with a class label, one mined
BATCH = [
    TrainingPair("q1", "angle bracket", TITLES["1"], 3.0, 1.0, 0),
    TrainingPair("q1", "angle bracket", TITLES["2"], 2.67, 1.0, 1),
    TrainingPair("q1", "angle bracket", TITLES["9"], 1.0, 1.0, -1),
    TrainingPair("q2", "deck paint", TITLES["3"], 3.0, 1.0, 0),
    TrainingPair("q2", "deck paint", TITLES["10"], 1.0, 0.0, 3, True),
    TrainingPair("q4", "pvc pipe", TITLES["7"], 3.0, 1.0, -1),
    TrainingPair("q4", "pvc pipe", TITLES["5"], 1.0, 1.0, 3),
]


def _trainer(classes: tuple[str, ...] = ()) -> RerankerTrainer:
    torch.manual_seed(0)  # the new heads' initial weights
    return RerankerTrainer.from_base(bundled_minilm_path(), CONFIG, classes, log=lambda _: None)


class _Recorder:
    """An optimizer that records the gradients it is asked to apply (and applies none)."""

    def __init__(self, network: Any) -> None:
        self.network, self.gradients = network, {}

    def step(self) -> None:
        parameters = enumerate(self.network.parameters())
        self.gradients = {str(i): p.grad.clone() for i, p in parameters if p.grad is not None}

    def zero_grad(self) -> None:
        for parameter in self.network.parameters():
            parameter.grad = None


class _NoSchedule:
    def step(self) -> None:
        pass


def _step(group: Group) -> tuple[float, dict[str, torch.Tensor]]:
    """One step on BATCH without dropout (its masks are random): the loss and the gradients."""
    trainer = _trainer(CLASSES)
    for part in [*trainer.network.modules(), trainer.network.dropout]:
        for module in part.modules():
            if isinstance(module, torch.nn.Dropout):
                module.p = 0.0
    trainer.group = group
    recorder = _Recorder(trainer.network)
    loss = trainer._step(BATCH, recorder, _NoSchedule())
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


def _digest(network: Any) -> str:
    digest = hashlib.sha256()
    for name, value in sorted(network.state_dict().items()):
        digest.update(name.encode())
        digest.update(value.numpy().tobytes())
    return digest.hexdigest()


class _Interrupted(Exception):
    pass


def test_a_run_resumed_from_its_saved_state_ends_with_the_uninterrupted_weights(tmp_path: Path) -> None:
    whole = _trainer()
    report = whole.fit(JUDGMENTS, PRODUCTS)
    assert report.steps >= 3 and len(report.history) >= 2
    stop_at = int(report.history[0]["step"])

    def save_then_stop(run: Any) -> None:
        if run.best.steps == stop_at:
            run.save(tmp_path / "state")
            raise _Interrupted

    with pytest.raises(_Interrupted):
        _trainer().start(JUDGMENTS, PRODUCTS).run(save_then_stop)
    resumed = _trainer()
    run = resumed.start(JUDGMENTS, PRODUCTS)
    run.load(tmp_path / "state")
    assert run.best.steps == stop_at
    run.run()
    assert run.best.history == report.history
    assert _digest(resumed.network) == _digest(whole.network)

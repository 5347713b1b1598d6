"""Training on the cluster with Ray Train (issue 29 part 3): the sequential recommender's network
trained by `TorchTrainer` on N workers, DDP over gloo on CPU, one thread a worker.

Every worker builds the same run (`SequentialTraining`, seeded alike), wraps its loss module with
`prepare_model` (DDP: gradients averaged over the workers at each step) and takes its slice of
every batch (rows `rank::world`), so a step of N workers sees the batch one process would. The
single-process fit runs the very same `run_epoch` and `step` (shelfwise/recommend/
sequential_training.py). After each epoch the first worker scores the validation histories (the
score is broadcast: every worker takes the same early-stopping decision) and reports a checkpoint,
the run's whole state, to Ray Train, which stores it under `ARTIFACT_ROOT/training/RUN/`. When a
worker dies, Ray Train restarts the group (`FailureConfig(max_failures)`) and each worker loads the
latest checkpoint (`ray.train.get_checkpoint()`): the run goes on from that epoch, not from zero.
The last report carries the fitted channel's folder, which the driver loads.

Each worker writes `workers/rank<R>-pid<PID>.json` (its pid and node) and the first one appends
`epochs.jsonl` (one line an epoch, with the epoch the attempt resumed at) in the run's folder.
Ray is imported inside functions only: importing this module loads neither Ray nor a cluster.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from shelfwise.cluster.state import ClusterState
from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.sequential import (
    EpochReport,
    SequentialChannel,
    SequentialConfig,
    SequentialFit,
    Validation,
)
from shelfwise.recommend.sequential_training import SequentialTraining

EPOCHS_LOG = "epochs.jsonl"
WORKERS_FOLDER = "workers"
CHANNEL_FOLDER = "channel"
SETUP_HOOK = "shelfwise.cluster.training.use_node_interface"


@dataclass(frozen=True)
class ClusterTraining:
    """How a run trains on a cluster: its address, the shared artifact root (checkpoints go to
    `training/` under it), N workers of `threads` threads, how many worker losses it survives."""

    address: str
    artifact_root: Path
    workers: int = 2
    threads: int = 1
    max_failures: int = 2
    run_name: str = field(default_factory=lambda: f"sequential-{datetime.now(UTC):%Y%m%dT%H%M%S%f}")
    connect_timeout_s: float = 60.0

    @classmethod
    def from_state(cls, state: ClusterState, workers: int = 2) -> ClusterTraining:
        """The cluster `shelfwise cluster up` recorded in a data folder."""
        return cls(state.address, Path(state.artifact_root), workers=workers)

    @property
    def storage(self) -> Path:
        return self.artifact_root / "training"

    @property
    def run_folder(self) -> Path:
        return self.storage / self.run_name


@dataclass(frozen=True)
class EpochRecord:
    """One line of a run's `epochs.jsonl`."""

    epoch: int
    loss: float
    validation_ndcg: float | None
    seconds: float
    resumed_at: int  # the epoch this attempt started from (0: from scratch)
    pid: int


def read_epochs(run_folder: Path) -> list[EpochRecord]:
    path = run_folder / EPOCHS_LOG
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    return [EpochRecord(**json.loads(line)) for line in lines if line.strip()]


def use_node_interface() -> None:
    """Ray's worker setup hook: gloo binds the network interface holding this node's Ray address
    (by default it binds the host name's, which another node may not reach)."""
    import psutil
    import ray

    address = ray.util.get_node_ip_address()
    for name, addresses in psutil.net_if_addrs().items():
        if any(entry.address == address for entry in addresses):
            os.environ["GLOO_SOCKET_IFNAME"] = name
            return


def fit_on_cluster(cluster: ClusterTraining) -> SequentialFit:
    """A `SequentialFit` that trains the channel on `cluster` (for `Recommender(sequential_fit=)`)."""

    def fit(
        channel: SequentialChannel,
        data: TrainingData,
        validation: Validation | None = None,
        report: EpochReport | None = None,
    ) -> None:
        fitted = train_sequential(cluster, channel.config, data, validation)
        channel.take_fitted(fitted)
        for record in read_epochs(cluster.run_folder):
            if report is not None:
                report(record.epoch, record.loss, record.validation_ndcg, record.seconds)

    return fit


def train_sequential(
    cluster: ClusterTraining,
    config: SequentialConfig,
    data: TrainingData,
    validation: Validation | None = None,
) -> SequentialChannel:
    """Train on the cluster; the fitted channel, loaded from the run's last checkpoint."""
    cluster.run_folder.mkdir(parents=True, exist_ok=True)
    config = config.model_copy(update={"threads": cluster.threads})

    def loop_config() -> dict[str, Any]:
        import ray

        return {"config": config.model_dump(mode="json"), "data": ray.put(data),
                "validation": ray.put(validation), "run_folder": str(cluster.run_folder)}  # fmt: skip

    with last_checkpoint(cluster, _sequential_loop, loop_config) as folder:
        return SequentialChannel.load(folder / CHANNEL_FOLDER)


@contextmanager
def last_checkpoint(
    cluster: ClusterTraining,
    loop: Callable[[dict[str, Any]], None],
    loop_config: Callable[[], dict[str, Any]],
) -> Iterator[Path]:
    """Run `loop` on the cluster's workers (`TorchTrainer`, gloo, one CPU each, checkpoints under
    the run's folder, restarts on a worker's loss) and yield the folder of its last checkpoint.
    Connects first unless this process already is (then `loop_config()`, which may `ray.put`,
    builds the loop's argument) and disconnects after, if it connected."""
    import ray
    from ray.train import CheckpointConfig, FailureConfig, RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=cluster.address, log_to_driver=False, logging_level=logging.ERROR,
                 runtime_env={"worker_process_setup_hook": SETUP_HOOK})  # fmt: skip
    try:
        trainer = TorchTrainer(
            loop,
            train_loop_config=loop_config(),
            torch_config=TorchConfig(backend="gloo"),
            scaling_config=ScalingConfig(num_workers=cluster.workers, resources_per_worker={"CPU": 1}),
            run_config=RunConfig(
                name=cluster.run_name,
                storage_path=str(cluster.storage),
                failure_config=FailureConfig(max_failures=cluster.max_failures),
                checkpoint_config=CheckpointConfig(num_to_keep=2),
            ),  # fmt: skip
        )
        result = trainer.fit()
        if result.checkpoint is None:
            raise RuntimeError(f"training run {cluster.run_name} ended without a checkpoint")
        with result.checkpoint.as_directory() as folder:
            yield Path(folder)
    finally:
        if started_here:
            ray.shutdown()


def _sequential_loop(loop_config: dict[str, Any]) -> None:
    """What each Ray Train worker runs."""
    import ray
    import ray.train
    import torch
    from ray.train.torch import prepare_model

    context = ray.train.get_context()
    rank, world = context.get_world_rank(), context.get_world_size()
    run_folder = Path(loop_config["run_folder"])
    _record_worker(run_folder, rank)
    channel = SequentialChannel(SequentialConfig.model_validate(loop_config["config"]))
    training = channel.start_training(ray.get(loop_config["data"]))
    validation = ray.get(loop_config["validation"])
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as folder:
            training.load_state(Path(folder))
    resumed_at = training.progress.epoch
    if world > 1:
        training.loss = prepare_model(training.loss, move_to_device=False,
                                      parallel_strategy_kwargs={"broadcast_buffers": False})  # fmt: skip
    while training.trainable and not training.progress.done:
        started = time.perf_counter()
        # dropout differs between workers, and is the same again when an epoch is rerun
        torch.manual_seed(channel.config.seed + 7919 * (rank + 1) + training.progress.epoch)
        total, items = _all_sum(world, *training.run_epoch(rank, world))
        score = _validation_score(channel, validation, rank, world)
        training.end_epoch(total / max(1, items), score)
        record = EpochRecord(training.progress.epoch, training.progress.losses[-1], score,
                             time.perf_counter() - started, resumed_at, os.getpid())  # fmt: skip
        _report(training, channel, record, rank, run_folder)
    if not training.trainable:  # no sequence to learn from: the untrained channel, as in one process
        _report(training, channel, None, rank, run_folder)


def _all_sum(world: int, total: float, items: int) -> tuple[float, int]:
    """The loss and item counts summed over the workers."""
    import torch
    import torch.distributed as dist

    if world == 1:
        return total, items
    sums = torch.tensor([total, float(items)], dtype=torch.float64)
    dist.all_reduce(sums)
    return float(sums[0]), int(sums[1])


def _validation_score(
    channel: SequentialChannel, validation: Validation | None, rank: int, world: int
) -> float | None:
    """The first worker's validation NDCG@10, the same on every worker (the weights are)."""
    import torch
    import torch.distributed as dist

    if validation is None:
        return None
    score = torch.tensor([channel.validation_ndcg(*validation) if rank == 0 else 0.0], dtype=torch.float64)
    if world > 1:
        dist.broadcast(score, src=0)
    return float(score[0])


def _report(
    training: SequentialTraining,
    channel: SequentialChannel,
    record: EpochRecord | None,
    rank: int,
    run_folder: Path,
) -> None:
    """Every worker reports (Ray Train waits for all); the first one with the run's state as a
    checkpoint, and, after the last epoch, with the fitted channel beside it."""
    import tempfile

    import ray.train

    metrics = {"epoch": training.progress.epoch, "done": training.progress.done}
    if rank != 0:
        ray.train.report(metrics)
        return
    with tempfile.TemporaryDirectory(prefix="sw-checkpoint-") as folder:
        training.save_state(Path(folder))
        if training.progress.done or not training.trainable:
            finished = SequentialChannel(channel.config)
            finished.model = channel.model
            finished.finish_training(training)
            finished.save(Path(folder) / CHANNEL_FOLDER)
        if record is not None:
            with open(run_folder / EPOCHS_LOG, "a", encoding="utf-8") as log:
                log.write(json.dumps(record.__dict__) + "\n")
        ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))


def _record_worker(run_folder: Path, rank: int) -> None:
    import ray

    folder = run_folder / WORKERS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    record = {"rank": rank, "pid": os.getpid(), "node_ip": ray.util.get_node_ip_address(), "at": time.time()}
    (folder / f"rank{rank}-pid{os.getpid()}.json").write_text(json.dumps(record), encoding="utf-8")

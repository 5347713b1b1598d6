"""The bi-encoder's and the cross-encoder's fine-tuning on the cluster with Ray Train (issue 29
part 3): `TorchTrainer` on N workers over gloo on CPU, one thread a worker.

Every worker builds the same run (`EncoderTrainer.start` / `RerankerTrainer.start`: the same seeded
split, examples and optimizer) from the base model's folder, which every node must see (the bundled
MiniLM is in the package; a fine-tuned base lies under the shared artifact root). Its trainer's
`group` makes each step data-parallel (shelfwise/train/data_parallel.py): a worker runs its chunk
of the batch, the batch's outputs are gathered so that the loss is the whole batch's (the
bi-encoder's in-batch negatives, the cross-encoder's pairs of a query) and the gradients are
summed. The first worker scores the validation queries and every worker takes its decision. After
each evaluation the first worker reports the run's state (`EncoderRun.save`, `RerankerRun.save`:
weights, optimizer, schedule, best weights, random states; safetensors+JSON) as a checkpoint,
which Ray Train stores under `ARTIFACT_ROOT/training/RUN/`; when a worker dies the group restarts
(`FailureConfig`) and resumes from the latest one. The last report carries the best weights and
the run's report, which the driver loads into its own trainer.

Ray is imported inside functions only: importing this module loads neither Ray nor a cluster.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shelfwise.cluster.training import ClusterTraining, last_checkpoint
from shelfwise.evaluate.trec import Judgments
from shelfwise.records import Product
from shelfwise.train.data_parallel import Group
from shelfwise.train.encoder import (
    EncoderFit,
    EncoderTrainer,
    EncoderTrainingConfig,
    EncoderTrainingReport,
    Grader,
)
from shelfwise.train.encoder_run import EncoderRun
from shelfwise.train.reranker import (
    Labels,
    RerankerFit,
    RerankerTrainer,
    RerankerTrainingConfig,
    RerankerTrainingReport,
)
from shelfwise.train.reranker_run import RerankerRun
from shelfwise.train.training_state import load_network_weights

Run = EncoderRun | RerankerRun

STATE_FOLDER = "state"
REPORT_FILE = "report.json"
LOG_FILE = "log.txt"


def run_name(kind: str) -> str:
    """A new run's name: the kind of model and the time."""
    return f"{kind}-{datetime.now(UTC):%Y%m%dT%H%M%S%f}"


def fit_encoder_on_cluster(cluster: ClusterTraining) -> EncoderFit:
    """An `EncoderFit` that fine-tunes the trainer's model on `cluster` (for `train_encoder`)."""

    def fit(
        trainer: EncoderTrainer,
        judgments: Judgments,
        products: Mapping[str, Product],
        neighbours: Mapping[str, Sequence[str]] | None,
        teacher: Grader | None,
    ) -> EncoderTrainingReport:
        if teacher is not None:
            raise ValueError("a teacher's grades are not passed to the cluster yet: train without --teacher")
        return train_encoder_on_cluster(cluster, trainer, judgments, products, neighbours)

    return fit


def train_encoder_on_cluster(
    cluster: ClusterTraining,
    trainer: EncoderTrainer,
    judgments: Judgments,
    products: Mapping[str, Product],
    neighbours: Mapping[str, Sequence[str]] | None = None,
) -> EncoderTrainingReport:
    """Fine-tune `trainer`'s model (from its folder, `trainer.model_path`) on the cluster; the
    trainer's network ends with the run's best weights. The run's report."""
    near = {q: list(p) for q, p in neighbours.items()} if neighbours is not None else None
    extra = {"kind": "encoder", "model_path": str(trainer.model_path), "neighbours": near}
    text = _fit(cluster, trainer.config, judgments, products, extra, trainer._network)
    trainer.model.eval()
    return EncoderTrainingReport.model_validate_json(text)


def fit_reranker_on_cluster(cluster: ClusterTraining) -> RerankerFit:
    """A `RerankerFit` that fine-tunes the trainer's new model on `cluster` (for `train_reranker`)."""

    def fit(
        trainer: RerankerTrainer, judgments: Judgments, products: Mapping[str, Product], labels: Labels | None
    ) -> RerankerTrainingReport:
        return train_reranker_on_cluster(cluster, trainer, judgments, products, labels)

    return fit


def train_reranker_on_cluster(
    cluster: ClusterTraining,
    trainer: RerankerTrainer,
    judgments: Judgments,
    products: Mapping[str, Product],
    labels: Labels | None = None,
) -> RerankerTrainingReport:
    """Fine-tune `trainer`'s new model (its base folder, `spec.base_model`, and new heads) on the
    cluster; the trainer ends with the run's best weights, its grade scale and validation set."""
    trainer.start(judgments, products, labels)  # the scale and `held_out`, as the workers have them
    extra = {"kind": "reranker", "model_path": trainer.spec.base_model, "classes": list(trainer.spec.classes),
             "labels": [[q, p, label] for (q, p), label in (labels or {}).items()]}  # fmt: skip
    text = _fit(cluster, trainer.config, judgments, products, extra, trainer.network)
    return RerankerTrainingReport.model_validate_json(text)


def _fit(
    cluster: ClusterTraining,
    config: Any,
    judgments: Judgments,
    products: Mapping[str, Product],
    extra: dict[str, Any],
    network: Any,
) -> str:
    """Run the workers; the best weights into `network`; the run's report as JSON."""
    if config.batch_size < cluster.workers:
        raise ValueError(f"batch_size {config.batch_size} is smaller than {cluster.workers} workers")
    cluster.run_folder.mkdir(parents=True, exist_ok=True)
    config = config.model_copy(update={"threads": cluster.threads})

    def loop_config() -> dict[str, Any]:
        import ray

        grades = {q: dict(g) for q, g in judgments.grades.items()}
        data = {"queries": dict(judgments.queries), "grades": grades, "products": dict(products), **extra}
        return {"config": config.model_dump(mode="json"), "data": ray.put(data),
                "run_folder": str(cluster.run_folder)}  # fmt: skip

    with last_checkpoint(cluster, _worker_loop, loop_config) as folder:
        load_network_weights(folder / STATE_FOLDER, network)
        return (folder / REPORT_FILE).read_text(encoding="utf-8")


def _worker_loop(loop_config: dict[str, Any]) -> None:
    """What each Ray Train worker runs."""
    import time

    import ray
    import ray.train
    import torch

    from shelfwise.cluster.training import _record_worker

    context = ray.train.get_context()
    group = Group(context.get_world_rank(), context.get_world_size())
    run_folder = Path(loop_config["run_folder"])
    _record_worker(run_folder, group.rank)
    data = ray.get(loop_config["data"])
    trainer, run, seed = _start(data, loop_config["config"], _log(run_folder, group.rank), group)
    started = time.perf_counter()
    checkpoint = ray.train.get_checkpoint()
    if checkpoint is not None:
        with checkpoint.as_directory() as folder:
            run.load(Path(folder) / STATE_FOLDER)
        trainer.log(f"resumed at step {run.best.steps} (pid {os.getpid()})")

    def reseed(run: Run) -> None:  # dropout differs between workers, alike when a run resumes
        torch.manual_seed(seed + 7919 * (group.rank + 1) + run.best.steps)

    def after_evaluation(run: Run) -> None:
        _report(run, group, None)
        reseed(run)

    reseed(run)
    run.run(after_evaluation)
    _report(run, group, trainer.report(run, time.perf_counter() - started))


def _start(data: dict[str, Any], config_json: Any, log: Any, group: Group) -> tuple[Any, Run, int]:
    """(trainer, run, seed) of this worker, alike on every worker."""
    import torch

    judgments = Judgments(data["queries"], data["grades"])
    if data["kind"] == "encoder":
        config = EncoderTrainingConfig.model_validate(config_json)
        encoder = EncoderTrainer(Path(data["model_path"]), config, log=log)
        encoder.group = group
        return encoder, encoder.start(judgments, data["products"], data["neighbours"]), config.seed
    reranker_config = RerankerTrainingConfig.model_validate(config_json)
    torch.manual_seed(reranker_config.seed)  # the new heads start alike on every worker
    reranker = RerankerTrainer.from_base(Path(data["model_path"]), reranker_config, data["classes"], log)
    reranker.group = group
    labels = {(q, p): label for q, p, label in data["labels"]}
    return reranker, reranker.start(judgments, data["products"], labels or None), reranker_config.seed


def _report(run: Run, group: Group, final: BaseModel | None) -> None:
    """Every worker reports (Ray Train waits for all); the first one with the run's state, and at
    the end with the run's report beside it."""
    import ray.train

    metrics = {"steps": run.best.steps, "score": run.best.score, "done": final is not None}
    if group.rank != 0:
        ray.train.report(metrics)
        return
    with tempfile.TemporaryDirectory(prefix="sw-checkpoint-") as folder:
        run.save(Path(folder) / STATE_FOLDER)
        if final is not None:
            (Path(folder) / REPORT_FILE).write_text(final.model_dump_json(), encoding="utf-8")
        ray.train.report(metrics, checkpoint=ray.train.Checkpoint.from_directory(folder))


def _log(run_folder: Path, rank: int) -> Any:
    """The first worker's log lines go to the run's `log.txt`; the others' nowhere."""

    def log(line: str) -> None:
        if rank == 0:
            with open(run_folder / LOG_FILE, "a", encoding="utf-8") as out:
                out.write(json.dumps({"at": datetime.now(UTC).isoformat(), "line": line}) + "\n")

    return log

"""The worker's `train-recommender` and `train-encoder` jobs on the cluster its data folder started
(issue 29 part 3).

When `shelfwise cluster up` recorded nodes in the worker's data folder (cluster/cluster.json), the
job runs in a child process, `python -m shelfwise.cluster.training_job`, that connects to the
cluster as a Ray driver (with the token in its environment: `node.ray_env`, so the worker process
itself neither imports Ray nor changes its environment), fits the recommender with its sequential
channel trained by Ray Train (shelfwise/cluster/training.py), or fine-tunes the bi-encoder by Ray
Train (shelfwise/cluster/encoder_training.py), and publishes the model exactly as the
single-process job does. The child reads the job (kind, settings, config, cluster) as JSON on stdin and
writes its log lines on stdout, then one result line; the parent passes the lines to the job's log
(which raises `JobCancelled` when the job must stop: the child is then killed, by its pid).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from shelfwise.cluster.node import ray_env
from shelfwise.cluster.state import ClusterState, load_state
from shelfwise.config import Settings
from shelfwise.published_models import active_encoder_path
from shelfwise.recommend.recommender import RecommenderTrainingConfig

RESULT = "RESULT "


def cluster_for_jobs(data_dir: Path) -> ClusterState | None:
    """The cluster jobs of this data folder run on: the one `cluster up` started from it, while it
    records a node; None (train in this process) otherwise."""
    state = load_state(data_dir)
    return state if state is not None and state.nodes else None


def train_recommender_on_cluster(
    settings: Settings,
    state: ClusterState,
    config: RecommenderTrainingConfig,
    log: Callable[[str], None],
    workers: int = 2,
    timeout_s: float = 6 * 3600.0,
) -> str:
    """Run the job in the child process, killed after `timeout_s`; the line the job reports."""
    job = {"kind": "recommender", "config": config.model_dump(mode="json")}
    return _run_child(settings, state, job, log, workers, timeout_s)


def train_encoder_on_cluster_job(
    settings: Settings,
    state: ClusterState,
    params: dict[str, Any],
    log: Callable[[str], None],
    workers: int = 2,
    timeout_s: float = 6 * 3600.0,
) -> str:
    """The `train-encoder` job (its `params`: the judgments and products files, the config's
    fields) in the child process, the fine-tuning on the cluster; the line the job reports."""
    return _run_child(settings, state, {"kind": "encoder", "params": params}, log, workers, timeout_s)


def _run_child(
    settings: Settings,
    state: ClusterState,
    job: dict[str, Any],
    log: Callable[[str], None],
    workers: int,
    timeout_s: float,
) -> str:
    job = {**job, "settings": settings.model_dump(mode="json"), "cluster": state.model_dump(mode="json"),
           "workers": workers}  # fmt: skip
    # the worker's own environment passed on to its child, with the cluster's token
    env = ray_env(os.environ, Path(state.token_file))
    argv = [sys.executable, "-m", "shelfwise.cluster.training_job"]
    pipe = subprocess.PIPE
    child = subprocess.Popen(argv, env=env, text=True, stdin=pipe, stdout=pipe, stderr=subprocess.STDOUT)
    assert child.stdin is not None and child.stdout is not None
    result: str | None = None
    tail: list[str] = []
    watchdog = threading.Timer(timeout_s, child.kill)  # a cluster that hangs does not hold the worker
    watchdog.start()
    try:
        child.stdin.write(json.dumps(job))
        child.stdin.close()
        for line in child.stdout:
            if line.startswith(RESULT):
                result = json.loads(line[len(RESULT) :])["outcome"]
            else:
                tail = [*tail[-19:], line.rstrip()]
                log(line.rstrip())
        child.wait(timeout=60)
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
    if child.returncode != 0 or result is None:
        raise RuntimeError(
            f"training on the cluster failed (exit {child.returncode}): {' | '.join(tail[-3:])}"
        )
    return str(result)


def main() -> int:  # pragma: no cover - runs in the child process
    job = json.loads(sys.stdin.read())
    state = ClusterState.model_validate(job["cluster"])
    settings = Settings.model_validate(job["settings"])
    if job["kind"] == "encoder":
        outcome = _encoder_job(settings, state, int(job["workers"]), job["params"])
    else:
        outcome = _recommender_job(settings, state, int(job["workers"]), job["config"])
    print(RESULT + json.dumps({"outcome": outcome}), flush=True)
    return 0


def _recommender_job(settings: Settings, state: ClusterState, workers: int, config_json: Any) -> str:
    from shelfwise.cluster.training import ClusterTraining, fit_on_cluster
    from shelfwise.service import Shelfwise

    config = RecommenderTrainingConfig.model_validate(config_json)
    shop = Shelfwise(settings)
    try:
        cluster = ClusterTraining.from_state(state, workers=workers)
        print(f"training the sequential channel on {state.address}: run {cluster.run_folder}", flush=True)
        version, report = shop.train_recommender(
            config, log=lambda line: print(line, flush=True), sequential_fit=fit_on_cluster(cluster)
        )
    finally:
        shop.close()
    channels = ", ".join(report.channels)
    return f"serving recommender {version} ({channels} fused by {report.fused_by}; sequential on the cluster)"


def _encoder_job(settings: Settings, state: ClusterState, workers: int, params: dict[str, Any]) -> str:
    from dataclasses import replace

    from shelfwise.cluster.encoder_training import encoder_run_name, fit_encoder_on_cluster
    from shelfwise.cluster.training import ClusterTraining
    from shelfwise.shop_data import ShopData
    from shelfwise.train import EncoderTrainingConfig, train_encoder

    files = {name: params.get(name) for name in ("products", "judgments")}
    config = EncoderTrainingConfig.model_validate({k: v for k, v in params.items() if k not in files})
    cluster = replace(ClusterTraining.from_state(state, workers=workers), run_name=encoder_run_name())
    print(f"fine-tuning the encoder on {state.address}: run {cluster.run_folder}", flush=True)
    products = Path(str(files["products"])) if files["products"] else None
    with ShopData.open(settings) as data:
        artifact = train_encoder(data, settings.data_dir, products, Path(str(files["judgments"])), config,
                                 log=lambda line: print(line, flush=True),
                                 encoder_fit=fit_encoder_on_cluster(cluster))  # fmt: skip
    published = active_encoder_path(settings.data_dir) == Path(artifact.path)
    return (
        f"encoder {artifact.version} {'published' if published else 'kept, not made active'} (on the cluster)"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

"""The worker's `train-recommender` and `train-encoder` jobs on the cluster its data folder started
(issue 29 part 3).

When `shelfwise cluster up` recorded nodes in the worker's data folder (cluster/cluster.json), the
job runs in a child process, `python -m shelfwise.cluster.training_job`, that connects to the
cluster as a Ray driver (with the token in its environment: `node.ray_env`, so the worker process
itself neither imports Ray nor changes its environment), fits the recommender with its sequential
channel trained by Ray Train (shelfwise/cluster/training.py), or fine-tunes the bi-encoder by Ray
Train (shelfwise/cluster/fine_tuning.py), and publishes the model exactly as the
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
FINE_TUNED = ("encoder", "reranker")


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


def fine_tune_on_cluster_job(
    settings: Settings,
    state: ClusterState,
    kind: str,
    params: dict[str, Any],
    log: Callable[[str], None],
    workers: int = 2,
    timeout_s: float = 6 * 3600.0,
) -> str:
    """The `train-encoder` or `train-reranker` job (`kind`: encoder, reranker; `params`: the
    judgments and products files, the config's fields) in the child process, the fine-tuning on
    the cluster; the line the job reports."""
    if kind not in FINE_TUNED:
        raise ValueError(f"no {kind!r} fine-tuning on the cluster: {', '.join(FINE_TUNED)}")
    return _run_child(settings, state, {"kind": kind, "params": params}, log, workers, timeout_s)


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
    if job["kind"] in FINE_TUNED:
        outcome = _fine_tuning_job(settings, state, int(job["workers"]), job["kind"], job["params"])
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


def _fine_tuning_job(
    settings: Settings, state: ClusterState, workers: int, kind: str, params: dict[str, Any]
) -> str:
    from dataclasses import replace

    from shelfwise.cluster.fine_tuning import fit_encoder_on_cluster, fit_reranker_on_cluster, run_name
    from shelfwise.cluster.training import ClusterTraining
    from shelfwise.shop_data import ShopData
    from shelfwise.train import EncoderTrainingConfig, RerankerTrainingConfig, train_encoder, train_reranker

    files = ("products", "judgments")
    fields = {k: v for k, v in params.items() if k not in files}
    cluster = replace(ClusterTraining.from_state(state, workers=workers), run_name=run_name(kind))
    print(f"fine-tuning the {kind} on {state.address}: run {cluster.run_folder}", flush=True)
    products = Path(str(params["products"])) if params.get("products") else None
    judgments = Path(str(params["judgments"]))
    log = lambda line: print(line, flush=True)  # noqa: E731
    with ShopData.open(settings) as data:
        if kind == "encoder":
            encoder = train_encoder(data, settings.data_dir, products, judgments,
                                    EncoderTrainingConfig.model_validate(fields), log=log,
                                    encoder_fit=fit_encoder_on_cluster(cluster))  # fmt: skip
            version, published = encoder.version, active_encoder_path(settings.data_dir) == Path(encoder.path)
        else:
            reranker = train_reranker(data, settings.data_dir, products, judgments,
                                      RerankerTrainingConfig.model_validate(fields), log=log,
                                      reranker_fit=fit_reranker_on_cluster(cluster))  # fmt: skip
            version, published = reranker.version, reranker.published
    return f"{kind} {version} {'published' if published else 'kept, not made active'} (on the cluster)"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())

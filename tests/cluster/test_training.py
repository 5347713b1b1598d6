"""Ray Train on the session's two-node cluster (issue 29 parts 3 and 6): the sequential
recommender trains on two workers, one a node, with a checkpoint an epoch under the shared artifact
root; the training worker on the worker node is killed mid-run (its pid as the worker wrote it, and
only once it is known to be a process of this cluster); the run resumes from the last checkpoint,
not from epoch 0, finishes, and the fitted channel it stored loads and recommends."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ray_harness import WORKER_IP, ShopCluster

from shelfwise.cluster.node import ray_env
from shelfwise.cluster.training import CHANNEL_FOLDER, WORKERS_FOLDER, read_epochs
from shelfwise.recommend.sequential import SequentialChannel

pytestmark = pytest.mark.slow

EPOCHS = 12
KILL_AFTER_EPOCH = 3

TRAIN = """
import json
from pathlib import Path
import numpy as np
from shelfwise.cluster.training import ClusterTraining, train_sequential
from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.sequential import SequentialConfig

rng = np.random.default_rng(0)
sequences = [rng.integers(0, 60, size=int(rng.integers(3, 12))) for _ in range(600)]
data = TrainingData(tuple(f"p{{i}}" for i in range(60)), sequences, None,
                    rng.normal(size=(60, 8)).astype(np.float32))
validation = ([s[:-1] for s in sequences[:60]], np.array([s[-1] for s in sequences[:60]]))
config = SequentialConfig(epochs={epochs}, patience={epochs}, dim=16, layers=1, max_length=10, batch_size=32)
cluster = ClusterTraining(ADDRESS, Path({root!r}), workers=2, run_name="killed-worker", max_failures=2)
channel = train_sequential(cluster, config, data, validation)
print(json.dumps({{"epochs": channel.epochs_trained, "best": channel.best_validation}}))
"""


def _wait_for(condition, what: str, timeout: float, driver: subprocess.Popen[str]):  # noqa: ANN001, ANN202
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        if driver.poll() is not None:
            pytest.fail(f"the driver ended before {what}: {driver.communicate(timeout=10)}")
        time.sleep(0.1)
    pytest.fail(f"no {what} within {timeout} s")


def _worker_node_pid(run: Path) -> int | None:
    for record in sorted((run / WORKERS_FOLDER).glob("*.json")) if (run / WORKERS_FOLDER).exists() else []:
        worker = json.loads(record.read_text())
        if worker["node_ip"] == WORKER_IP:
            return int(worker["pid"])
    return None


def _descends_from(pid: int, ancestors: set[int]) -> bool:
    """Whether `pid` is one of `ancestors` or a descendant of one (Ray's workers leave the process
    group of the `ray start` that started their raylet)."""
    for _ in range(64):
        if pid in ancestors:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid = int(stat.rsplit(")", 1)[1].split()[1])  # the parent, after the command's name
        if pid <= 1:
            return False
    return False


def test_training_resumes_from_its_checkpoint_after_a_worker_is_killed(shop_cluster: ShopCluster) -> None:
    cluster = shop_cluster.cluster
    run = cluster.artifact_root / "training" / "killed-worker"
    program = f"ADDRESS = {cluster.address!r}\n" + TRAIN.format(
        epochs=EPOCHS, root=str(cluster.artifact_root)
    )
    argv = ["ip", "netns", "exec", cluster.netns.head, sys.executable, "-c", program]
    env = ray_env(cluster.env, cluster.token_file)
    driver = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait_for(lambda: len(read_epochs(run)) >= KILL_AFTER_EPOCH, "checkpointed epochs", 120, driver)
        # Ray Train has registered a checkpoint (its snapshot of them is written then)
        _wait_for(
            lambda: (run / "checkpoint_manager_snapshot.json").exists(), "registered checkpoint", 60, driver
        )
        pid = _wait_for(lambda: _worker_node_pid(run), "worker pid", 30, driver)
        assert _descends_from(pid, {member.pid for member in cluster.our_processes()}), "not of this cluster"
        os.kill(pid, signal.SIGKILL)
        stdout, stderr = driver.communicate(timeout=150)
    finally:
        if driver.poll() is None:
            driver.kill()
            driver.communicate(timeout=10)
    assert driver.returncode == 0, stdout + stderr[-3000:]
    outcome = json.loads(stdout.strip().splitlines()[-1])
    assert outcome["epochs"] == EPOCHS

    epochs = read_epochs(run)
    resumed = [record for record in epochs if record.resumed_at > 0]
    assert resumed, f"no epoch after a resume: {epochs}"
    print(f"killed worker {pid} after {KILL_AFTER_EPOCH}+ epochs; resumed at epoch {resumed[0].resumed_at}")
    # from a checkpoint, not from zero: the latest one Ray Train had registered when the worker died
    assert 0 < resumed[0].resumed_at <= len(epochs) and resumed[0].pid != pid
    assert epochs[-1].epoch == EPOCHS
    assert all(record.pid != pid for record in resumed)

    finals = [folder for folder in run.glob("checkpoint_*") if (folder / CHANNEL_FOLDER).is_dir()]
    assert len(finals) == 1, f"not one final checkpoint under {run}: {sorted(run.iterdir())}"
    channel = SequentialChannel.load(finals[0] / CHANNEL_FOLDER)
    assert channel.epochs_trained == EPOCHS
    items = channel.recall([np.array([1, 2, 3])], 5).items[0]
    assert len(items) == 5 and (items >= 0).all() and not set(items.tolist()) & {1, 2, 3}


SHOP_JOB = """
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from shelfwise.cluster.state import load_state, save_state
from shelfwise.config import EncoderConfig, Settings
from shelfwise.records import Event, Product
from shelfwise.service import Shelfwise
from shelfwise.worker.kinds import JobContext, job_kinds

shop_dir = Path({shop_dir!r})
save_state(shop_dir, load_state(Path({head_data!r})))  # this data folder started the cluster
settings = Settings(data_dir=shop_dir, database_url={url!r}, encoder=EncoderConfig(name="hashing"))
start = datetime(2026, 10, 1, tzinfo=UTC)
shop = Shelfwise(settings)
shop.upsert_products([Product(product_id=f"p{{i}}", title=f"kettle {{i}}", price=10.0) for i in range(16)])
shop.record_events([
    Event(event_id=f"e{{s}}-{{k}}", type="view", user_id=f"shopper-{{s:02d}}", session_id=f"v{{s}}",
          product_id=f"p{{(s + 3 * k) % 16}}", timestamp=start + timedelta(minutes=10 * s + k))
    for s in range(60) for k in range(5)
])
shop.close()
lines = []
context = JobContext(settings, lines.append, lambda fraction, message: None)
outcome = job_kinds()["train-recommender"].run(context, {{"channels": "cooccurrence,sequential", "seed": 0}})
shop = Shelfwise(settings)
feed = [r.product.product_id for r in shop.recommend("user:shopper-03")]
shop.close()
print(json.dumps({{"outcome": outcome, "lines": lines, "feed": feed}}))
"""


def test_a_queued_train_recommender_job_trains_on_the_cluster_its_data_folder_started(
    shop_cluster: ShopCluster, tmp_path: Path
) -> None:
    cluster = shop_cluster.cluster
    url = shop_cluster.postgres.url(shop_cluster.new_database())
    shop_dir = tmp_path / "shop"
    shop_dir.mkdir()
    code = SHOP_JOB.format(shop_dir=str(shop_dir), head_data=str(cluster.head_data), url=url)
    done = cluster.run_python(cluster.netns.head, code, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert "sequential on the cluster" in result["outcome"], result
    runs = [run for run in (cluster.artifact_root / "training").glob("sequential-*") if read_epochs(run)]
    assert len(runs) == 1 and any(line.startswith("sequential epoch 1:") for line in result["lines"])
    assert result["feed"], "the published recommender recommends nothing"

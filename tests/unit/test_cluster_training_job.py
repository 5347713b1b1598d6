"""The worker's train-recommender job goes to the cluster only when its data folder started one
(`shelfwise cluster up` recorded a node in cluster/cluster.json); otherwise it trains in process,
as before. Importing the cluster's training modules loads no Ray."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from shelfwise.cluster.state import ClusterState, NodeRecord, save_state
from shelfwise.cluster.training_job import cluster_for_jobs

ROOT = Path(__file__).resolve().parents[2]


def _state(tmp_path: Path, nodes: tuple[NodeRecord, ...]) -> ClusterState:
    return ClusterState(address="10.203.0.1:6379", token_file=str(tmp_path / "token"),
                        artifact_root=str(tmp_path / "art"), nodes=nodes)  # fmt: skip


def test_jobs_run_on_the_cluster_this_data_folder_started_and_nowhere_else(tmp_path: Path) -> None:
    assert cluster_for_jobs(tmp_path) is None  # no cluster.json: the single-process path
    save_state(tmp_path, _state(tmp_path, ()))  # every node stopped by `cluster down`
    assert cluster_for_jobs(tmp_path) is None
    head = NodeRecord(role="head", pid=1234, start_ticks=5, node_ip="10.203.0.1", temp_dir="/tmp/t",
                      log_file="/tmp/t/head.log", started_at="2026-12-07T18:00:00Z")  # fmt: skip
    save_state(tmp_path, _state(tmp_path, (head,)))
    found = cluster_for_jobs(tmp_path)
    assert (
        found is not None
        and found.address == "10.203.0.1:6379"
        and found.artifact_root == str(tmp_path / "art")
    )


def test_the_training_modules_import_no_ray() -> None:
    code = ("import sys, shelfwise.cluster.training, shelfwise.cluster.training_job, shelfwise.worker.kinds\n"
            "import shelfwise.cluster.fine_tuning\n"
            "print('ray' in sys.modules)")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={"PYTHONPATH": str(ROOT)}, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_train_encoder_and_reranker_jobs_go_to_the_cluster_its_data_folder_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shelfwise.cluster.training_job as training_job
    from shelfwise.config import Settings
    from shelfwise.worker.kinds import JobContext, job_kinds

    sent: list[tuple[ClusterState, dict]] = []

    def on_cluster(settings: Settings, state: ClusterState, kind: str, params: dict, log: object) -> str:
        sent.append((state, params))
        return f"{kind} v1 published (on the cluster)"

    monkeypatch.setattr(training_job, "fine_tune_on_cluster_job", on_cluster)
    head = NodeRecord(role="head", pid=1234, start_ticks=5, node_ip="10.203.0.1", temp_dir="/tmp/t",
                      log_file="/tmp/t/head.log", started_at="2026-12-07T18:00:00Z")  # fmt: skip
    save_state(tmp_path, _state(tmp_path, (head,)))
    context = JobContext(Settings(data_dir=tmp_path), lambda line: None, lambda fraction, message: None)
    params = {"judgments": str(tmp_path / "judgments.tsv"), "epochs": 1}
    outcome = job_kinds()["train-encoder"].run(context, params)
    assert outcome == "encoder v1 published (on the cluster)"
    assert [(state.address, sent_params) for state, sent_params in sent] == [("10.203.0.1:6379", params)]
    with pytest.raises(ValueError, match="epochs"):  # bad parameters are refused before the cluster
        job_kinds()["train-encoder"].run(context, {**params, "epochs": 0})
    assert len(sent) == 1
    assert job_kinds()["train-reranker"].run(context, params) == "reranker v1 published (on the cluster)"
    assert len(sent) == 2

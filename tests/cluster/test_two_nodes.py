"""A two-node Ray cluster started by `shelfwise cluster up` inside network namespaces (the
session's, `shop_cluster`: these checks change nothing of it): both nodes join with their own
addresses, a task runs on the worker and sees the recorded settings, and a driver without the
token is refused. That `shelfwise cluster down` stops every process of ours is checked on the
README's own cluster (test_readme_scale_out.py), which the session's must outlive."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest
from ray_harness import HEAD_IP, OBJECT_STORE_MB, WORKER_IP, ShopCluster

from shelfwise.cluster.node import ray_env

pytestmark = pytest.mark.slow

TASK_ON_WORKER = f"""
import json, logging, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ray.init(address=ADDRESS, logging_level=logging.ERROR, log_to_driver=False)
worker = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeManagerAddress"] == "{WORKER_IP}")

@ray.remote(num_cpus=1)
def where():
    import os, pathlib
    node_id = ray.get_runtime_context().get_node_id()
    root = os.environ["SHELFWISE_ARTIFACT_ROOT"]
    pathlib.Path(root, "written-by-a-task.txt").write_text(node_id)
    return {{"node_id": node_id, "node_ip": ray.util.get_node_ip_address(), "artifact_root": root}}

strategy = NodeAffinitySchedulingStrategy(worker, soft=False)
ran = ray.get(where.options(scheduling_strategy=strategy).remote(), timeout=90)
print(json.dumps({{"driver_node": ray.get_runtime_context().get_node_id(), "worker_node": worker, **ran}}))
ray.shutdown()
"""


def test_both_nodes_join_with_their_own_addresses(shop_cluster: ShopCluster) -> None:
    cluster = shop_cluster.cluster
    done = cluster.shelfwise(cluster.netns.head, "cluster", "status", "--json", "-d", str(cluster.head_data))
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    alive = sorted((node for node in report["nodes"] if node["alive"]), key=lambda node: node["node_ip"])
    assert [node["node_ip"] for node in alive] == [HEAD_IP, WORKER_IP]
    assert [node["is_head"] for node in alive] == [True, False]
    assert all(node["cpus"] == 1 and node["object_store_bytes"] == OBJECT_STORE_MB * 10**6 for node in alive)
    assert [(n["role"], n["node_ip"], n["running"]) for n in report["started_here"]] == [
        ("head", HEAD_IP, True)
    ]
    assert report["address"] == cluster.address and report["artifact_root"] == str(cluster.artifact_root)
    text = cluster.shelfwise(cluster.netns.worker, "cluster", "status", "-d", str(cluster.worker_data))
    assert "nodes: 2 alive, 0 dead" in text.stdout and "started here: worker 10.203.0.2" in text.stdout
    second_head = ["--head", "--node-ip", HEAD_IP, "--artifact-root", str(cluster.artifact_root)]
    again = cluster.shelfwise(cluster.netns.head, "cluster", "up", *second_head, "-d", str(cluster.head_data))
    assert again.returncode == 1 and "is running (pid" in again.stderr, again.stderr


def test_a_task_runs_on_the_worker_and_sees_the_artifact_root(shop_cluster: ShopCluster) -> None:
    cluster = shop_cluster.cluster
    done = cluster.run_python(cluster.netns.head, TASK_ON_WORKER)
    assert done.returncode == 0, done.stdout + done.stderr
    ran = json.loads(done.stdout.strip().splitlines()[-1])
    assert ran["node_id"] == ran["worker_node"] != ran["driver_node"]
    assert ran["node_ip"] == WORKER_IP
    assert ran["artifact_root"] == str(cluster.artifact_root)
    assert (cluster.artifact_root / "written-by-a-task.txt").read_text() == ran["worker_node"]


def test_a_driver_with_another_token_is_refused(shop_cluster: ShopCluster) -> None:
    """Ray retries a refused connection for about 20 s: the refusal is read as it is logged."""
    cluster = shop_cluster.cluster
    wrong = cluster.root / "wrong_token"
    wrong.write_text("0" * 64)
    connect = f"ray.init(address='{cluster.address}', logging_level=logging.ERROR)"
    code = f"import logging, ray\n{connect}\nprint('connected')"
    argv = ["ip", "netns", "exec", cluster.netns.head, sys.executable, "-c", code]
    driver = subprocess.Popen(argv, env=ray_env(cluster.env, wrong), stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)  # fmt: skip
    seen: list[str] = []
    deadline = time.monotonic() + 60
    try:
        assert driver.stdout is not None
        for line in driver.stdout:  # ends when the driver exits; bounded by the deadline below
            seen.append(line)
            if "InvalidAuthToken" in line or "connected" in line or time.monotonic() > deadline:
                break
    finally:
        driver.kill()
        driver.wait(timeout=10)
    assert "connected\n" not in seen
    assert any("InvalidAuthToken" in line for line in seen), "".join(seen[-10:])

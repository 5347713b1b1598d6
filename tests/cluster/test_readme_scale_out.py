"""The README's "Scale out" block, run as written on two hosts: the head's lines in one network
namespace, the worker's in the other (its addresses and folder swapped for the test's, plus the
small test node options), the head's token file copied to the worker's data folder as the README
says; `down` on each stops its node by pid and leaves no process of ours, and a second `down`
finds nothing to stop. (The two-node checks that leave a cluster running use the session's,
test_two_nodes.py.)"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from ray_harness import HEAD_IP, ROOT, TEST_NODE_OPTIONS, WORKER_IP, NetnsPair, new_cluster, stop_everything

from shelfwise.cluster.procs import is_alive

pytestmark = pytest.mark.slow


def _scale_out_block() -> list[str]:
    text = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    block = next(b for b in blocks if "cluster up --head" in b)
    return [line.split("#")[0].strip() for line in block.splitlines() if line.split("#")[0].strip()]


@pytest.fixture(scope="module")
def readme_root() -> Iterator[Path]:
    root = Path(tempfile.mkdtemp(prefix="swray", dir="/tmp"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


def test_the_scale_out_block_runs_as_written(netns_pair: NetnsPair, readme_root: Path) -> None:
    lines = _scale_out_block()
    assert lines[0].startswith("export SHELFWISE_DATABASE_URL=postgresql://")
    swaps = {"10.0.0.1": HEAD_IP, "10.0.0.2": WORKER_IP, "/mnt/shelfwise": str(readme_root / "artifacts")}
    for old, new in swaps.items():
        lines = [line.replace(old, new) for line in lines]
    name, _, url = lines[0].removeprefix("export ").partition("=")
    commands = [shlex.split(line)[1:] for line in lines[1:]]
    assert [c[:2] for c in commands] == [["cluster", "up"]] * 2 + [["cluster", "status"], ["cluster", "down"]]
    cluster = new_cluster(netns_pair, readme_root)
    head_env = {**cluster.env, name: url, "SHELFWISE_DATA_DIR": str(cluster.head_data)}
    worker_env = {**cluster.env, name: url, "SHELFWISE_DATA_DIR": str(cluster.worker_data)}
    cluster.artifact_root.mkdir()

    def run(namespace: str, env: dict[str, str], args: list[str]) -> subprocess.CompletedProcess[str]:
        done = netns_pair.run(namespace, [sys.executable, "-m", "shelfwise.cli", *args], env, 200)
        assert done.returncode == 0, f"shelfwise {shlex.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done

    try:
        run(
            netns_pair.head,
            head_env,
            [*commands[0], *TEST_NODE_OPTIONS, "--temp-dir", str(readme_root / "th")],
        )
        token = cluster.head_data / "cluster" / "auth_token"
        (cluster.worker_data / "cluster").mkdir(parents=True)
        shutil.copyfile(token, cluster.worker_data / "cluster" / "auth_token")
        run(
            netns_pair.worker,
            worker_env,
            [*commands[1], *TEST_NODE_OPTIONS, "--temp-dir", str(readme_root / "tw")],
        )
        status = run(netns_pair.head, head_env, commands[2]).stdout
        assert "nodes: 2 alive, 0 dead" in status and f"database {url}" in status
        ours = cluster.our_processes()
        assert len(ours) >= 6
        for namespace, env, node in ((netns_pair.worker, worker_env, "worker 10.203.0.2"),
                                     (netns_pair.head, head_env, "head 10.203.0.1")):  # fmt: skip
            down = run(namespace, env, commands[3]).stdout
            assert node in down and ": stopped" in down, down
        assert [process for process in ours if is_alive(process)] == []
        again = run(netns_pair.head, head_env, commands[3]).stdout
        assert "no node started from this data folder" in again, again
    finally:
        stop_everything(cluster)
    assert os.listdir(cluster.artifact_root) == []

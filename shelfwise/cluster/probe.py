"""The nodes of a running cluster, as Ray's GCS knows them.

`cluster_nodes` runs `python -m shelfwise.cluster.probe ADDRESS` in a child process with the
token in its environment (`node.ray_env`): the child connects as a Ray driver, prints the nodes
as JSON and disconnects, so the calling process neither imports Ray nor changes its own
environment, and a cluster that does not answer costs at most `timeout_seconds`.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HEAD_RESOURCE = "node:__internal_head__"


class ProbeError(RuntimeError):
    """The cluster could not be asked; the message says what the probe reported."""


@dataclass(frozen=True)
class ClusterNode:
    node_id: str
    node_ip: str
    alive: bool
    is_head: bool
    cpus: float
    memory_bytes: int
    object_store_bytes: int


def node_of(raw: Mapping[str, Any]) -> ClusterNode:
    """A node from one entry of `ray.nodes()`."""
    resources = raw.get("Resources") or {}
    return ClusterNode(
        node_id=str(raw["NodeID"]),
        node_ip=str(raw["NodeManagerAddress"]),
        alive=bool(raw["Alive"]),
        is_head=HEAD_RESOURCE in resources,
        cpus=float(resources.get("CPU", 0.0)),
        memory_bytes=int(resources.get("memory", 0)),
        object_store_bytes=int(resources.get("object_store_memory", 0)),
    )


def cluster_nodes(
    address: str, env: Mapping[str, str], timeout_seconds: float = 60.0, python: str = sys.executable
) -> list[ClusterNode]:
    """The cluster's nodes (alive and dead), asked from a child process connected to `address`."""
    try:
        done = subprocess.run(
            [python, "-m", "shelfwise.cluster.probe", address],
            env=dict(env), capture_output=True, text=True, timeout=timeout_seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise ProbeError(f"the cluster at {address} did not answer within {timeout_seconds:.0f} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise ProbeError(f"cannot reach the cluster at {address}: {lines[-1] if lines else done.returncode}")
    return [node_of(raw) for raw in json.loads(done.stdout)]


def main(argv: list[str]) -> int:  # pragma: no cover - runs in the child process
    import logging

    import ray

    if len(argv) != 1:
        print("usage: python -m shelfwise.cluster.probe HOST:PORT", file=sys.stderr)
        return 2
    ray.init(address=argv[0], logging_level=logging.ERROR, log_to_driver=False)
    try:
        nodes = [{key: raw.get(key) for key in ("NodeID", "NodeManagerAddress", "Alive", "Resources")}
                 for raw in ray.nodes()]  # fmt: skip
    finally:
        ray.shutdown()
    print(json.dumps(nodes))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main(sys.argv[1:]))

"""`shelfwise cluster up|status|down` over one data folder: start a node and record it, ask the
cluster for its nodes, stop the nodes this data folder started (by pid, never `ray stop`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from shelfwise.cluster.node import NodeSpec, ensure_token, node_env, ray_env, start_node, stop_node
from shelfwise.cluster.probe import ClusterNode, ProbeError, cluster_nodes
from shelfwise.cluster.procs import is_alive
from shelfwise.cluster.state import ClusterState, NodeRecord, cluster_dir, load_state, save_state


class ClusterUpError(RuntimeError):
    """A node cannot be started from this data folder now; the message says why."""


@dataclass(frozen=True)
class ClusterSettings:
    """Where the shop's data is (PostgreSQL, the truth every node shares) and where artifacts go
    (a folder every node sees), given to every node this data folder starts."""

    data_dir: Path
    artifact_root: Path
    token_file: Path
    database_url: str | None = None

    def job_settings(self) -> dict[str, str]:
        """The settings a process Ray starts on a node inherits, under the CLI's variable names."""
        settings = {"SHELFWISE_ARTIFACT_ROOT": str(self.artifact_root.resolve())}
        if self.database_url:
            settings["SHELFWISE_DATABASE_URL"] = self.database_url
        return settings


@dataclass(frozen=True)
class ClusterStatus:
    state: ClusterState | None
    local_alive: tuple[tuple[NodeRecord, bool], ...]
    nodes: tuple[ClusterNode, ...] = ()
    error: str | None = None


def _running(state: ClusterState | None) -> list[NodeRecord]:
    return [node for node in state.nodes if is_alive(node.process)] if state else []


def up(
    settings: ClusterSettings, spec: NodeSpec, base_env: Mapping[str, str], wait_seconds: float = 120.0,
    python: str = sys.executable,
) -> ClusterState:  # fmt: skip
    """Start the node `spec` from this data folder and record it; the head creates the token file
    when it is missing, a worker needs the head's."""
    if not settings.artifact_root.is_dir():
        raise ValueError(
            f"{settings.artifact_root}: no such folder (the artifact root is a folder every node sees)"
        )
    spec.check()
    running = _running(load_state(settings.data_dir))
    for node in running:
        if node.role == spec.role:
            raise ClusterUpError(
                f"a {node.role} node started from {settings.data_dir} is running (pid {node.pid}): "
                "`shelfwise cluster down` first"
            )
    ensure_token(settings.token_file, create=spec.role == "head")
    address = spec.head_address or f"{spec.node_ip}:{spec.port}"
    state = load_state(settings.data_dir)
    if running and state is not None and state.address != address:
        raise ClusterUpError(
            f"this data folder's nodes belong to the cluster at {state.address}, not {address}"
        )
    env = node_env(spec, base_env, settings.job_settings())
    log_file = cluster_dir(settings.data_dir) / f"{spec.role}.log"
    record = start_node(spec, env, log_file, python, wait_seconds)
    state = ClusterState(
        address=address, token_file=str(settings.token_file.resolve()),
        artifact_root=str(settings.artifact_root.resolve()), database_url=settings.database_url,
        nodes=(*running, record),
    )  # fmt: skip
    save_state(settings.data_dir, state)
    return state


def status(
    data_dir: Path, base_env: Mapping[str, str], address: str | None = None, token_file: Path | None = None,
    timeout_seconds: float = 60.0, python: str = sys.executable,
) -> ClusterStatus:  # fmt: skip
    """The nodes this data folder started (alive or not) and the cluster's nodes as Ray knows
    them; `address` and `token_file` override the recorded ones (a machine that started none)."""
    state = load_state(data_dir)
    local = tuple((node, is_alive(node.process)) for node in (state.nodes if state else ()))
    address = address or (state.address if state else None)
    token = token_file or (Path(state.token_file) if state else None)
    if address is None or token is None:
        return ClusterStatus(
            state, local, error="no cluster: none started from this data folder (give --address)"
        )
    try:
        nodes = cluster_nodes(address, ray_env(base_env, token), timeout_seconds, python)
    except ProbeError as error:
        return ClusterStatus(state, local, error=str(error))
    return ClusterStatus(state, local, tuple(nodes))


def down(data_dir: Path, drain_seconds: float = 10.0) -> list[tuple[NodeRecord, str]]:
    """Stop the nodes this data folder started, workers before the head, each by its pid; what
    became of each. The state keeps the settings and forgets the nodes."""
    state = load_state(data_dir)
    if state is None:
        return []
    outcomes = []
    for node in sorted(state.nodes, key=lambda node: node.role == "head"):
        if not is_alive(node.process):
            outcomes.append((node, "was not running"))
            continue
        killed = stop_node(node, drain_seconds)
        outcomes.append((node, f"stopped ({len(killed)} killed)" if killed else "stopped"))
    save_state(data_dir, state.model_copy(update={"nodes": ()}))
    return outcomes

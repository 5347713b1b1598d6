"""What `shelfwise cluster up` started, kept in the data folder (cluster/cluster.json, mode 0600):
the cluster's address, the token file, the artifact root and the database URL the nodes were
given (so a job started on this machine finds them), and each node this data folder started, by
pid and start time, so that `shelfwise cluster down` stops exactly those processes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from shelfwise.cluster.procs import ProcessId

STATE_FILE = "cluster.json"


class ClusterStateError(ValueError):
    """The state file cannot be read; the message names it."""


class NodeRecord(BaseModel):
    """One `ray start --block` process this data folder started (the leader of its group)."""

    model_config = ConfigDict(frozen=True)

    role: Literal["head", "worker"]
    pid: int
    start_ticks: int
    node_ip: str
    temp_dir: str
    log_file: str
    started_at: str

    @property
    def process(self) -> ProcessId:
        return ProcessId(self.pid, self.start_ticks)


class ClusterState(BaseModel):
    """The settings every node of the cluster was started with, and the nodes started here."""

    model_config = ConfigDict(frozen=True)

    address: str
    token_file: str
    artifact_root: str
    database_url: str | None = None
    nodes: tuple[NodeRecord, ...] = ()


def cluster_dir(data_dir: Path) -> Path:
    return data_dir / "cluster"


def load_state(data_dir: Path) -> ClusterState | None:
    """The data folder's cluster state; None when no node was started from it."""
    path = cluster_dir(data_dir) / STATE_FILE
    try:
        return ClusterState.model_validate_json(path.read_bytes())
    except FileNotFoundError:
        return None
    except ValidationError as error:
        raise ClusterStateError(f"{path}: not a cluster state file ({error.error_count()} errors)") from None


def save_state(data_dir: Path, state: ClusterState) -> Path:
    """Write the state atomically, readable by its owner only (it holds the database URL)."""
    folder = cluster_dir(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    partial = folder / f".{STATE_FILE}.{os.getpid()}"
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as out:
        out.write(state.model_dump_json(indent=2))
    os.replace(partial, path)
    return path

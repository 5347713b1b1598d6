"""Starting and stopping one Ray node as `ray start --block`, a process group of our own.

Everything Ray would otherwise guess is given explicitly: the node's IP address (never a
loopback one: Ray rewrites 127.0.0.1 to the machine's interface address), the head's port, the
object store's size, the temp folder, token authentication (RAY_AUTH_MODE=token with the token
read from a file named by RAY_AUTH_TOKEN_PATH; a RAY_AUTH_TOKEN in the caller's environment,
which Ray would prefer, is dropped) and no usage statistics. `--block` keeps the `ray start`
process alive as the leader of the node's processes: SIGTERM to it drains the node and stops
them, so a node is stopped by that one pid (then any member of its group left, pid by pid).
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import socket
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from shelfwise.cluster.procs import ProcessId, process_id, stop_group
from shelfwise.cluster.state import NodeRecord

STARTED_LINE = "Ray runtime started."
OBJECT_STORE_MINIMUM = 75 * 1024 * 1024  # Ray refuses a smaller object store
TEMP_DIR_MAX_CHARS = 45  # Ray's sockets live under it; a Unix socket path has at most 107 bytes


class NodeStartError(RuntimeError):
    """`ray start` failed or did not report a started node in time; the message says why."""


@dataclass(frozen=True)
class NodeSpec:
    """One node: the head (`head_address` None, listening on `port`) or a worker joining
    `head_address` (HOST:PORT)."""

    node_ip: str
    object_store_bytes: int
    temp_dir: Path
    token_file: Path
    port: int = 6379
    head_address: str | None = None
    num_cpus: int | None = None
    drain_seconds: float = 10.0

    @property
    def role(self) -> Literal["head", "worker"]:
        return "head" if self.head_address is None else "worker"

    def check(self) -> None:
        """Raise ValueError naming the setting that Ray would not start with as meant."""
        try:
            ip = ipaddress.ip_address(self.node_ip)
        except ValueError:
            raise ValueError(f"node IP '{self.node_ip}' is not an IP address") from None
        if ip.is_loopback or ip.is_unspecified:
            raise ValueError(
                f"node IP {self.node_ip}: give the address other nodes reach this one at "
                "(Ray replaces a loopback address with the machine's interface address)"
            )
        if self.object_store_bytes < OBJECT_STORE_MINIMUM:
            raise ValueError(
                f"object store of {self.object_store_bytes} bytes: Ray needs at least {OBJECT_STORE_MINIMUM}"
            )
        if not self.temp_dir.is_absolute() or len(str(self.temp_dir)) > TEMP_DIR_MAX_CHARS:
            raise ValueError(
                f"temp folder {self.temp_dir}: must be an absolute path of at most "
                f"{TEMP_DIR_MAX_CHARS} characters (Ray's Unix sockets live under it)"
            )
        if not 0 < self.port < 65536:
            raise ValueError(f"port {self.port} is not a TCP port")
        if self.head_address is not None and ":" not in self.head_address:
            raise ValueError(f"head address '{self.head_address}' is not HOST:PORT")
        if not _is_local(ip):
            raise ValueError(f"node IP {self.node_ip} is not an address of this machine")


def _is_local(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """True when a socket can bind the address here (no packet is sent)."""
    family = socket.AF_INET6 if ip.version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((str(ip), 0))
        except OSError:
            return False
    return True


def ray_start_command(spec: NodeSpec, python: str) -> list[str]:
    """The `ray start --block` command line for the node (the `ray` module of `python`)."""
    command = [python, "-m", "ray.scripts.scripts", "start", "--block", "--disable-usage-stats"]
    if spec.head_address is None:
        command += ["--head", "--port", str(spec.port), "--include-dashboard", "false"]
    else:
        command += ["--address", spec.head_address]
    command += ["--node-ip-address", spec.node_ip, "--object-store-memory", str(spec.object_store_bytes)]
    command += ["--temp-dir", str(spec.temp_dir)]
    if spec.num_cpus is not None:
        command += ["--num-cpus", str(spec.num_cpus)]
    return command


def ray_env(base_env: Mapping[str, str], token_file: Path) -> dict[str, str]:
    """`base_env` with token authentication from `token_file` and no usage statistics: for the
    nodes and for any process that connects to the cluster."""
    env = {name: value for name, value in base_env.items() if name not in ("RAY_AUTH_TOKEN", "RAY_ADDRESS")}
    env.update(
        RAY_AUTH_MODE="token",
        RAY_AUTH_TOKEN_PATH=str(token_file.resolve()),
        RAY_USAGE_STATS_ENABLED="0",
    )
    return env


def node_env(spec: NodeSpec, base_env: Mapping[str, str], job_settings: Mapping[str, str]) -> dict[str, str]:
    """The node's environment: `ray_env`, the drain time on SIGTERM, and `job_settings`
    (SHELFWISE_DATABASE_URL, SHELFWISE_ARTIFACT_ROOT), which every process Ray starts on the
    node inherits."""
    env = ray_env(base_env, spec.token_file)
    env["RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S"] = str(spec.drain_seconds)
    # Serve's HTTP proxy runs on the head only (`cluster serve`); preferring the replicas of its
    # own node, it would send every request to the head's replica while the others idled
    env.setdefault("RAY_SERVE_PROXY_PREFER_LOCAL_NODE_ROUTING", "0")
    env.update(job_settings)
    return env


def ensure_token(path: Path, create: bool) -> str:
    """The cluster's token from `path`; a new random one written there (mode 0600) when the file
    is missing and `create` is set (the head), else an error saying where it was looked for."""
    if not path.exists():
        if not create:
            raise FileNotFoundError(2, "no token file: copy the head's token file here", str(path))
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(secrets.token_hex(32))
    token = path.read_text(encoding="ascii").strip()
    if not token or any(character.isspace() for character in token):
        raise ValueError(
            f"{path}: the token file must hold one token (no spaces), found {len(token.split())} words"
        )
    return token


def _log_since(log_file: Path, offset: int) -> str:
    with log_file.open("rb") as log:
        log.seek(offset)
        return log.read().decode("utf-8", "replace")


def start_node(
    spec: NodeSpec, env: Mapping[str, str], log_file: Path, python: str, wait_seconds: float
) -> NodeRecord:
    """Start the node as a new session (its own process group) and wait, at most `wait_seconds`,
    until `ray start` reports it started (`spec.check()` is the caller's). A node that fails or
    does not start in time is stopped and NodeStartError tells why, with the end of its log."""
    log_file.parent.mkdir(parents=True, exist_ok=True)
    offset = log_file.stat().st_size if log_file.exists() else 0
    with log_file.open("ab") as log:
        child = subprocess.Popen(
            ray_start_command(spec, python), stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, env=dict(env), start_new_session=True, close_fds=True,
        )  # fmt: skip
    leader = process_id(child.pid) or ProcessId(child.pid, -1)
    deadline = time.monotonic() + wait_seconds
    while STARTED_LINE not in _log_since(log_file, offset):
        if child.poll() is not None or time.monotonic() > deadline:
            status = f"exited with code {child.returncode}" if child.returncode is not None else (
                f"did not start within {wait_seconds:.0f} s")  # fmt: skip
            stop_group(leader, spec.drain_seconds + 5)
            child.poll()
            tail = "\n".join(_log_since(log_file, offset).splitlines()[-15:])
            raise NodeStartError(f"ray start ({spec.role}) {status}; the end of {log_file}:\n{tail}")
        time.sleep(0.25)
    return NodeRecord(
        role=spec.role, pid=leader.pid, start_ticks=leader.start_ticks, node_ip=spec.node_ip,
        temp_dir=str(spec.temp_dir), log_file=str(log_file), started_at=datetime.now(UTC).isoformat(),
    )  # fmt: skip


def stop_node(node: NodeRecord, drain_seconds: float) -> list[ProcessId]:
    """Stop a node started by `start_node`: SIGTERM to its `ray start` process (which drains the
    node for up to `drain_seconds` and stops its processes), then SIGKILL, pid by pid, to any
    process of its group left after a further 10 s. Returns the processes that had to be killed."""
    return stop_group(node.process, drain_seconds + 10)

"""How a Ray node is started: everything explicit (IP, port, object store, temp folder, token
authentication, no usage statistics), bad settings refused before Ray runs, a failed start
reported with its log, and the state file readable by its owner only."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from shelfwise.cluster.node import (
    NodeSpec,
    NodeStartError,
    ensure_token,
    node_env,
    ray_env,
    ray_start_command,
    start_node,
)
from shelfwise.cluster.state import ClusterState, NodeRecord, load_state, save_state


def _spec(tmp_path: Path, **changes: object) -> NodeSpec:
    values: dict[str, object] = {"node_ip": "10.203.0.1", "object_store_bytes": 80_000_000,
                                 "temp_dir": Path("/tmp/swt"), "token_file": tmp_path / "token"}  # fmt: skip
    return NodeSpec(**{**values, **changes})  # type: ignore[arg-type]


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_head_command_gives_ray_nothing_to_guess(tmp_path: Path) -> None:
    command = ray_start_command(_spec(tmp_path, port=6400, num_cpus=2), "python")
    assert command[:4] == ["python", "-m", "ray.scripts.scripts", "start"]
    assert {"--head", "--block", "--disable-usage-stats"} <= set(command)
    assert _option(command, "--port") == "6400"
    assert _option(command, "--node-ip-address") == "10.203.0.1"
    assert _option(command, "--object-store-memory") == "80000000"
    assert _option(command, "--temp-dir") == "/tmp/swt"
    assert _option(command, "--num-cpus") == "2"


def test_a_worker_joins_the_head_address(tmp_path: Path) -> None:
    command = ray_start_command(
        _spec(tmp_path, node_ip="10.203.0.2", head_address="10.203.0.1:6379"), "python"
    )
    assert _option(command, "--address") == "10.203.0.1:6379" and "--head" not in command
    assert _option(command, "--node-ip-address") == "10.203.0.2"


def test_the_token_comes_from_the_file_and_never_from_the_callers_environment(tmp_path: Path) -> None:
    base = {"RAY_AUTH_TOKEN": "stale", "RAY_ADDRESS": "elsewhere:1", "PATH": "/bin"}
    env = node_env(_spec(tmp_path, drain_seconds=3), base, {"SHELFWISE_ARTIFACT_ROOT": "/mnt/a"})
    assert env["RAY_AUTH_MODE"] == "token"
    assert env["RAY_AUTH_TOKEN_PATH"] == str((tmp_path / "token").resolve())
    assert "RAY_AUTH_TOKEN" not in env and "RAY_ADDRESS" not in env
    assert env["RAY_USAGE_STATS_ENABLED"] == "0" and env["RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S"] == "3"
    assert env["SHELFWISE_ARTIFACT_ROOT"] == "/mnt/a" and env["PATH"] == "/bin"
    assert env["RAY_SERVE_PROXY_PREFER_LOCAL_NODE_ROUTING"] == "0"  # the head's proxy spreads requests
    assert base["RAY_AUTH_TOKEN"] == "stale"  # the caller's mapping is left as it was
    assert "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S" not in ray_env(base, tmp_path / "token")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"node_ip": "127.0.0.1"}, "loopback"),
        ({"node_ip": "0.0.0.0"}, "loopback"),  # nosec B104 - a refused value, nothing binds it
        ({"node_ip": "head.local"}, "not an IP address"),
        ({"object_store_bytes": 10_000_000}, "at least"),
        ({"temp_dir": Path("relative")}, "absolute"),
        ({"temp_dir": Path("/tmp/" + "x" * 60)}, "at most"),
        ({"port": 70000}, "not a TCP port"),
        ({"head_address": "10.203.0.1"}, "HOST:PORT"),
        ({"node_ip": "192.0.2.1"}, "not an address of this machine"),  # TEST-NET-1: nobody's
    ],
)
def test_settings_ray_would_misread_are_refused(
    tmp_path: Path, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        _spec(tmp_path, **changes).check()


def test_the_head_makes_a_private_token_a_worker_needs_the_copy(tmp_path: Path) -> None:
    token = ensure_token(tmp_path / "cluster" / "auth_token", create=True)
    assert len(token) == 64 and int(token, 16) >= 0
    assert stat.S_IMODE((tmp_path / "cluster" / "auth_token").stat().st_mode) == 0o600
    assert ensure_token(tmp_path / "cluster" / "auth_token", create=False) == token
    with pytest.raises(FileNotFoundError, match="copy the head's token file"):
        ensure_token(tmp_path / "worker_token", create=False)
    (tmp_path / "two").write_text("one two")
    with pytest.raises(ValueError, match="one token"):
        ensure_token(tmp_path / "two", create=False)


def test_a_start_that_fails_says_so_with_the_end_of_its_log(tmp_path: Path) -> None:
    log = tmp_path / "head.log"
    with pytest.raises(NodeStartError, match="exited with code 1") as raised:
        start_node(_spec(tmp_path), {"PATH": "/usr/bin:/bin"}, log, "false", wait_seconds=20)
    assert str(log) in str(raised.value)


def test_the_state_round_trips_and_only_its_owner_reads_it(tmp_path: Path) -> None:
    node = NodeRecord(role="head", pid=12, start_ticks=34, node_ip="10.203.0.1", temp_dir="/tmp/t",
                      log_file="/x/head.log", started_at="2026-12-07T16:00:00+00:00")  # fmt: skip
    state = ClusterState(address="10.203.0.1:6379", token_file="/x/token", artifact_root="/mnt/a",
                         database_url="postgresql://shop:secret@db/shop", nodes=(node,))  # fmt: skip
    path = save_state(tmp_path, state)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_state(tmp_path) == state
    assert load_state(tmp_path / "elsewhere") is None

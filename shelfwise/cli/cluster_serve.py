"""`shelfwise cluster serve|serve-status|serve-stop`: the shop's HTTP API on Ray Serve replicas
(issue 29 part 5, docs/scale.md).

    shelfwise cluster serve --version v1 --replicas 2
    shelfwise cluster serve --version v2                  # every replica swaps in place
    shelfwise cluster serve --version v2 --shards 2 --shard-replicas 2   # recall through shard actors
    shelfwise cluster serve --version v2 --min-replicas 1 --max-replicas 4 --target-ongoing-requests 2
    shelfwise cluster serve-status
    shelfwise cluster serve-stop

The cluster is the one this data folder started (`cluster up`), or --address with --token-file.
The shop's settings (SHELFWISE_*, its database URL) are read here and given to every replica; a
version is a data folder under --versions-root (default ARTIFACT_ROOT/serving).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from shelfwise.cli.cluster import TokenFile, _need_ray, cluster_app
from shelfwise.cli.common import DataDir, settings_of
from shelfwise.cli.errors import EXIT_FAILED, fail

Address = Annotated[str | None, typer.Option(help="HEAD:PORT; default: the recorded cluster")]


def _cluster_of(data_dir: Path | None, address: str | None, token_file: Path | None) -> tuple[str, Path, Any]:
    """(address, token file, recorded state or None) of the cluster to talk to."""
    from shelfwise.cluster import ClusterStateError, load_state

    settings = settings_of(data_dir)
    try:
        state = load_state(settings.data_dir)
    except ClusterStateError as error:
        raise fail(str(error)) from None
    address = address or (state.address if state else None)
    token = token_file or (Path(state.token_file) if state else None)
    if address is None or token is None:
        raise fail("no cluster started from this data folder: give --address and --token-file")
    return address, token, state


def _drive(request: dict[str, Any], token: Path, timeout: float) -> dict[str, Any]:
    """Run the Serve driver in a child process (this one never imports Ray)."""
    from shelfwise.cluster import ray_env

    try:
        done = subprocess.run(
            [sys.executable, "-m", "shelfwise.serve_cluster.deploy"], input=json.dumps(request),
            env=ray_env(os.environ, token), capture_output=True, text=True, timeout=timeout, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        raise fail(f"the Serve driver did not finish within {timeout:.0f} s", EXIT_FAILED) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        raise fail(f"Serve: {lines[-1] if lines else f'exit {done.returncode}'}", EXIT_FAILED)
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


def _head_ip(state: Any) -> str | None:
    heads = [node.node_ip for node in (state.nodes if state else ()) if node.role == "head"]
    return heads[0] if heads else None


@cluster_app.command("serve")
def serve(
    version: Annotated[
        str, typer.Option(help="the artifact version to serve (a folder under the versions root)")
    ],
    replicas: Annotated[int, typer.Option(min=1, help="replicas (initial ones with autoscaling)")] = 2,
    min_replicas: Annotated[int | None, typer.Option(min=0, help="autoscaling: fewest replicas")] = None,
    max_replicas: Annotated[int | None, typer.Option(min=1, help="autoscaling: most replicas")] = None,
    target_ongoing_requests: Annotated[float, typer.Option(help="autoscaling: requests per replica")] = 2.0,
    max_ongoing_requests: Annotated[int, typer.Option(min=1, help="requests one replica takes at once")] = 8,
    replica_cpus: Annotated[float, typer.Option(help="CPUs reserved for each replica")] = 1.0,
    http_host: Annotated[
        str | None, typer.Option(help="address of the HTTP proxy; default: the head's")
    ] = None,
    http_port: Annotated[int, typer.Option(help="port of the HTTP proxy")] = 8000,
    versions_root: Annotated[Path | None, typer.Option(help="default: ARTIFACT_ROOT/serving")] = None,
    drain_seconds: Annotated[float, typer.Option(min=0, help="time a swapped-out version may finish")] = 30.0,
    wait_seconds: Annotated[float, typer.Option(min=1, help="how long to wait for the replicas")] = 300.0,
    shards: Annotated[int, typer.Option(min=0, help="recall through N shard actors; 0: none")] = 0,
    shard_replicas: Annotated[int, typer.Option(min=1, help="actors holding each shard")] = 1,
    address: Address = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
) -> None:
    """Deploy the shop's API on N replicas behind one endpoint, or update the running deployment
    (another --version swaps every replica in place, without failing a request)."""
    _need_ray()
    from pydantic import ValidationError

    from shelfwise.serve_cluster import ServeOptions

    head, token, state = _cluster_of(data_dir, address, token_file)
    settings = settings_of(data_dir)
    database_url = settings.database_url or (state.database_url if state else None)
    artifact_root = settings.artifact_root or (Path(state.artifact_root) if state else None)
    root = versions_root or (artifact_root / "serving" if artifact_root else None)
    if root is None:
        raise fail("give --versions-root or set SHELFWISE_ARTIFACT_ROOT")
    if not database_url:
        raise fail("Serve replicas need SHELFWISE_DATABASE_URL (PostgreSQL): every node writes to it")
    host = http_host or _head_ip(state)
    if host is None:
        raise fail("give --http-host: no head node was started from this data folder")
    try:
        options = ServeOptions(
            address=head, http_host=host, http_port=http_port, version=version, versions_root=root.absolute(),
            settings_json=settings.model_copy(update={"database_url": database_url}).model_dump_json(),
            replicas=replicas, min_replicas=min_replicas, max_replicas=max_replicas,
            target_ongoing_requests=target_ongoing_requests, max_ongoing_requests=max_ongoing_requests,
            replica_cpus=replica_cpus, drain_seconds=drain_seconds, wait_seconds=wait_seconds,
            shards=shards, shard_replicas=shard_replicas,
        )  # fmt: skip
    except ValidationError as error:
        raise fail("; ".join(str(e["msg"]) for e in error.errors())) from None
    answer = _drive(
        {"action": "deploy", "options": options.model_dump(mode="json")}, token, wait_seconds + 120
    )
    _print_deployed(answer, shards)


def _print_deployed(answer: dict[str, Any], shards: int) -> None:
    typer.echo(f"serving version {answer['version']} at {answer['endpoint']} ({answer['status']})")
    _print_replicas(answer["replicas"])
    if answer.get("shards"):
        typer.echo(f"  recalling through {len(answer['shards'])} shard actors ({shards} shards)")
    for shard in answer.get("shards", []):
        typer.echo(f"  shard {shard['name']} pid {shard['pid']} on {shard['node_ip']}")


def _print_replicas(replicas: list[dict[str, Any]]) -> None:
    for replica in replicas:
        typer.echo(f"  replica {replica['replica']} pid {replica['pid']} on {replica['node_ip']}")


@cluster_app.command("serve-status")
def serve_status(
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    address: Address = None,
    token_file: TokenFile = None,
    data_dir: DataDir = None,
) -> None:
    """The shop's live Serve replicas: replica id, pid and node."""
    _need_ray()
    head, token, _ = _cluster_of(data_dir, address, token_file)
    answer = _drive({"action": "replicas", "address": head}, token, 120)
    if as_json:
        typer.echo(json.dumps(answer["replicas"]))
    else:
        typer.echo(f"replicas: {len(answer['replicas'])}")
        _print_replicas(answer["replicas"])


@cluster_app.command("serve-stop")
def serve_stop(address: Address = None, token_file: TokenFile = None, data_dir: DataDir = None) -> None:
    """Stop the shop's Serve deployment, its HTTP proxy and Serve's controller."""
    _need_ray()
    head, token, _ = _cluster_of(data_dir, address, token_file)
    answer = _drive({"action": "stop", "address": head}, token, 180)
    typer.echo(f"Serve: {answer['status']}")

"""`shelfwise cluster up|status|down`: a Ray cluster for scale-out (issue 29, docs/scale.md).

    shelfwise cluster up --head --node-ip 10.0.0.1 --artifact-root /mnt/shelfwise
    shelfwise cluster up --address 10.0.0.1:6379 --node-ip 10.0.0.2 --artifact-root /mnt/shelfwise \\
        --token-file ./auth_token
    shelfwise cluster status
    shelfwise cluster down

Needs Ray (`pip install 'shelfwise[cluster]'`); imported only by these commands.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from shelfwise.cli.common import DataDir, settings_of
from shelfwise.cli.errors import EXIT_FAILED, fail

if TYPE_CHECKING:
    from shelfwise.cluster import ClusterState, ClusterStatus
    from shelfwise.cluster.encoding import EncodeReport

cluster_app = typer.Typer(
    help="A Ray cluster for scale-out: start, list and stop nodes.", no_args_is_help=True
)

TokenFile = Annotated[
    Path | None,
    typer.Option(help="the cluster's token (RAY_AUTH_MODE=token); default DATA_DIR/cluster/auth_token, "
                 "which the head creates: copy it to each worker"),
]  # fmt: skip


def _need_ray() -> None:
    if importlib.util.find_spec("ray") is None:
        raise fail("Ray is not installed: pip install 'shelfwise[cluster]'")


def _default_temp_dir(data_dir: Path, role: str) -> Path:
    """A short folder of this data folder's own for the node's sockets and logs."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode()).hexdigest()[:8]
    return Path(tempfile.gettempdir()) / f"shelfwise-ray-{digest}-{role}"


@cluster_app.command("up")
def up(
    node_ip: Annotated[str, typer.Option(help="this node's address, as the other nodes reach it")],
    head: Annotated[bool, typer.Option("--head", help="start the head node")] = False,
    address: Annotated[str | None, typer.Option(help="join the head at HOST:PORT as a worker")] = None,
    port: Annotated[int, typer.Option(help="the head's port (GCS)")] = 6379,
    object_store_mb: Annotated[int, typer.Option(min=79, help="the node's object store, MB")] = 1024,
    num_cpus: Annotated[int | None, typer.Option(min=1, help="CPUs Ray may use; default: all")] = None,
    artifact_root: Annotated[
        Path | None, typer.Option(help="a folder every node sees [env SHELFWISE_ARTIFACT_ROOT]")
    ] = None,
    token_file: TokenFile = None,
    temp_dir: Annotated[Path | None, typer.Option(help="Ray's folder for sockets and logs (short)")] = None,
    drain_seconds: Annotated[float, typer.Option(min=0, help="how long `down` lets the node drain")] = 10.0,
    wait_seconds: Annotated[float, typer.Option(min=1, help="how long to wait for the node")] = 120.0,
    data_dir: DataDir = None,
) -> None:
    """Start a head node (--head) or a worker (--address HEAD:PORT) on this machine, recorded in
    the data folder so that `down` stops it."""
    _need_ray()
    from shelfwise.cluster import ClusterSettings, ClusterUpError, NodeSpec, NodeStartError
    from shelfwise.cluster import up as start

    if head == (address is not None):
        raise fail("give either --head or --address HEAD:PORT")
    settings = settings_of(data_dir)
    root = artifact_root or settings.artifact_root
    if root is None:
        raise fail("set --artifact-root or SHELFWISE_ARTIFACT_ROOT: a folder every node sees")
    role = "head" if head else "worker"
    token = token_file or settings.data_dir / "cluster" / "auth_token"
    cluster = ClusterSettings(settings.data_dir, root, token, settings.database_url)
    spec = NodeSpec(
        node_ip=node_ip, object_store_bytes=object_store_mb * 1_000_000, port=port, head_address=address,
        temp_dir=(temp_dir or _default_temp_dir(settings.data_dir, role)).absolute(),
        token_file=cluster.token_file, num_cpus=num_cpus, drain_seconds=drain_seconds,
    )  # fmt: skip
    try:
        state = start(cluster, spec, os.environ, wait_seconds, sys.executable)
    except ValueError as error:
        raise fail(str(error)) from None
    except (ClusterUpError, NodeStartError) as error:
        raise fail(str(error), EXIT_FAILED) from None
    _report_up(state, role)


def _report_up(state: ClusterState, role: str) -> None:
    node = state.nodes[-1]
    typer.echo(
        f"{role} node started: {node.node_ip} in the cluster at {state.address} "
        f"(pid {node.pid}, log {node.log_file})"
    )
    if role == "head":
        typer.echo(f"token: {state.token_file} (copy it to every worker; keep it secret)")
        typer.echo(f"join: shelfwise cluster up --address {state.address} --node-ip WORKER_IP "
                   f"--artifact-root {state.artifact_root} --token-file TOKEN_FILE")  # fmt: skip
    if state.database_url is None:
        typer.echo(
            "note: no SHELFWISE_DATABASE_URL: jobs on other nodes cannot reach this shop's SQLite files",
            err=True,
        )


@cluster_app.command("status")
def status(
    address: Annotated[str | None, typer.Option(help="HEAD:PORT; default: the recorded cluster")] = None,
    token_file: TokenFile = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    timeout: Annotated[float, typer.Option(min=1, help="seconds to wait for the cluster")] = 60.0,
    data_dir: DataDir = None,
) -> None:
    """The nodes this data folder started and the cluster's nodes with their resources."""
    _need_ray()
    from shelfwise.cluster import status as ask

    found = ask(settings_of(data_dir).data_dir, os.environ, address, token_file, timeout, sys.executable)
    if as_json:
        typer.echo(json.dumps(_status_json(found), indent=2))
    else:
        _print_status(found)
    if found.error is not None:
        raise typer.Exit(EXIT_FAILED)


def _status_json(found: ClusterStatus) -> dict[str, object]:
    from shelfwise.storage.urls import redact

    state = found.state
    return {
        "address": state.address if state else None,
        "artifact_root": state.artifact_root if state else None,
        "database_url": redact(state.database_url) if state and state.database_url else None,
        "started_here": [
            {"role": n.role, "pid": n.pid, "node_ip": n.node_ip, "running": alive}
            for n, alive in found.local_alive
        ],  # fmt: skip
        "nodes": [asdict(node) for node in found.nodes],
        "error": found.error,
    }


def _print_status(found: ClusterStatus) -> None:
    report = _status_json(found)
    if found.state is not None:
        typer.echo(f"cluster {report['address']}: artifact root {report['artifact_root']}, "
                   f"database {report['database_url'] or 'none (SQLite files)'}")  # fmt: skip
    for record, alive in found.local_alive:
        running = "running" if alive else "not running"
        typer.echo(f"started here: {record.role} {record.node_ip} pid {record.pid} {running}")
    if found.error is not None:
        typer.echo(f"error: {found.error}", err=True)
        return
    alive_nodes = [node for node in found.nodes if node.alive]
    typer.echo(f"nodes: {len(alive_nodes)} alive, {len(found.nodes) - len(alive_nodes)} dead")
    for node in found.nodes:
        typer.echo(
            f"  {'head' if node.is_head else 'worker':6} {node.node_ip:15} "
            f"{'alive' if node.alive else 'dead':5} "
            f"{node.cpus:g} CPU  memory {node.memory_bytes / 2**30:.1f} GiB  "
            f"object store {node.object_store_bytes / 1e6:.0f} MB  {node.node_id[:12]}"
        )


@cluster_app.command("down")
def down(
    drain_seconds: Annotated[float, typer.Option(min=0, help="how long each node may drain")] = 10.0,
    data_dir: DataDir = None,
) -> None:
    """Stop the nodes this data folder started (by pid; never other Ray processes)."""
    from shelfwise.cluster import down as stop

    outcomes = stop(settings_of(data_dir).data_dir, drain_seconds)
    if not outcomes:
        typer.echo("no node started from this data folder")
    for node, outcome in outcomes:
        typer.echo(f"{node.role} {node.node_ip} pid {node.pid}: {outcome}")


@cluster_app.command("encode")
def encode(
    actors: Annotated[int, typer.Option(min=1, help="encoder actors (one CPU, one thread each)")] = 2,
    shard_size: Annotated[int, typer.Option(min=1, help="products per read task")] = 5000,
    chunk_size: Annotated[
        int,
        typer.Option(min=1, help="texts per encoder call (the single-process encoder's 2048: its vectors)"),
    ] = 2048,
    index: Annotated[bool, typer.Option(help="build and publish the index version afterwards")] = True,
    serving_version: Annotated[
        str | None,
        typer.Option(
            help="publish as a new Serve version ARTIFACT_ROOT/serving/NAME (index and the shop's "
            "models) for `cluster serve --version NAME`"
        ),
    ] = None,
    timeout: Annotated[float, typer.Option(min=1, help="seconds the whole job may take")] = 3600.0,
    as_json: Annotated[bool, typer.Option("--json", help="print the report as JSON")] = False,
    data_dir: DataDir = None,
) -> None:
    """Encode the catalog on the cluster into the pgvector cache (Ray Data, an actor pool, COPY),
    then build the index version and publish it under ARTIFACT_ROOT/indexes (or, with
    --serving-version, as a Serve version's data folder)."""
    _need_ray()
    from shelfwise.cluster import load_state, ray_env
    from shelfwise.cluster.encoding import EncodeError, EncodeJob, encode_on_cluster

    settings = settings_of(data_dir)
    state = load_state(settings.data_dir)
    if state is None:
        raise fail(f"no cluster started from {settings.data_dir}: `shelfwise cluster up` first")
    url = settings.database_url or state.database_url
    if not url or not url.startswith("postgresql"):
        raise fail("set SHELFWISE_DATABASE_URL to the shop's PostgreSQL: every node reads the catalog there")
    root = settings.artifact_root or Path(state.artifact_root)
    if serving_version is not None:
        _check_serving_version(root, serving_version, index)
    job = EncodeJob(
        address=state.address, database_url=url, artifact_root=root, actors=actors,
        read_shard_size=shard_size, chunk_size=chunk_size, build_index=index,
        settings=settings.model_dump_json(), serving_version=serving_version,
    )  # fmt: skip
    try:
        report = encode_on_cluster(job, ray_env(os.environ, Path(state.token_file)), timeout, sys.executable)
    except EncodeError as error:
        raise fail(str(error), EXIT_FAILED) from None
    _print_encoded(report, as_json)


def _check_serving_version(artifact_root: Path, name: str, index: bool) -> None:
    """Refuse a bad or existing Serve version name before the cluster does any work."""
    from shelfwise.cluster.serving_version import check_new_version

    if not index:
        raise fail("--serving-version publishes the index: drop --no-index")
    try:
        check_new_version(artifact_root, name)
    except (ValueError, FileExistsError) as error:
        raise fail(str(error)) from None


def _print_encoded(report: EncodeReport, as_json: bool) -> None:
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    rate = report.texts_encoded / report.busy_seconds if report.busy_seconds else 0.0
    typer.echo(f"encoded {report.texts_encoded} texts in {report.chunks} chunks with {report.actors} actors: "
               f"{report.busy_seconds:.1f} s busy ({rate:.0f} texts/s), {report.encode_seconds:.1f} s with "
               f"their start; {report.rows_copied} rows copied into the cache")  # fmt: skip
    if report.version is not None:
        typer.echo(f"published index {report.version} under {report.index_root}")
    if report.serving_version is not None:
        typer.echo(f"serving version {report.serving_version} ready (carried: "
                   f"{', '.join(report.carried or []) or 'no models'}): "
                   f"shelfwise cluster serve --version {report.serving_version}")  # fmt: skip

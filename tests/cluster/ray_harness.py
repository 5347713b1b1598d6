"""A real two-node Ray cluster for tests (issue 29 part 6), reachable only inside network
namespaces the fixture creates.

`netns_pair` makes two namespaces joined by a veth pair with private addresses (HEAD_IP and
WORKER_IP), loopback up, no route out; `start_nodes` starts a head in one and a worker in
the other with `shelfwise cluster up` (token authentication on, the head's token file copied to
the worker's data folder, an 80 MB object store, one CPU each) and stops them with `shelfwise
cluster down`, then, as a safety net, any process of their groups left, pid by pid; the
namespaces and the temp folder are deleted at the end. Ray is never started with a loopback or
the machine's own address (Ray rewrites 127.0.0.1 to the machine's interface address, which no
test may use). Where namespaces cannot be made (no `ip`, not root, no permission) the tests skip
with the reason. One cluster for the whole session (`shop_cluster`, with PostgreSQL); only the
README's test starts one of its own (it runs the README's commands, `down` included); every wait
is bounded.

Later parts (distributed encoding, training, sharded search, Serve) run their drivers with
`cluster.run_python(ns, code)`: the code runs with the token, the head's address in `ADDRESS`.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from postgres_netns import NetnsPostgres, start_postgres_in_namespace, stop_postgres

from shelfwise.cluster.node import ray_env
from shelfwise.cluster.procs import ProcessId, group_members, stop_group
from shelfwise.cluster.state import NodeRecord, load_state

ROOT = Path(__file__).resolve().parents[2]
HEAD_IP, WORKER_IP, PREFIX = "10.203.0.1", "10.203.0.2", 24
PORT = 6379
OBJECT_STORE_MB = 80
DRAIN_SECONDS = 2.0
# what every test node is started with beside the README's options: small and quick to stop
TEST_NODE_OPTIONS = ["--object-store-mb", str(OBJECT_STORE_MB), "--num-cpus", "1",
                     "--drain-seconds", str(DRAIN_SECONDS), "--wait-seconds", "150"]  # fmt: skip


@dataclass(frozen=True)
class NetnsPair:
    """Two network namespaces joined by a veth pair: `head` holds HEAD_IP, `worker` WORKER_IP."""

    head: str
    worker: str

    def run(
        self, namespace: str, argv: list[str], env: dict[str, str], timeout: float
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["ip", "netns", "exec", namespace, *argv], env=env, capture_output=True,
                              text=True, timeout=timeout, check=False)  # fmt: skip


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=True)


def _delete_namespaces(*names: str) -> None:
    for name in names:
        subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=30, check=False)


def make_netns_pair(tag: str) -> NetnsPair | str:
    """The namespaces, or why they cannot be made here (the skip reason)."""
    if shutil.which("ip") is None:
        return "no `ip` command (iproute2) to create network namespaces"
    if os.geteuid() != 0:
        return "creating network namespaces needs root"
    pair = NetnsPair(f"sw{tag}h", f"sw{tag}w")
    head_link, worker_link = f"swv{tag}h", f"swv{tag}w"
    try:
        _ip("netns", "add", pair.head)
        _ip("netns", "add", pair.worker)
        _ip("link", "add", head_link, "type", "veth", "peer", "name", worker_link)
        for namespace, link, address in (
            (pair.head, head_link, HEAD_IP),
            (pair.worker, worker_link, WORKER_IP),
        ):
            _ip("link", "set", link, "netns", namespace)
            _ip("-n", namespace, "addr", "add", f"{address}/{PREFIX}", "dev", link)
            _ip("-n", namespace, "link", "set", "lo", "up")
            _ip("-n", namespace, "link", "set", link, "up")
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
        _delete_namespaces(pair.head, pair.worker)
        subprocess.run(["ip", "link", "del", head_link], capture_output=True, timeout=30, check=False)
        stderr = getattr(error, "stderr", "") or ""
        return f"cannot create network namespaces here: {' '.join(str(stderr).split()) or error}"
    return pair


@pytest.fixture(scope="module")
def netns_pair() -> Iterator[NetnsPair]:
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install -e '.[dev]')")
    made = make_netns_pair(str(os.getpid()))
    if isinstance(made, str):
        print(f"skipping the Ray cluster tests: {made}")
        pytest.skip(made)
    try:
        yield made
    finally:
        _delete_namespaces(made.head, made.worker)


@dataclass(frozen=True)
class TwoNodeCluster:
    """A running head (in `netns.head`) and worker (in `netns.worker`), each started from its own
    data folder by `shelfwise cluster up`; the artifact root is one folder both see."""

    netns: NetnsPair
    root: Path
    head_data: Path
    worker_data: Path
    artifact_root: Path
    env: dict[str, str]

    @property
    def address(self) -> str:
        return f"{HEAD_IP}:{PORT}"

    @property
    def token_file(self) -> Path:
        return self.head_data / "cluster" / "auth_token"

    def shelfwise(self, namespace: str, *args: str, timeout: float = 200) -> subprocess.CompletedProcess[str]:
        """`shelfwise ARGS` run inside `namespace`."""
        return self.netns.run(namespace, [sys.executable, "-m", "shelfwise.cli", *args], self.env, timeout)

    def run_python(self, namespace: str, code: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """A Python driver inside `namespace` with the cluster's token in its environment; the
        code finds the head's address in the global `ADDRESS`."""
        program = f"ADDRESS = {self.address!r}\n{code}"
        return self.netns.run(
            namespace, [sys.executable, "-c", program], ray_env(self.env, self.token_file), timeout
        )

    def nodes(self) -> list[NodeRecord]:
        states = [load_state(data) for data in (self.worker_data, self.head_data)]
        return [node for state in states if state is not None for node in state.nodes]

    def our_processes(self) -> list[ProcessId]:
        """Every live process of the nodes' groups (their `ray start` leaders and children)."""
        return [member for node in self.nodes() for member in group_members(node.pid)]


def new_cluster(netns: NetnsPair, root: Path, database_url: str | None = None) -> TwoNodeCluster:
    """`database_url`, when given, is the setting `cluster up` records for both nodes."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    for name in ("SHELFWISE_DATA_DIR", "SHELFWISE_DATABASE_URL", "SHELFWISE_ARTIFACT_ROOT", "RAY_ADDRESS"):
        env.pop(name, None)
    if database_url is not None:
        env["SHELFWISE_DATABASE_URL"] = database_url
    return TwoNodeCluster(netns, root, root / "head", root / "worker", root / "artifacts", env)


def start_nodes(cluster: TwoNodeCluster) -> None:
    """The head, then the worker with a copy of the head's token file, each with its temp folder
    under the cluster's root."""
    netns, root = cluster.netns, cluster.root
    cluster.artifact_root.mkdir()
    common = ["--artifact-root", str(cluster.artifact_root), *TEST_NODE_OPTIONS]
    head_options = ["--head", "--node-ip", HEAD_IP, "--port", str(PORT), "--temp-dir", str(root / "th")]
    head = cluster.shelfwise(
        netns.head, "cluster", "up", *head_options, *common, "-d", str(cluster.head_data)
    )
    assert head.returncode == 0, head.stdout + head.stderr
    worker_token = cluster.worker_data / "cluster" / "auth_token"
    worker_token.parent.mkdir(parents=True)
    shutil.copyfile(cluster.token_file, worker_token)  # "copy the head's token file to every worker"
    worker_options = ["--address", cluster.address, "--node-ip", WORKER_IP, "--temp-dir", str(root / "tw")]
    worker = cluster.shelfwise(
        netns.worker, "cluster", "up", *worker_options, *common, "-d", str(cluster.worker_data)
    )
    assert worker.returncode == 0, worker.stdout + worker.stderr


def stop_everything(cluster: TwoNodeCluster) -> None:
    """`shelfwise cluster down` for both data folders, then SIGKILL, pid by pid, to anything of
    their groups still alive."""
    leaders = cluster.nodes()
    for data in (cluster.worker_data, cluster.head_data):
        subprocess.run([sys.executable, "-m", "shelfwise.cli", "cluster", "down", "-d", str(data)],
                       env=cluster.env, capture_output=True, timeout=120, check=False)  # fmt: skip
    for node in leaders:
        stop_group(node.process, 0.0)


@dataclass(frozen=True)
class ShopCluster:
    """The two-node cluster plus a PostgreSQL in the head's namespace on HEAD_IP, shared by every
    test of the session that needs one (parts 2-5); each test takes its own database."""

    cluster: TwoNodeCluster
    postgres: NetnsPostgres

    def new_database(self) -> str:
        """A fresh, empty database's name: `postgres.url(name)` from inside the namespaces (Ray's
        processes), `postgres.local_url(name)` from the test process; pgvector is installed."""
        import psycopg

        name = f"shop_{next(_DATABASES)}"
        with psycopg.connect(self.postgres.local_url(), autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}".encode())
        return name


_DATABASES = itertools.count()


@pytest.fixture(scope="session")
def shop_cluster() -> Iterator[ShopCluster]:
    """One two-node cluster with PostgreSQL for the whole session (a cluster costs about a minute
    to start); stopped, pid by pid, with its namespaces at the end."""
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        pytest.skip("Ray is not installed (pip install -e '.[dev]')")
    made = make_netns_pair(f"{os.getpid()}s")
    if isinstance(made, str):
        print(f"skipping the Ray cluster tests: {made}")
        pytest.skip(made)
    root = Path(tempfile.mkdtemp(prefix="swshop", dir="/tmp"))  # short: Ray's sockets live under it
    postgres: NetnsPostgres | None = None
    cluster: TwoNodeCluster | None = None
    try:
        subnet = f"{HEAD_IP.rsplit('.', 1)[0]}.0/{PREFIX}"
        postgres = start_postgres_in_namespace(made.head, HEAD_IP, subnet, root / "pg")
        cluster = new_cluster(made, root, database_url=postgres.url())
        start_nodes(cluster)
        yield ShopCluster(cluster, postgres)
    finally:
        if cluster is not None:
            stop_everything(cluster)
        if postgres is not None:
            stop_postgres(postgres)
        _delete_namespaces(made.head, made.worker)
        shutil.rmtree(root, ignore_errors=True)

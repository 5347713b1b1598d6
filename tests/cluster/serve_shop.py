"""A demo shop served by Ray Serve replicas on the session's cluster, and the HTTP clients that
load it from inside the namespaces (issue 29 part 5; used by test_serve_replicas.py and
benchmarks/cluster_serve.py).

The shop: a small demo catalog in a fresh PostgreSQL database and two artifact versions (data
folders with an index each, built here through the Unix socket) under the artifact root. It is
deployed with `shelfwise cluster serve` run inside the head's namespace (the proxy on HEAD_IP),
and stopped with `shelfwise cluster serve-stop`. The clients are Python programs run inside a
namespace (`start_client`): they reach only the proxy's address, and report JSON on stdout.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ray_harness import HEAD_IP, ShopCluster

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog

CLIENTS = Path(__file__).with_name("serve_clients.py")
HTTP_PORT = 8000
KEY = "serve-test-key-" + "k" * 24
SERVE_ENV = {  # every replica: the hashing encoder (no model to load), no polling catch-up
    "SHELFWISE_ENCODER__NAME": "hashing",  # within a test: only notifications refresh an index
    "SHELFWISE_SERVE__CATCH_UP_SECONDS": "600",
    "SHELFWISE_SERVE__API_KEY": KEY,
    "SHELFWISE_SERVE__RATE_LIMIT_PER_ADDRESS": "100000",
    "SHELFWISE_SERVE__RATE_LIMIT_PER_KEY": "100000",
}


@dataclass(frozen=True)
class ServedShop:
    shop_cluster: ShopCluster
    database: str
    versions_root: Path
    index_versions: dict[str, str]  # artifact version -> the index version it holds

    @property
    def url(self) -> str:
        return f"http://{HEAD_IP}:{HTTP_PORT}"

    def env(self) -> dict[str, str]:
        url = self.shop_cluster.postgres.url(self.database)
        return {**self.shop_cluster.cluster.env, **SERVE_ENV, "SHELFWISE_DATABASE_URL": url}

    def cli(self, *args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        """`shelfwise cluster ARGS` inside the head's namespace, with the shop's settings."""
        cluster = self.shop_cluster.cluster
        argv = [sys.executable, "-m", "shelfwise.cli", "cluster", *args, "-d", str(cluster.head_data)]
        return cluster.netns.run(cluster.netns.head, argv, self.env(), timeout)

    def serve(self, version: str, replicas: int = 2, *extra: str) -> dict[str, Any]:
        done = self.cli("serve", "--version", version, "--replicas", str(replicas), "--replica-cpus", "0.5",
                        "--versions-root", str(self.versions_root), "--http-port", str(HTTP_PORT),
                        "--drain-seconds", "10", "--wait-seconds", "240", *extra)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return {"output": done.stdout}

    def replicas(self) -> list[dict[str, Any]]:
        done = self.cli("serve-status", "--json", timeout=120)
        assert done.returncode == 0, done.stdout + done.stderr
        found: list[dict[str, Any]] = json.loads(done.stdout.strip().splitlines()[-1])
        return found

    def stop(self) -> None:
        self.cli("serve-stop", timeout=180)

    def start_client(self, namespace: str, kind: str, **params: Any) -> subprocess.Popen[str]:
        """One of serve_clients.py's clients inside `namespace` (it reaches only the proxy)."""
        arguments = json.dumps({"url": self.url, "key": KEY, **params})
        argv = ["ip", "netns", "exec", namespace, sys.executable, str(CLIENTS), kind, arguments]
        return subprocess.Popen(
            argv, env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )


def finish(client: subprocess.Popen[str], timeout: float) -> dict[str, Any]:
    """The client's JSON report (bounded: killed by pid after `timeout`)."""
    try:
        out, err = client.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        client.kill()
        out, err = client.communicate(timeout=30)
        raise AssertionError(f"the client ran past {timeout:.0f} s: {err[-2000:]}") from None
    assert client.returncode == 0, err[-3000:]
    report: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return report


def build_shop(shop_cluster: ShopCluster, products: int = 200) -> ServedShop:
    """The demo catalog in a new database and versions v1 and v2 (each its own index build)."""
    from shelfwise.service import Shelfwise

    database = shop_cluster.new_database()
    root = shop_cluster.cluster.artifact_root / f"serving-{database}"
    indexes: dict[str, str] = {}
    for version in ("v1", "v2"):
        settings = Settings(data_dir=root / version, database_url=shop_cluster.postgres.local_url(database),
                            encoder=EncoderConfig(name="hashing"))  # fmt: skip
        shop = Shelfwise(settings)
        try:
            if version == "v1":
                shop.upsert_products(generate_demo_catalog(products, seed=29))
            indexes[version] = shop.open_index().version
        finally:
            shop.close()
    return ServedShop(shop_cluster, database, root, indexes)


def descends_from(pid: int, ancestors: set[int]) -> bool:
    """Whether `pid` is one of `ancestors` or a descendant of one (walking /proc's parent pids)."""
    seen = 0
    while pid > 1 and seen < 64:
        if pid in ancestors:
            return True
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        pid, seen = int(stat.rsplit(")", 1)[1].split()[1]), seen + 1
    return False

"""`shelfwise cluster` refuses what it cannot start before Ray runs, and a shop on one machine
never imports Ray: only shelfwise/cluster/ may, and only inside functions run in child processes."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.cli import app

ROOT = Path(__file__).resolve().parents[2]


def _up(tmp_path: Path, *args: str) -> tuple[int, str]:
    (tmp_path / "art").mkdir(exist_ok=True)
    done = CliRunner().invoke(
        app,
        ["cluster", "up", *args, "-d", str(tmp_path / "data")],
        env={"SHELFWISE_ARTIFACT_ROOT": str(tmp_path / "art")},
    )
    return done.exit_code, done.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--node-ip", "10.203.0.1"], "either --head or --address"),
        (["--head", "--address", "10.203.0.1:6379", "--node-ip", "10.203.0.1"], "either --head or --address"),
        (["--head", "--node-ip", "127.0.0.1"], "loopback"),
        (["--head", "--node-ip", "10.203.0.1", "--temp-dir", "/tmp/" + "t" * 60], "at most 45"),
        (["--head", "--node-ip", "192.0.2.1"], "not an address of this machine"),  # TEST-NET-1
        (["--address", "10.203.0.1:6379", "--node-ip", "10.203.0.2"], "not an address of this machine"),
    ],
)
def test_up_refuses_what_ray_would_not_start_as_meant(tmp_path: Path, args: list[str], message: str) -> None:
    code, output = _up(tmp_path, *args)
    assert code == 2 and message in " ".join(output.split()), output
    assert not (tmp_path / "data" / "cluster" / "cluster.json").exists()


def test_up_needs_an_artifact_root_every_node_sees(tmp_path: Path) -> None:
    up = ["cluster", "up", "--head", "--node-ip", "10.203.0.1", "-d", str(tmp_path)]
    done = CliRunner().invoke(app, up, env={"SHELFWISE_ARTIFACT_ROOT": None})
    assert done.exit_code == 2 and "--artifact-root" in done.output
    code, output = _up(
        tmp_path, "--head", "--node-ip", "10.203.0.1", "--artifact-root", str(tmp_path / "none")
    )
    assert code == 2 and "none" in output and "every node sees" in output


def test_down_and_status_without_a_cluster(tmp_path: Path) -> None:
    done = CliRunner().invoke(app, ["cluster", "down", "-d", str(tmp_path)])
    assert done.exit_code == 0 and "no node started from this data folder" in done.output
    done = CliRunner().invoke(app, ["cluster", "status", "-d", str(tmp_path)])
    assert done.exit_code == 1 and "none started from this data folder" in done.output


def test_the_cli_and_the_cluster_package_import_no_ray() -> None:
    code = "import sys, shelfwise.cli, shelfwise.cluster, shelfwise.serve_cluster.deploy\n"
    code += "print([m for m in sys.modules if m[:4] in RAY])"
    code = code.replace("RAY", "('ray', 'ray.')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "[]"


def _ray_imports(path: Path) -> list[tuple[int, bool]]:
    """(line, at module level) of each `import ray...` / `from ray... import` in the file."""
    tree = ast.parse(path.read_text(), str(path))
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        names = [alias.name for alias in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])  # fmt: skip
        if any(name == "ray" or name.startswith("ray.") for name in names):
            found.append((node.lineno, id(node) in top))
    return found


def test_only_the_cluster_packages_import_ray_and_never_at_import_time() -> None:
    """shelfwise/cluster and shelfwise/serve_cluster (the Serve replicas) may import Ray."""
    for path in sorted((ROOT / "shelfwise").rglob("*.py")):
        found = _ray_imports(path)
        relative = path.relative_to(ROOT)
        if relative.parts[:2] not in (("shelfwise", "cluster"), ("shelfwise", "serve_cluster")):
            assert found == [], f"{relative} imports ray"
        else:
            assert [line for line, top in found if top] == [], f"{relative} imports ray at import time"
    assert _ray_imports(ROOT / "shelfwise" / "cluster" / "probe.py") != []  # the check sees a real one

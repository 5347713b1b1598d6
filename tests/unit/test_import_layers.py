"""The package's import layers and the absence of import cycles, as `make lint` checks them
(import-linter contracts in pyproject.toml's [tool.importlinter])."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "from importlinter.cli import lint_imports\n"
    "raise SystemExit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))\n"
)


def test_the_import_contracts_hold() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout

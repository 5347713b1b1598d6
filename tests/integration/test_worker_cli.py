"""`shelfwise worker` stops cleanly on SIGTERM or SIGINT (exit code 0, no traceback)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_worker_stops_cleanly_on_a_signal(tmp_path: Path, signum: int) -> None:
    env = {**os.environ, "SHELFWISE_ENCODER__NAME": "hashing", "HF_HUB_OFFLINE": "1"}
    worker = subprocess.Popen(
        [sys.executable, "-m", "shelfwise.cli", "worker", "--data-dir", str(tmp_path)],
        env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert worker.stderr is not None
        for line in worker.stderr:  # blocks until the worker says it waits (or exits)
            if "waiting for jobs" in line:
                break
        worker.send_signal(signum)
        _, rest = worker.communicate(timeout=60)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, rest
    assert "0 jobs run" in rest and "Traceback" not in rest

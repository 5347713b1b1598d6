"""What the Ray Train benchmarks share (cluster_training.py, cluster_fine_tuning.py): one run per
seed as a driver inside the head's namespace of a two-node cluster the test harness starts and
stops, and the spread of a figure over seeds."""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def ray_runs(
    module: str, seeds: list[int], call: Callable[[int, Path], str], timeout: float, tag: str
) -> list[dict[str, Any]]:
    """Each seed's run: `call(seed, artifact_root)` is a Python call on the benchmark `module`
    (imported as `b`, the head's address in `ADDRESS`) that prints its figures as JSON last."""
    sys.path.insert(0, str(ROOT / "tests" / "cluster"))
    from ray_harness import _delete_namespaces, make_netns_pair, new_cluster, start_nodes, stop_everything

    made = make_netns_pair(f"{os.getpid() % 10000}{tag}")
    if isinstance(made, str):
        raise SystemExit(f"cannot start the benchmark's cluster: {made}")
    root = Path(tempfile.mkdtemp(prefix="swbench", dir="/tmp"))
    cluster = None
    try:
        cluster = new_cluster(made, root)
        start_nodes(cluster)
        results = []
        here = str(ROOT / "benchmarks")
        for seed in seeds:
            code = (f"import sys\nsys.path.insert(0, {here!r})\nimport {module} as b\n"
                    f"{call(seed, cluster.artifact_root)}")  # fmt: skip
            done = cluster.run_python(made.head, code, timeout=timeout)
            if done.returncode != 0:
                raise RuntimeError(f"the Ray run failed: {done.stdout[-2000:]} {done.stderr[-4000:]}")
            results.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"Ray 2 workers seed {seed}: {results[-1]}", flush=True)
        return results
    finally:
        if cluster is not None:
            stop_everything(cluster)
        _delete_namespaces(made.head, made.worker)
        shutil.rmtree(root, ignore_errors=True)


def spread(values: list[float]) -> str:
    """Mean, min, max and standard deviation (nan for one value)."""
    sd = np.std(values, ddof=1) if len(values) > 1 else float("nan")
    return f"mean {np.mean(values):.4f}, min {min(values):.4f}, max {max(values):.4f}, sd {sd:.4f}"

"""What a persist of the vector index costs at N products: the whole save, then saves after each
batch of changed vectors (delta files while they stay within `vector.delta_max_fraction` of the
rows), and loading the folder whole and after the last persist, with the deltas it then holds
(choose --persists so that the last one is still a delta); the loaded index must answer as the
saved one did.

    .venv/bin/python benchmarks/vector_persist.py --size 1000000 --out runs/vector-persist.json

The vectors are random unit vectors (the index kind picked by size, IVF above
`vector.exact_max_items` by default): a save's cost depends on the row count and dimension, not
on what the vectors mean. A persist changes `--changes` vectors (the lifecycle persists every
`persist_every` = 2,000 changed products); the folder is under --work-dir and removed after.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from shelfwise.config import VectorConfig
from shelfwise.evaluate.machine import describe_machine
from shelfwise.index.vector import VectorIndex


def timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def check_loaded(saved: VectorIndex, loaded: VectorIndex, queries: np.ndarray) -> float:
    """The loaded index must hold every saved id with its vector, and answer as the saved one did:
    exactly for flat and IVF (deltas are appended in the same order), mostly for HNSW (the replayed
    rows are inserted with other random levels, so the graph differs). Returns the top-10 overlap."""
    ids = saved.product_ids()
    if sorted(loaded.product_ids()) != sorted(ids):
        raise SystemExit("the loaded index holds other products than the saved one")
    if not np.array_equal(loaded.vectors_for(ids), saved.vectors_for(ids)):
        raise SystemExit("the loaded index holds other vectors than the saved one")
    before = [{h.product_id for h in hits} for hits in saved.search(queries, 10)]
    after = [{h.product_id for h in hits} for hits in loaded.search(queries, 10)]
    overlap = float(np.mean([len(a & b) / max(len(a), 1) for a, b in zip(before, after, strict=True)]))
    if overlap < (0.9 if saved.kind == "hnsw" else 1.0):
        raise SystemExit(f"the loaded index answers differently (top-10 overlap {overlap:.3f})")
    return round(overlap, 4)


def measure(size: int, dim: int, changes: int, persists: int, config: VectorConfig, folder: Path) -> dict:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((size, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = [f"p{i}" for i in range(size)]
    started = time.perf_counter()
    index = VectorIndex.build(ids, vectors, dim, config)
    build_s = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    whole_s = timed(lambda: index.save(folder))
    load_whole_s = timed(lambda: VectorIndex.load(folder, config))
    saves = []
    for step in range(persists):
        changed = ids[step * changes : (step + 1) * changes]
        fresh = rng.standard_normal((len(changed), dim), dtype=np.float32)
        index.upsert(changed, fresh / np.linalg.norm(fresh, axis=1, keepdims=True))
        seconds = timed(lambda: index.save(folder))
        deltas = len(list(folder.glob("delta-*.npz")))
        saves.append({"seconds": round(seconds, 4), "delta_files": deltas})
        print(f"persist {step + 1}: {seconds * 1000:.1f} ms, {deltas} delta files", flush=True)
    at_load = len(list(folder.glob("delta-*.npz")))
    loaded: list[VectorIndex] = []
    load_deltas_s = timed(lambda: loaded.append(VectorIndex.load(folder, config)))
    overlap = check_loaded(index, loaded[0], vectors[:50])
    disk_mb = sum(p.stat().st_size for p in folder.iterdir()) / 1e6
    shutil.rmtree(folder, ignore_errors=True)
    return {
        "size": size, "dim": dim, "kind": index.kind, "changes_per_persist": changes,
        "delta_max_fraction": config.delta_max_fraction, "build_s": round(build_s, 1),
        "whole_save_s": round(whole_s, 3), "load_whole_s": round(load_whole_s, 3),
        "persists": saves, "load_after_persists_s": round(load_deltas_s, 3), "delta_files_at_load": at_load,
        "loaded_answer_overlap_at_10": overlap,
        "folder_mb": round(disk_mb, 1),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=384)
    parser.add_argument("--changes", type=int, default=2000, help="changed vectors per persist")
    parser.add_argument("--persists", type=int, default=5)
    parser.add_argument("--approximate", choices=("ivf", "hnsw"), default="ivf")
    parser.add_argument("--exact-max-items", type=int, default=VectorConfig().exact_max_items,
                        help="sizes up to this get the exact (flat) index")  # fmt: skip
    parser.add_argument("--delta-max-fraction", type=float, default=VectorConfig().delta_max_fraction)
    parser.add_argument("--work-dir", type=Path, default=Path("runs/vector-persist"))
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    config = VectorConfig(
        approximate=args.approximate,
        exact_max_items=args.exact_max_items,
        delta_max_fraction=args.delta_max_fraction,
    )
    report = measure(args.size, args.dim, args.changes, args.persists, config, args.work_dir / "vector")
    report["machine"] = describe_machine().model_dump()
    report["date"] = time.strftime("%Y-%m-%d")
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()

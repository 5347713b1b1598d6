"""How long a process takes to open a published index of N products, with the query
understanding saved beside the index version and without it (rebuilt from the products); and
how long an upsert takes when it makes the writer persist and the understanding due (2,000
changed products up to 200,000, 1% of the catalog beyond), with the understanding rebuilt in
the background, and when that rebuild is done.

    .venv/bin/python benchmarks/open_scale.py --sizes 100000 --repeats 2 --out runs/open-scale.json

The shop is the demo catalog generator scaled to N, indexed with the model-free hashing encoder
(every part of opening but the language model's vectors, which are loaded, not computed, at
open either way). Each open runs in a fresh process, as a server's start would; "rebuilt" first
removes the saved understanding (and the open saves it again).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from shelfwise.evaluate.machine import describe_machine


def build(size: int, folder: Path) -> None:
    from shelfwise.demo.catalog import generate_demo_catalog
    from shelfwise.service import Shelfwise

    shop = Shelfwise(_settings(folder))
    try:
        if shop.store.count() < size:
            products = generate_demo_catalog(size, seed=7)
            for start in range(0, size, 10_000):
                shop.upsert_products(products[start : start + 10_000])
            del products
        shop.open_index()
    finally:
        shop.close()


def open_once(folder: Path) -> dict[str, float]:
    """Open the published index in this process; seconds, and whether understanding was loaded."""
    from shelfwise.query.understand import QueryUnderstanding
    from shelfwise.service import Shelfwise

    builds = []
    original = QueryUnderstanding.build.__func__  # type: ignore[attr-defined]

    def counted(cls, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        builds.append(1)
        return original(cls, *args, **kwargs)

    QueryUnderstanding.build = classmethod(counted)  # type: ignore[method-assign, assignment]
    started = time.perf_counter()
    shop = Shelfwise(_settings(folder))
    shop.open_index()
    seconds = time.perf_counter() - started
    shop.close()
    return {"open_s": round(seconds, 2), "understanding_built": float(len(builds))}


def persist_once(folder: Path) -> dict[str, float]:
    """Open, upsert as many changed products as make the understanding due (new prices, 20 of
    them a new brand): seconds the upsert took (store, index refresh, persist), and until the
    rebuilt understanding knows the new brand."""
    from shelfwise.service import Shelfwise

    shop = Shelfwise(_settings(folder))
    shop.open_index()
    interval = getattr(shop.engine, "understanding_interval", None)  # absent before 2026-12-05
    changes = interval(shop.store.count()) if interval is not None else 2000
    products = [p for _, p in zip(range(changes), shop.store.iter_products(), strict=False)]
    changed = [p.model_copy(update={"price": round((p.price or 1.0) + 1.0, 2)}) for p in products[20:]]
    changed += [
        p.model_copy(update={"brand": "Zorvanta", "title": f"Zorvanta {p.title}"}) for p in products[:20]
    ]
    started = time.perf_counter()
    shop.upsert_products(changed)  # stores them and refreshes the index, which persists
    refreshed = time.perf_counter() - started
    engine = shop.engine
    if hasattr(engine, "wait_for_understanding"):
        engine.wait_for_understanding()
    ready = time.perf_counter() - started
    understanding = engine._require().understanding
    understood = understanding is not None and "Zorvanta" in understanding.read("zorvanta").filters.brands
    shop.close()
    return {
        "changed_products": changes,
        "upsert_s": round(refreshed, 2),
        "understanding_ready_s": round(ready, 2),
        "new_brand_understood": float(understood),
    }


def _settings(folder: Path):  # noqa: ANN202
    from shelfwise.config import EncoderConfig, Settings

    return Settings(data_dir=folder, encoder=EncoderConfig(name="hashing"))


def _snapshot(folder: Path) -> Path:
    from shelfwise.index import IndexVersions

    current = IndexVersions(_settings(folder).index_root).current()
    assert current is not None, f"{folder} has no published index"
    return current[1] / "understanding"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--work", type=Path, default=Path("runs/open-scale"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--open-only", type=Path, help=argparse.SUPPRESS)  # the child processes
    parser.add_argument("--persist-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.open_only:
        print(json.dumps(open_once(args.open_only)))
        return
    if args.persist_only:
        print(json.dumps(persist_once(args.persist_only)))
        return
    rows = []
    for size in args.sizes:
        folder = args.work / f"n{size}"
        started = time.perf_counter()
        build(size, folder)
        row: dict[str, object] = {"products": size, "build_s": round(time.perf_counter() - started, 1)}
        for kind in ("rebuilt", "loaded"):
            opens = []
            for _ in range(args.repeats):
                if kind == "rebuilt":
                    shutil.rmtree(_snapshot(folder), ignore_errors=True)
                child = subprocess.run([sys.executable, __file__, "--open-only", str(folder)],
                                       check=True, capture_output=True, text=True)  # fmt: skip
                opens.append(json.loads(child.stdout.strip().splitlines()[-1]))
            row[kind] = opens
        child = subprocess.run([sys.executable, __file__, "--persist-only", str(folder)],
                               check=True, capture_output=True, text=True)  # fmt: skip
        row["persist"] = json.loads(child.stdout.strip().splitlines()[-1])
        row["snapshot_mb"] = round(sum(p.stat().st_size for p in _snapshot(folder).rglob("*") if p.is_file())
                                   / 2**20, 1)  # fmt: skip
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"machine": describe_machine().model_dump(), "rows": rows}, indent=2))


if __name__ == "__main__":
    main()

"""The reliability scenarios of tests/reliability, with more kills, as a table for docs/benchmarks.md.

    .venv/bin/python benchmarks/reliability.py --server-kills 8 --publish-rounds 2

1. `shelfwise serve` killed with SIGKILL `--server-kills` times while a client posts batches of 50
   events (every other kill lands once the batch in flight is stored, before its answer); the
   client sends each unanswered batch again after the restart. Counted from events.db.
2. `shelfwise index --rebuild` killed at each named step of the publish, `--publish-rounds` times.
3. The data folder on a full tmpfs, the index folder on a full tmpfs, and a scan of 0-23 free pages
   on the index disk (needs root to mount; reported as skipped otherwise).

Everything runs under --work-dir (a temporary folder by default), servers on 127.0.0.1:8670-8689.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "reliability"))

from disk_harness import (  # noqa: E402 - the shared harness lives beside the tests
    CannotMount,
    DiskFullFigures,
    full_data_disk,
    full_index_disk,
    index_persist_scan,
    small_disk,
)
from kill_harness import PUBLISH_STEPS, indexed_folder, kill_index_publish, kill_server_during_events  # noqa: E402


def server_kills(work: Path, kills: int) -> None:
    figures = kill_server_during_events(work / "events-data", kills=kills)
    print("\n| kills | batches answered | events acknowledged | stored | lost | duplicated | "
          "committed, unacknowledged (resend: duplicate) | integrity |")  # fmt: skip
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    print(f"| {figures.kills} | {figures.batches} | {figures.acknowledged} | {figures.stored} | "
          f"{figures.lost} | {figures.duplicated} | {figures.committed_unacknowledged} | "
          f"{figures.integrity} |")  # fmt: skip


def publish_kills(work: Path, rounds: int) -> None:
    template = indexed_folder(work / "publish-template")
    outcomes = []
    for round_ in range(rounds):
        outcomes += kill_index_publish(template, work / f"publish-{round_}")
    print("\n| step killed at | kills | CURRENT after | loads and searches | `shelfwise index` after |")
    print("|---|---:|---|---|---|")
    for step in PUBLISH_STEPS:
        mine = [o for o in outcomes if o.step == step]
        current = "/".join(sorted({o.current for o in mine}))
        searchable, completed = sum(o.searchable for o in mine), sum(o.index_completed for o in mine)
        print(f"| {step} | {sum(o.killed for o in mine)} | {current} | {searchable}/{len(mine)} | "
              f"{completed}/{len(mine)} |")  # fmt: skip


def disk_full(work: Path) -> None:
    print("\n| disk full | write | answers while full | refusal | same write after freeing | "
          "acknowledged lost | integrity_check | index reopens |")  # fmt: skip
    print("|---|---|---|---|---:|---:|---|---|")
    try:
        with small_disk(work / "disk", 24) as disk:
            _rows(full_data_disk(disk))
        with small_disk(work / "idx" / "indexes", 4) as disk:
            _rows(full_index_disk(work / "idx", disk))
        with small_disk(work / "scan" / "indexes", 4) as disk:
            steps, figures = index_persist_scan(work / "scan", disk, range(0, 24))
    except CannotMount as why:
        print(f"| skipped: {why} |")
        return
    _rows(figures, "index folder, 0-23 pages free")
    causes = Counter(s.failed_at or "nothing (200)" for s in steps)
    print(
        f"\nIndex disk scan, 0-23 free pages of 4 KiB: ran out of room in {dict(causes)}; "
        f"consistent after catching up: {sum(s.consistent for s in steps)}/{len(steps)}"
    )


def _rows(figures: DiskFullFigures, label: str = "") -> None:
    integrity = "ok" if set(figures.integrity.values()) == {"ok"} else str(figures.integrity)
    for write in figures.writes:
        answers = ", ".join(f"{n}x {status}" for status, n in sorted(write.answers.items()))
        print(f"| {label or figures.disk} | {write.route} | {answers} | {write.message} | "
              f"{write.after_free} | {figures.acknowledged_missing} | "
              f"{integrity} ({len(figures.integrity)} files) | {figures.index_reopens} |")  # fmt: skip
    if figures.reads:
        reads = ", ".join(f"{route} {status}" for route, status in figures.reads.items())
        print(f"| {figures.disk} | reads while full | {reads} | | | | | |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server-kills", type=int, default=8)
    parser.add_argument("--publish-rounds", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=None)
    args = parser.parse_args()
    work = args.work_dir or Path(tempfile.mkdtemp(prefix="shelfwise-reliability-"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        server_kills(work, args.server_kills)
        publish_kills(work, args.publish_rounds)
        disk_full(work)
    finally:
        if args.work_dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()

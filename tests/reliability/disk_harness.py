"""Full-disk scenarios over a small tmpfs, shared by the tests beside this file and
benchmarks/reliability.py.

`full_data_disk`: the whole data folder is on the tmpfs. It is filled; product writes and batches
of events are sent until they are refused; reads are tried; space is freed; the refused writes are
sent again. `full_index_disk`: only the index folder is on the tmpfs, so a product write reaches
the store and fails at the index. Both end by checking every SQLite file and reopening the index.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi.testclient import TestClient
from kill_harness import EXPECTED, QUERY, catalog, settings_for

from shelfwise.config import ServeConfig
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

API_KEY = "disk-full-key"
MAX_TRIES = 400
"""writes sent while the disk is full, at most, waiting for the first refusal"""


class CannotMount(RuntimeError):
    """No tmpfs could be mounted here (not root, not Linux, or mount refused): the reason."""


@contextmanager
def small_disk(mount_point: Path, size_mb: int) -> Iterator[Path]:
    """A tmpfs of `size_mb` MiB mounted at `mount_point` for the block, unmounted after."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        raise CannotMount("mounting a tmpfs needs root on Linux")
    mount_point.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(mount_point)],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    if mounted.returncode != 0:
        raise CannotMount(f"mount -t tmpfs refused: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield mount_point
    finally:
        if subprocess.run(["umount", str(mount_point)], capture_output=True, timeout=60).returncode:
            subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=60)


def fill(disk: Path, leave_pages: int = 0) -> Path:
    """Write a file on `disk` until no byte more fits, then give `leave_pages` pages of 4 KiB
    back; returns it (delete it to free the space)."""
    filler = disk / "filler.bin"
    with open(filler, "wb", buffering=0) as handle:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 1):
            try:
                while True:
                    handle.write(b"\0" * chunk)
            except OSError as error:
                if error.errno not in (28, 122):  # ENOSPC, EDQUOT
                    raise
    os.truncate(filler, max(0, filler.stat().st_size - leave_pages * 4096))
    return filler


@dataclass(frozen=True)
class WriteTally:
    route: str
    answers: dict[int, int]
    """HTTP status -> how many writes got it while the disk was full"""
    message: str | None
    """the refusal's `error`"""
    after_free: int
    """the status of the refused write sent again once space was freed"""


@dataclass(frozen=True)
class DiskFullFigures:
    disk: str
    writes: tuple[WriteTally, ...]
    reads: dict[str, int]
    """route -> status while the disk was full"""
    refused_but_stored: int
    """products refused with 507 that the store had committed (allowed: committed, not acknowledged)"""
    caught_up: bool
    """after space was freed, the index caught up with the store without any new write"""
    acknowledged_missing: int
    """writes answered 200 whose products or events are not stored: must be 0"""
    integrity: dict[str, str]
    """SQLite file -> PRAGMA integrity_check"""
    index_reopens: bool
    """the index loads as it is after the scenario and finds the products written"""


def _product(pid: str) -> dict[str, object]:
    words = " ".join(f"{pid}-detail-{n}" for n in range(60))
    return {"title": f"Spare Part {pid}", "description": words, "brand": "Alba",
            "category": ["Home", "parts"], "price": 9.5}  # fmt: skip


def _events(batch: int) -> list[dict[str, object]]:
    query = " ".join(f"query-{batch}-{n}" for n in range(30))
    return [{"event_id": f"df-{batch}-{j}", "type": "search", "user_id": f"u{j % 9}", "query": query,
             "shown": [f"sku-{k:02d}" for k in range(7, 27)], "timestamp": 1764590400 + j}
            for j in range(100)]  # fmt: skip


@dataclass
class _Run:
    client: TestClient
    acked_products: list[str]
    acked_events: list[str]

    def put_until_refused(self, prefix: str) -> tuple[WriteTally, str | None]:
        answers: Counter[int] = Counter()
        for i in range(MAX_TRIES):
            pid = f"{prefix}-{i}"
            answer = self.client.put(f"/products/{pid}", json=_product(pid), headers={"X-API-Key": API_KEY})
            answers[answer.status_code] += 1
            if answer.status_code == 200:
                self.acked_products.append(pid)
                continue
            return WriteTally("PUT /products/{id}", dict(answers), answer.json().get("error"), 0), pid
        return WriteTally("PUT /products/{id}", dict(answers), None, 0), None

    def post_until_refused(self) -> tuple[WriteTally, int | None]:
        answers: Counter[int] = Counter()
        for batch in range(MAX_TRIES):
            answer = self.client.post("/events", json={"events": _events(batch)})
            answers[answer.status_code] += 1
            if answer.status_code == 200:
                self.acked_events.extend(str(e["event_id"]) for e in _events(batch))
                continue
            return WriteTally("POST /events", dict(answers), answer.json().get("error"), 0), batch
        return WriteTally("POST /events", dict(answers), None, 0), None

    def put_again(self, tally: WriteTally, pid: str | None) -> WriteTally:
        if pid is None:
            return tally
        answer = self.client.put(f"/products/{pid}", json=_product(pid), headers={"X-API-Key": API_KEY})
        if answer.status_code == 200:
            self.acked_products.append(pid)
        return WriteTally(tally.route, tally.answers, tally.message, answer.status_code)

    def post_again(self, tally: WriteTally, batch: int | None) -> WriteTally:
        if batch is None:
            return tally
        answer = self.client.post("/events", json={"events": _events(batch)})
        if answer.status_code == 200:
            self.acked_events.extend(str(e["event_id"]) for e in _events(batch))
        return WriteTally(tally.route, tally.answers, tally.message, answer.status_code)

    def reads(self, pid: str | None) -> dict[str, int]:
        routes = ["/health", "/products/sku-99", f"/search?q={QUERY.replace(' ', '+')}"]
        found = {route: self.client.get(route).status_code for route in routes}
        if pid is not None:  # the refused product: stored (200) or not (404), never a 5xx
            found["/products/{refused}"] = self.client.get(f"/products/{pid}").status_code
        return found


def _shop(data_dir: Path) -> Shelfwise:
    shop = Shelfwise(settings_for(data_dir))
    shop.upsert_products(catalog())
    shop.rebuild_index()
    shop.engine.persist_every = 1  # every write also saves the index: its persistence is tried too
    return shop


def _client(shop: Shelfwise) -> TestClient:
    return TestClient(create_app(shop, ServeConfig(api_key=API_KEY, catch_up_seconds=3600)))


def full_data_disk(disk: Path) -> DiskFullFigures:
    """Everything on the full disk: the store, the event log, the index."""
    data_dir = disk / "data"
    shop = _shop(data_dir)
    try:
        with _client(shop) as client:
            run = _Run(client, [], [])
            filler = fill(disk)
            put, refused = run.put_until_refused("full")
            post, refused_batch = run.post_until_refused()
            reads = run.reads(refused)
            stored = refused is not None and shop.store.get(refused) is not None
            filler.unlink()
            writes = (run.put_again(put, refused), run.post_again(post, refused_batch))
    finally:
        shop.close()
    return _conclude(data_dir, "data folder", writes, reads, stored, True, run)


def full_index_disk(data_dir: Path, disk: Path) -> DiskFullFigures:
    """Only the index folder on the full disk (`disk` is mounted at data_dir/indexes): a product
    write is stored, then fails at the index; the index catches up once space is freed."""
    shop = _shop(data_dir)
    try:
        with _client(shop) as client:
            run = _Run(client, [], [])
            filler = fill(disk)
            put, refused = run.put_until_refused("index")
            reads = run.reads(refused)
            stored = refused is not None and shop.store.get(refused) is not None
            filler.unlink()
            shop.catch_up()  # what the server does every `catch_up_seconds`
            caught_up = refused is not None and _finds(shop, f"Spare Part {refused}", refused)
            writes = (run.put_again(put, refused),)
    finally:
        shop.close()
    return _conclude(data_dir, "index folder", writes, reads, stored, caught_up, run)


def _finds(shop: Shelfwise, query: str, pid: str) -> bool:
    from shelfwise.records import SearchRequest

    hits = shop.search(SearchRequest(query=query, mode="lexical")).hits
    return bool(hits) and hits[0].product.product_id == pid


def _conclude(data_dir: Path, disk: str, writes: tuple[WriteTally, ...], reads: dict[str, int],
              refused_stored: bool, caught_up: bool, run: _Run) -> DiskFullFigures:  # fmt: skip
    integrity = {}
    for db in sorted(data_dir.glob("*.db")):
        with sqlite3.connect(db) as conn:
            integrity[db.name] = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
        conn.close()
    shop = Shelfwise(settings_for(data_dir))
    try:
        missing = sum(shop.store.get(pid) is None for pid in run.acked_products)
        stored_events = {s.event.event_id for s in shop.events.iter_events()}
        missing += sum(eid not in stored_events for eid in run.acked_events)
        reopens = (
            shop.load_index() is not None
            and _finds(shop, QUERY, EXPECTED)
            and all(_finds(shop, f"Spare Part {pid}", pid) for pid in run.acked_products[-3:])
        )
    finally:
        shop.close()
    return DiskFullFigures(disk, writes, reads, int(refused_stored), caught_up, missing, integrity, reopens)


@dataclass(frozen=True)
class SlackStep:
    pages: int
    """4 KiB pages left free on the index disk before the write"""
    status: int
    failed_at: str
    """what ran out of room: the lexical index, the vector files, the manifest, or '' for none"""
    consistent: bool
    """after space was freed and the index caught up, the product is stored and found by search"""


def index_persist_scan(data_dir: Path, disk: Path, pages: range) -> tuple[list[SlackStep], DiskFullFigures]:
    """One product write per step with `pages` free on the index disk: the index's writes (the
    lexical commit, then the vector files and the manifest, saved on every write here) run out of
    room at different points; each refused one must leave the index able to catch up."""
    shop = _shop(data_dir)
    steps: list[SlackStep] = []
    message: str | None = None
    refusals = _Refusals()
    logging.getLogger("shelfwise.serve").addHandler(refusals)
    try:
        with _client(shop) as client:
            run = _Run(client, [], [])
            for free in pages:
                pid = f"slack-{free}"
                filler = fill(disk, leave_pages=free)
                answer = client.put(f"/products/{pid}", json=_product(pid), headers={"X-API-Key": API_KEY})
                filler.unlink()
                if answer.status_code == 200:
                    run.acked_products.append(pid)
                shop.catch_up()
                consistent = shop.store.get(pid) is not None and _finds(shop, f"Spare Part {pid}", pid)
                failed_at = refusals.last_cause() if answer.status_code != 200 else ""
                message = answer.json().get("error") if answer.status_code != 200 else message
                steps.append(SlackStep(free, answer.status_code, failed_at, consistent))
    finally:
        logging.getLogger("shelfwise.serve").removeHandler(refusals)
        shop.close()
    answers = Counter(step.status for step in steps)
    tally = WriteTally("PUT /products/{id}", dict(answers), message, 200)
    return steps, _conclude(data_dir, "index folder", (tally,), {}, 0, all(s.consistent for s in steps), run)


class _Refusals(logging.Handler):
    """Keeps the server's last 'refused' warning: which write ran out of room."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record.getMessage())

    def last_cause(self) -> str:
        text = self.records[-1] if self.records else ""
        for mark, cause in (("lexical index commit", "lexical index"), ("requested and", "vector files"),
                            ("manifest", "manifest"), ("disk is full", "SQLite")):  # fmt: skip
            if mark in text:
                return cause
        return "other: " + text[-120:]

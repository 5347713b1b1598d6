"""Scenarios that kill Shelfwise processes with SIGKILL, shared by the tests beside this file and
benchmarks/reliability.py (which runs them with more kills and prints the figures).

`kill_server_during_events`: `shelfwise serve` takes batches of events from a client thread and
is killed while the client is sending; the client sends its unanswered batch again after each
restart, as a storefront would. Counted at the end from events.db: what was acknowledged, stored,
lost (acknowledged, not stored) and duplicated.

`kill_index_publish`: `shelfwise index --rebuild` in a child that stops at a named step of the
publish (patched in, not a timer) and is killed there; then the data folder must name a complete
version in CURRENT, answer searches and finish a later `shelfwise index`.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from shelfwise.config import EncoderConfig, Settings
from shelfwise.index import IndexVersions
from shelfwise.records import Product, SearchRequest
from shelfwise.service import Shelfwise

PORTS = range(8670, 8690)
"""ports the servers of these scenarios listen on (127.0.0.1), the first free one"""
WAIT_SECONDS = 180.0
"""the longest any one wait (a server start, a child reaching a step) may take"""


def child_env() -> dict[str, str]:
    """The environment of child processes: this one's without SHELFWISE_* settings, the hashing
    encoder (no model to load), this checkout first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SHELFWISE_")}
    root = str(Path(__file__).resolve().parents[2])
    env.update(
        {
            "SHELFWISE_ENCODER__NAME": "hashing",
            "HF_HUB_OFFLINE": "1",
            "PYTHONPATH": os.pathsep.join([root, env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        }
    )
    return env


def free_port() -> int:
    for port in PORTS:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {PORTS.start}-{PORTS.stop - 1}")


def post_json(url: str, body: object, timeout: float = 30.0) -> tuple[int, dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read().decode() or "{}")


# ----- the server killed while taking events --------------------------------------------------


@dataclass(frozen=True)
class EventKillFigures:
    kills: int
    batches: int
    """batches answered 200, resends included"""
    acknowledged: int
    """distinct events some 200 answer called accepted or duplicate"""
    stored: int
    """distinct events of the scenario in events.db"""
    lost: int
    """acknowledged, not stored: must be 0"""
    duplicated: int
    """event ids stored more than once: must be 0"""
    committed_unacknowledged: int
    """events of a batch cut off by a kill that had been stored (the resend called them duplicate)"""
    integrity: str


@contextmanager
def served(data_dir: Path, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`shelfwise serve` over `data_dir` until the block ends (SIGTERM, or SIGKILL if the block
    killed it already or it does not stop)."""
    with log.open("ab") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "shelfwise.cli", "serve", "--data-dir", str(data_dir),
             "--host", "127.0.0.1", "--port", str(port)],
            env=child_env(), stdout=sink, stderr=sink,
        )  # fmt: skip
    try:
        wait_serving(f"http://127.0.0.1:{port}", server, log)
        yield server
    finally:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=60)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=60)


def wait_serving(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
                if response.status == 200:
                    return
        except (OSError, http.client.HTTPException):
            pass
        if server.poll() is not None:
            raise RuntimeError(f"server exited with {server.returncode}: {log.read_text()[-3000:]}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"server not answering after {WAIT_SECONDS:.0f} s")
        time.sleep(0.2)


def event_batch(round_: int, number: int, size: int) -> list[dict[str, object]]:
    return [{"event_id": f"rk-{round_}-{number}-{j}", "type": ("view", "click")[j % 2],
             "user_id": f"u{j % 7}", "product_id": f"p{j % 11}", "timestamp": 1764590400 + j}
            for j in range(size)]  # fmt: skip


@dataclass
class _Client:
    """Posts batches one after another until one gets no answer (the server was killed)."""

    url: str
    round_: int
    size: int
    acked: set[str] = field(default_factory=set)
    answered: int = 0
    unanswered: list[dict[str, object]] | None = None
    progress: queue.Queue[int] = field(default_factory=queue.Queue)

    def run(self, limit: int) -> None:
        for number in range(limit):
            batch = event_batch(self.round_, number, self.size)
            try:
                status, body = post_json(self.url, {"events": batch})
            except (OSError, http.client.HTTPException):
                self.unanswered = batch
                return
            if status != 200 or body["accepted"] + body["duplicate"] != len(batch):
                raise AssertionError(f"batch {number}: {status} {body}")
            self.acked.update(str(e["event_id"]) for e in batch)
            self.answered += 1
            self.progress.put(self.answered)
        self.progress.put(-1)  # the server outlived every batch: no kill this round


def kill_server_during_events(
    data_dir: Path, kills: int, batch_size: int = 50, answered_before_kill: int = 3
) -> EventKillFigures:
    """Kill the server `kills` times, each after `answered_before_kill` batches were answered,
    while the client is sending the next; after each restart the cut-off batch is sent again."""
    port, log = free_port(), data_dir.parent / f"{data_dir.name}-server.log"
    url = f"http://127.0.0.1:{port}/events"
    acked: set[str] = set()
    batches = committed_unacknowledged = done = 0
    pending: list[dict[str, object]] | None = None
    for round_ in range(kills + 1):
        with served(data_dir, port, log) as server:
            if pending is not None:  # a storefront sends what got no answer again
                status, body = post_json(url, {"events": pending})
                assert status == 200, (status, body)
                committed_unacknowledged += body["duplicate"]
                acked.update(str(e["event_id"]) for e in pending)
                batches += 1
            client = _Client(url, round_, batch_size)
            limit = answered_before_kill + 200 if round_ < kills else answered_before_kill
            sender = threading.Thread(target=client.run, args=(limit,), daemon=True)
            sender.start()
            if round_ < kills:
                _await_kill_point(client, data_dir / "events.db", answered_before_kill,
                                  after_commit=round_ % 2 == 1)  # fmt: skip
                os.kill(server.pid, signal.SIGKILL)
                server.wait(timeout=60)
                done += 1
            sender.join(timeout=WAIT_SECONDS)
            assert not sender.is_alive(), "the client did not finish"
            acked |= client.acked
            batches += client.answered
            pending = client.unanswered
    return _count_events(data_dir / "events.db", done, batches, acked, committed_unacknowledged)


def _await_kill_point(client: _Client, db: Path, answered: int, after_commit: bool) -> None:
    """Return once `answered` batches were answered (the client is then sending the next one);
    with `after_commit`, once that next batch is also stored, its answer perhaps not yet sent."""
    while True:
        got = client.progress.get(timeout=WAIT_SECONDS)
        if got < 0:
            return  # every batch answered: nothing is in flight
        if got >= answered:
            break
    if not after_commit:
        return
    last = event_batch(client.round_, got, client.size)[-1]["event_id"]
    deadline = time.monotonic() + WAIT_SECONDS
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        while conn.execute("SELECT 1 FROM events WHERE event_id = ?", (last,)).fetchone() is None:
            if time.monotonic() > deadline or client.unanswered is not None:
                break
            time.sleep(0.001)
    conn.close()


def _count_events(db: Path, kills: int, batches: int, acked: set[str], unacked: int) -> EventKillFigures:
    with sqlite3.connect(db) as conn:
        ids = [row[0] for row in conn.execute("SELECT event_id FROM events WHERE event_id LIKE 'rk-%'")]
        integrity = str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    conn.close()
    stored = set(ids)
    return EventKillFigures(kills=kills, batches=batches, acknowledged=len(acked), stored=len(stored),
                            lost=len(acked - stored), duplicated=len(ids) - len(stored),
                            committed_unacknowledged=unacked, integrity=integrity)  # fmt: skip


# ----- an index publish killed at each of its steps -------------------------------------------

PUBLISH_STEPS = ("vectors-unsaved", "unpublished", "current-temp-written", "current-replaced", "pruning")
"""where the child stops to be killed: the new version's lexical index written but not its
vectors; the version complete but not published; CURRENT's new text written to a temporary file
(fsynced) but not moved over CURRENT; CURRENT replaced, its folder not yet fsynced nor the old
versions pruned; an old version half deleted by the prune"""

_PUBLISH_CHILD = r"""
import os, shutil, sys
from pathlib import Path
import shelfwise.index.artifacts as artifacts
from shelfwise.index import IndexVersions, VectorIndex
from shelfwise.cli import app

step = sys.argv[1]

def stop(name):
    if name == step:
        print("at", name, flush=True)
        sys.stdin.readline()  # waits for SIGKILL; never returns

real_save, real_publish, real_replace = VectorIndex.save, IndexVersions.publish, os.replace

def save(self, path):
    stop("vectors-unsaved")
    real_save(self, path)

def publish(self, version):
    stop("unpublished")
    real_publish(self, version)

def replace(src, dst, *args, **kwargs):
    current = Path(dst).name == "CURRENT"
    if current:
        stop("current-temp-written")
    real_replace(src, dst, *args, **kwargs)
    if current:
        stop("current-replaced")

def rmtree(path, ignore_errors=False):
    files = sorted(p for p in Path(path).rglob("*") if p.is_file())
    for doomed in files[: len(files) // 2]:
        doomed.unlink()
    stop("pruning")
    shutil.rmtree(path, ignore_errors=ignore_errors)

VectorIndex.save, IndexVersions.publish, os.replace = save, publish, replace
artifacts.shutil = type("Shutil", (), {"rmtree": staticmethod(rmtree)})
app(["index", "--rebuild", "--data-dir", sys.argv[2]])
print("finished", flush=True)
"""


@dataclass(frozen=True)
class PublishKill:
    step: str
    killed: bool
    """False when the child finished before reaching the step"""
    current: str
    """'old' or 'new': the version CURRENT names after the kill"""
    searchable: bool
    """the published index loads as it is and answers a search"""
    index_completed: bool
    """a later `shelfwise index` (Shelfwise.open_index) finished and searches work after it"""


def publish_killed_at(data_dir: Path, step: str) -> tuple[bool, str | None]:
    """Run `shelfwise index --rebuild` over `data_dir` in a child killed at `step`; returns
    whether it was killed there and the version it was building (None if none was started)."""
    registry = IndexVersions(data_dir / "indexes")
    before = set(registry.versions())
    log = data_dir.parent / f"{data_dir.name}-publish.log"
    with log.open("ab") as sink:
        child = subprocess.Popen([sys.executable, "-c", _PUBLISH_CHILD, step, str(data_dir)],
                                 env=child_env(), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                 stderr=sink, text=True)  # fmt: skip
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(child, lines), daemon=True).start()
    killed = False
    try:
        while True:
            line = lines.get(timeout=WAIT_SECONDS).strip()
            if line == f"at {step}":
                os.kill(child.pid, signal.SIGKILL)
                killed = True
                break
            if line in ("finished", "EOF"):
                break
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=60)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()
    if not killed and child.returncode != 0:
        raise RuntimeError(f"the publishing child failed ({child.returncode}): {log.read_text()[-3000:]}")
    built = sorted(set(registry.versions()) - before)
    return killed, built[-1] if built else None


def _read_lines(child: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    assert child.stdout is not None
    try:
        for line in child.stdout:
            lines.put(line)
    except ValueError:  # closed by the parent after the kill
        pass
    lines.put("EOF")


QUERY, EXPECTED = "mahogany writing bureau", "sku-99"
"""a search whose first hit is known in the catalog below"""


def catalog() -> list[Product]:
    kinds = ["oak desk", "steel lamp", "linen sofa", "glass vase", "wool rug", "cotton throw",
             "walnut bookshelf", "ceramic mug", "bamboo tray", "copper kettle"]  # fmt: skip
    products = [Product(product_id=f"sku-{i:02d}", title=f"{kinds[i % 10].title()} no. {i}",
                        brand=("Alba", "Brio", "Corto")[i % 3], category=("Home", kinds[i % 10].split()[1]),
                        price=10.0 + i)
                for i in range(7, 36)]  # fmt: skip
    return [*products, Product(product_id=EXPECTED, title="Mahogany Writing Bureau", brand="Alba",
                               category=("Home", "bureau"), price=420.0)]  # fmt: skip


def settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, encoder=EncoderConfig(name="hashing"))


def indexed_folder(data_dir: Path, versions: int = 2) -> Path:
    """A data folder with `catalog()` and `versions` index versions built (the last published)."""
    shop = Shelfwise(settings_for(data_dir))
    try:
        shop.upsert_products(catalog())
        for _ in range(versions):
            shop.rebuild_index()
    finally:
        shop.close()
    return data_dir


def first_hit(shop: Shelfwise) -> str | None:
    hits = shop.search(SearchRequest(query=QUERY)).hits
    return hits[0].product.product_id if hits else None


def kill_index_publish(template: Path, work: Path, steps: Sequence[str] = PUBLISH_STEPS) -> list[PublishKill]:
    """For each step, a copy of the indexed folder `template` whose rebuild is killed there."""
    outcomes = []
    for step in steps:
        data_dir = work / step
        shutil.copytree(template, data_dir)
        old = IndexVersions(data_dir / "indexes").current()
        assert old is not None
        killed, new = publish_killed_at(data_dir, step)
        outcomes.append(_after_kill(data_dir, step, killed, old[0], new))
    return outcomes


def _after_kill(data_dir: Path, step: str, killed: bool, old: str, new: str | None) -> PublishKill:
    registry = IndexVersions(data_dir / "indexes")
    current = registry.current()  # raises when CURRENT names no version folder
    assert current is not None, "no CURRENT after the kill"
    manifest = registry.read_manifest(current[1])  # a complete version has its manifest
    assert manifest.version == current[0] and manifest.product_count == len(catalog())
    which = "old" if current[0] == old else "new" if current[0] == new else f"other: {current[0]}"
    shop = Shelfwise(settings_for(data_dir))
    try:
        searchable = shop.load_index() is not None and first_hit(shop) == EXPECTED
    finally:
        shop.close()
    shop = Shelfwise(settings_for(data_dir))
    try:
        shop.open_index()  # what `shelfwise index` does
        completed = first_hit(shop) == EXPECTED
    finally:
        shop.close()
    return PublishKill(step, killed, which, searchable, completed)

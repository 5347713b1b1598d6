"""HTTP clients of the Serve endpoint, run as `python serve_clients.py KIND JSON` inside a network
namespace (serve_shop.start_client); each prints one JSON report. Everything is bounded: a fixed
number of events, or a stop file with a time limit.

- events: post `count` events (one per request, or `batch` per request) from `threads` threads,
  each retried until acknowledged (at most `tries` times); reports every failed try.
- search: search until `stop_file` exists (or `max_seconds`), recording each answer's status,
  version and replica; then ask /health `sweep` times and record who answers with what.
- fresh: `count` times, upsert a product with a new word and search for the word until every
  replica (by its header) has answered with it; reports the seconds each took.
- watch: ask /health until a replica not in `known` answers (a lost one's replacement).
- ask: POST each of `requests` (SearchRequest bodies) to /search once; the status and answer of each.
- timed: POST each of `requests` to /search once; the status, seconds, total and hits (id, score) of each.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

REPLICA, VERSION = "x-shelfwise-replica", "x-shelfwise-version"


def _post_one(client: httpx.Client, body: dict[str, Any], tries: int, failures: list[str]) -> str | None:
    """Post until acknowledged; the outcome of the first event, or None when every try failed."""
    for attempt in range(tries):
        try:
            answer = client.post("/events", json=body)
            if answer.status_code == 200:
                results = answer.json()["results"]
                return str(results[0]["outcome"])
            failures.append(f"{answer.status_code}: {answer.text[:200]}")
        except httpx.HTTPError as error:
            failures.append(f"{type(error).__name__}: {error}")
        time.sleep(min(1.0, 0.05 * 2**attempt))
    return None


def events(params: dict[str, Any]) -> dict[str, Any]:
    count, batch, threads = int(params["count"]), int(params.get("batch", 1)), int(params.get("threads", 1))
    prefix, tries, progress = params["prefix"], int(params.get("tries", 60)), params.get("progress_file")
    ids = [f"{prefix}-{i}" for i in range(count)]
    chunks = [ids[i : i + batch] for i in range(0, count, batch)]
    failures: list[str] = []
    outcomes: dict[str, str] = {}
    gave_up: list[str] = []
    lock = threading.Lock()

    def work(mine: list[list[str]]) -> None:
        with httpx.Client(base_url=params["url"], timeout=30) as client:
            for chunk in mine:
                body = [{"event_id": event_id, "type": "view", "session_id": f"s-{event_id[-2:]}",
                         "product_id": params["product_id"], "timestamp": "2026-12-01T12:00:00Z"}
                        for event_id in chunk]  # fmt: skip
                outcome = _post_one(client, body[0] if batch == 1 else {"events": body}, tries, failures)
                with lock:
                    if outcome is None:
                        gave_up.extend(chunk)
                    else:
                        outcomes.update(dict.fromkeys(chunk, outcome))
                    if progress:
                        Path(progress).write_text(str(len(outcomes)))

    started = time.monotonic()
    workers = [threading.Thread(target=work, args=(chunks[n::threads],)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    seconds = time.monotonic() - started
    return {"acknowledged": len(outcomes), "gave_up": gave_up, "failed_tries": failures,
            "outcomes": sorted(set(outcomes.values())), "seconds": seconds}  # fmt: skip


def search(params: dict[str, Any]) -> dict[str, Any]:
    stop, deadline = Path(params["stop_file"]), time.monotonic() + float(params.get("max_seconds", 180))
    answers: list[tuple[int, str, str]] = []
    errors: list[str] = []
    with httpx.Client(base_url=params["url"], timeout=30) as client:
        while not stop.exists() and time.monotonic() < deadline:
            try:
                answer = client.get("/search", params={"q": params["query"]})
                answers.append(
                    (answer.status_code, answer.headers.get(VERSION, ""), answer.headers.get(REPLICA, ""))
                )
                if answer.status_code != 200:
                    errors.append(f"{answer.status_code}: {answer.text[:200]}")
            except httpx.HTTPError as error:
                errors.append(f"{type(error).__name__}: {error}")
        sweep = []
        for _ in range(int(params.get("sweep", 40))):
            health = client.get("/health")
            sweep.append((health.headers.get(REPLICA, ""), health.headers.get(VERSION, ""),
                          health.json().get("index_version")))  # fmt: skip
    versions = [version for _, version, _ in answers]
    return {"requests": len(answers), "errors": errors, "versions_in_order": _runs(versions), "sweep": sweep,
            "stopped": stop.exists()}  # fmt: skip


def _runs(values: list[str]) -> list[tuple[str, int]]:
    """[(value, how many in a row)] in order."""
    runs: list[tuple[str, int]] = []
    for value in values:
        if runs and runs[-1][0] == value:
            runs[-1] = (value, runs[-1][1] + 1)
        else:
            runs.append((value, 1))
    return runs


def _word(n: int) -> str:
    return "zq" + "".join("abcdefghij"[int(d)] for d in str(n)) + "qz"


def _found_by(client: httpx.Client, word: str, product_id: str) -> tuple[str, bool]:
    answer = client.get("/search", params={"q": word})
    answer.raise_for_status()
    ids = [hit["product"]["product_id"] for hit in answer.json()["hits"]]
    return answer.headers.get(REPLICA, ""), product_id in ids


def fresh(params: dict[str, Any]) -> dict[str, Any]:
    replicas, key = int(params["replicas"]), {"X-API-Key": params["key"]}
    seconds: list[float] = []
    before: dict[str, bool] = {}
    writers: list[str] = []
    with httpx.Client(base_url=params["url"], timeout=30) as client:
        for n in range(int(params["count"])):
            word, product_id = _word(n + int(params.get("offset", 0))), f"{params['prefix']}-{n}"
            for _ in range(400 if len(before) < replicas else 0):  # every replica answers without it first
                replica, found = _found_by(client, word, product_id)
                before[replica] = before.get(replica, False) or found
                if len(before) == replicas:
                    break
            if len(before) < replicas:
                raise SystemExit(f"only replicas {sorted(before)} answered 400 searches")
            put = client.put(f"/products/{product_id}", headers=key,
                             json={"title": f"{word} walnut board", "price": 12.5})  # fmt: skip
            put.raise_for_status()
            acked, writers = time.monotonic(), [*writers, put.headers.get(REPLICA, "")]
            fresh_on: set[str] = set()
            deadline = acked + float(params.get("timeout", 30))
            while len(fresh_on) < replicas and time.monotonic() < deadline:
                replica, found = _found_by(client, word, product_id)
                if found:
                    fresh_on.add(replica)
            seconds.append(time.monotonic() - acked if len(fresh_on) == replicas else float("inf"))
    return {"seconds": seconds, "found_before": before, "writers": writers}


def watch(params: dict[str, Any]) -> dict[str, Any]:
    """Ask /health until a replica not in `known` answers (the replacement of a lost one), at
    most `max_seconds`; wall-clock times, to compare with the moment of a kill."""
    known, deadline = set(params["known"]), time.monotonic() + float(params.get("max_seconds", 120))
    errors: list[str] = []
    answered = 0
    with httpx.Client(base_url=params["url"], timeout=30) as client:
        while time.monotonic() < deadline:
            try:
                health = client.get("/health")
                answered += 1
                replica = health.headers.get(REPLICA, "")
                if health.status_code == 200 and replica.split(":")[0] not in known:
                    return {"new_replica": replica, "at": time.time(), "errors": errors, "answered": answered}
            except httpx.HTTPError as error:
                errors.append(f"{type(error).__name__}: {error}")
            time.sleep(0.02)
    return {"new_replica": None, "at": None, "errors": errors, "answered": answered}


def ask(params: dict[str, Any]) -> dict[str, Any]:
    answers = []
    with httpx.Client(base_url=params["url"], timeout=60) as client:
        for body in params["requests"]:
            answer = client.post("/search", json=body)
            version = answer.headers.get(VERSION)
            answers.append({"status": answer.status_code, "body": answer.json(), "version": version})
    return {"answers": answers}


def timed(params: dict[str, Any]) -> dict[str, Any]:
    answers = []
    with httpx.Client(base_url=params["url"], timeout=120) as client:
        for body in params["requests"]:
            started = time.perf_counter()
            answer = client.post("/search", json=body)
            seconds = time.perf_counter() - started
            found = answer.json() if answer.status_code == 200 else {}
            hits = [(hit["product"]["product_id"], hit["score"]) for hit in found.get("hits", [])]
            answers.append(
                {"status": answer.status_code, "seconds": seconds, "total": found.get("total"), "hits": hits}
            )
    return {"answers": answers}


if __name__ == "__main__":
    kind, arguments = sys.argv[1], json.loads(sys.argv[2])
    clients = {"events": events, "search": search, "fresh": fresh, "watch": watch, "ask": ask, "timed": timed}
    report = clients[kind](arguments)
    print(json.dumps(report))

"""CoalescingWorker: one run at a time, requests during a run collapse into one more run."""

from __future__ import annotations

import gc
import threading

from shelfwise.search.background import CoalescingWorker


class Counter:
    def __init__(self) -> None:
        self.runs = 0
        self.gate = threading.Event()
        self.started = threading.Event()

    def job(self) -> None:
        self.runs += 1
        self.started.set()
        assert self.gate.wait(10)


def test_requests_during_a_run_collapse_into_one_more_run() -> None:
    counter = Counter()
    worker = CoalescingWorker(counter.job, "test job")
    worker.request()
    assert counter.started.wait(10)
    for _ in range(5):
        worker.request()
    assert worker.busy and not worker.wait(timeout=0.05)
    counter.gate.set()
    assert worker.wait(timeout=10)
    assert counter.runs == 2
    worker.request()
    assert worker.wait(timeout=10)
    assert counter.runs == 3 and not worker.busy


def test_a_failing_run_is_logged_and_the_worker_goes_on(caplog) -> None:  # noqa: ANN001
    calls = []

    class Flaky:
        def job(self) -> None:
            calls.append(1)
            if len(calls) == 1:
                raise RuntimeError("disk full")

    flaky = Flaky()
    worker = CoalescingWorker(flaky.job, "flaky job")
    worker.request()
    assert worker.wait(timeout=10)
    worker.request()
    assert worker.wait(timeout=10)
    assert len(calls) == 2
    assert "flaky job failed" in caplog.text and "disk full" in caplog.text


def test_the_worker_does_not_keep_its_owner_alive() -> None:
    counter = Counter()
    counter.gate.set()
    worker = CoalescingWorker(counter.job, "test job")
    del counter
    gc.collect()
    worker.request()  # the owner is gone: nothing to run, no error
    assert worker.wait(timeout=10)

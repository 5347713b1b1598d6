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


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Flaky:
    """Fails its first `failures` runs."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def job(self) -> None:
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("disk full")


def test_a_failing_run_is_logged_and_requests_wait_out_a_back_off(caplog) -> None:  # noqa: ANN001
    flaky, clock = Flaky(failures=1), Clock()
    worker = CoalescingWorker(flaky.job, "flaky job", retry_seconds=30, clock=clock)
    worker.request()
    assert worker.wait(timeout=10)
    assert flaky.calls == 1 and worker.failures == 1
    assert "flaky job failed (1 in a row)" in caplog.text and "disk full" in caplog.text
    clock.now += 29
    worker.request()  # still backing off: dropped
    assert worker.wait(timeout=10) and flaky.calls == 1
    clock.now += 2
    worker.request()
    assert worker.wait(timeout=10)
    assert flaky.calls == 2 and worker.failures == 0
    worker.request()  # a success clears the back-off
    assert worker.wait(timeout=10) and flaky.calls == 3


def test_the_back_off_doubles_with_each_failure_in_a_row_up_to_its_cap() -> None:
    flaky, clock = Flaky(failures=10), Clock()
    worker = CoalescingWorker(flaky.job, "flaky job", retry_seconds=10, max_retry_seconds=35, clock=clock)
    waited = []
    for _ in range(4):
        worker.request()
        assert worker.wait(timeout=10)
        calls, started = flaky.calls, clock.now
        while flaky.calls == calls:  # step the clock until a request runs again
            clock.now += 1
            worker.request()
            assert worker.wait(timeout=10)
        waited.append(clock.now - started)
    assert waited == [10, 20, 35, 35]
    assert worker.failures == 5


def test_requests_during_a_failing_run_do_not_run_it_again_at_once() -> None:
    counter = Counter()

    class Failing:
        def job(self) -> None:
            counter.job()
            raise RuntimeError("out of memory")

    owner = Failing()
    worker = CoalescingWorker(owner.job, "failing job", clock=Clock())
    worker.request()
    assert counter.started.wait(10)
    worker.request()  # would be one more run, but this one fails
    counter.gate.set()
    assert worker.wait(timeout=10)
    assert counter.runs == 1


def test_the_worker_does_not_keep_its_owner_alive() -> None:
    counter = Counter()
    counter.gate.set()
    worker = CoalescingWorker(counter.job, "test job")
    del counter
    gc.collect()
    worker.request()  # the owner is gone: nothing to run, no error
    assert worker.wait(timeout=10)

"""A job run off the caller's thread, one run at a time, with requests coalesced.

The index writer asks for a new query understanding after it persists; at a million products
the build takes minutes of one core, and the writer must not wait for it (new products would
queue behind it). Requests made while a run is going collapse into one more run after it, so a
busy writer never stacks builds. After a failed run, requests are dropped for a back-off that
doubles with each failure in a row (a vector rebuild that runs out of memory copies every live
vector first: retried on every refresh it would cost that copy each time).
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from collections.abc import Callable

logger = logging.getLogger("shelfwise.search")


class CoalescingWorker:
    """Runs `job` in a background thread on `request()`; at most one run at a time, and any
    number of requests during a run cause exactly one more run after it.

    `job` is a bound method held weakly, so the worker does not keep its owner alive (an
    index lifecycle dropped without `close` still releases its files at once).

    A failed run keeps the previous result; requests are then dropped for `retry_seconds`,
    doubled after each further failure up to `max_retry_seconds`, and a run that succeeds
    clears the back-off. `clock` is for tests."""

    def __init__(
        self, job: Callable[[], None], name: str, retry_seconds: float = 30.0,
        max_retry_seconds: float = 1800.0, clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self._job = weakref.WeakMethod(job)
        self._name = name
        self._retry_seconds = retry_seconds
        self._max_retry_seconds = max_retry_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._failures = 0
        self._retry_at = float("-inf")
        self._idle = threading.Event()
        self._idle.set()

    def request(self) -> None:
        """Start a run now, or one more after the current run; nothing while backing off after
        a failure."""
        with self._lock:
            if self._clock() < self._retry_at:
                return
            if self._running:
                self._again = True
                return
            self._running = True
            self._idle.clear()
        threading.Thread(target=self._loop, name=self._name, daemon=True).start()

    @property
    def failures(self) -> int:
        """Failed runs in a row (0 after a run that succeeded)."""
        return self._failures

    def _loop(self) -> None:
        while True:
            job = self._job()
            try:
                if job is not None:
                    job()
            except Exception:  # the previous result stays; requests wait out the back-off
                delay = self._back_off()
                logger.exception("%s failed (%d in a row); requests are dropped for %.0f s",
                                 self._name, self._failures, delay)  # fmt: skip
            else:
                with self._lock:
                    self._failures, self._retry_at = 0, float("-inf")
            finally:
                del job
            with self._lock:
                if not self._again:
                    self._running = False
                    self._idle.set()
                    return
                self._again = False

    def _back_off(self) -> float:
        with self._lock:
            delay = min(self._retry_seconds * 2**self._failures, self._max_retry_seconds)
            self._failures += 1
            self._retry_at = self._clock() + delay
            self._again = False  # requests made during the failed run wait too
            return delay

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going or waiting; False when `timeout` passed first."""
        return self._idle.wait(timeout)

"""A job run off the caller's thread, one run at a time, with requests coalesced.

The index writer asks for a new query understanding after it persists; at a million products
the build takes minutes of one core, and the writer must not wait for it (new products would
queue behind it). Requests made while a run is going collapse into one more run after it, so a
busy writer never stacks builds.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable

logger = logging.getLogger("shelfwise.search")


class CoalescingWorker:
    """Runs `job` in a background thread on `request()`; at most one run at a time, and any
    number of requests during a run cause exactly one more run after it.

    `job` is a bound method held weakly, so the worker does not keep its owner alive (an
    index lifecycle dropped without `close` still releases its files at once)."""

    def __init__(self, job: Callable[[], None], name: str) -> None:
        self._job = weakref.WeakMethod(job)
        self._name = name
        self._lock = threading.Lock()
        self._running = False
        self._again = False
        self._idle = threading.Event()
        self._idle.set()

    def request(self) -> None:
        """Start a run now, or one more after the current run."""
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
            self._idle.clear()
        threading.Thread(target=self._loop, name=self._name, daemon=True).start()

    def _loop(self) -> None:
        while True:
            job = self._job()
            try:
                if job is not None:
                    job()
            except Exception:  # a failed build keeps the previous result; the next request retries
                logger.exception("%s failed", self._name)
            finally:
                del job
            with self._lock:
                if not self._again:
                    self._running = False
                    self._idle.set()
                    return
                self._again = False

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no run is going or waiting; False when `timeout` passed first."""
        return self._idle.wait(timeout)

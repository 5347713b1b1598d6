"""An ImpressionLog that takes impressions off the request path: `record` queues them and returns,
and a writer thread stores what has queued in one batch (one transaction) at most every
`interval` seconds, or as soon as `max_batch` are waiting.

A served answer then costs a list append instead of a database transaction, and the worker
processes of one server stop queueing behind each other's write lock. What it gives up: a crash
loses the impressions of the last `interval` (they only label training examples; events, the
shop's record of what shoppers did, are still written before /events answers), and another
process sees an impression up to `interval` late. In this process every read (`get`,
`iter_impressions`, `count`) first stores what is queued, so a caller always reads its own
records; `close` stores the rest.

Outcomes: `record` answers DUPLICATE for a request id already queued or stored by this log and
RECORDED otherwise; a request id another process recorded first is dropped at write time (the
first record wins, as in every ImpressionLog).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Collection, Iterator, Sequence
from datetime import datetime

from shelfwise.experiments import RecordOutcome
from shelfwise.impressions.log import ImpressionLog
from shelfwise.impressions.records import Impression

logger = logging.getLogger(__name__)


class BufferedImpressionLog:
    def __init__(self, log: ImpressionLog, interval: float = 0.2, max_batch: int = 512) -> None:
        if interval <= 0 or max_batch < 1:
            raise ValueError(f"interval must be > 0 and max_batch >= 1, got {interval} and {max_batch}")
        self.log = log
        self.interval = interval
        self.max_batch = max_batch
        self._queue: list[Impression] = []
        self._queued_ids: set[str] = set()
        self._lock = threading.Lock()  # guards the queue
        self._write_lock = threading.Lock()  # one batch written at a time, in queue order
        self._wake = threading.Event()
        self._closed = False
        self.failed_batches = 0
        self._writer = threading.Thread(target=self._run, name="impression-writer", daemon=True)
        self._writer.start()

    def record(self, impressions: Sequence[Impression]) -> list[RecordOutcome]:
        outcomes: list[RecordOutcome] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the impression log is closed")
            for impression in impressions:
                if impression.request_id in self._queued_ids:
                    outcomes.append(RecordOutcome.DUPLICATE)
                    continue
                self._queued_ids.add(impression.request_id)
                self._queue.append(impression)
                outcomes.append(RecordOutcome.RECORDED)
            full = len(self._queue) >= self.max_batch
        if full:
            self._wake.set()
        return outcomes

    def flush(self) -> None:
        """Store everything queued so far (returns once it is stored)."""
        with self._write_lock:
            with self._lock:
                batch, self._queue = self._queue, []
            if not batch:
                return
            try:
                self.log.record(batch)
            except Exception:
                # kept for the next try, ahead of what queued since: nothing accepted is dropped
                with self._lock:
                    self._queue = batch + self._queue
                raise
            finally:
                with self._lock:
                    # ids stay known (a retried request id is still a duplicate) up to a bound
                    if len(self._queued_ids) > 100_000:
                        self._queued_ids = {i.request_id for i in self._queue}

    def _run(self) -> None:
        while True:
            self._wake.wait(self.interval)
            self._wake.clear()
            try:
                self.flush()
            except Exception:
                self.failed_batches += 1
                logger.exception("could not store queued impressions; retrying in %.1f s", self.interval)
            with self._lock:
                if self._closed and not self._queue:
                    return

    def get(self, request_id: str) -> Impression | None:
        self.flush()
        return self.log.get(request_id)

    def iter_impressions(
        self, since: datetime | None = None, until: datetime | None = None, surface: str | None = None
    ) -> Iterator[Impression]:
        self.flush()
        return self.log.iter_impressions(since, until, surface)

    def count(self, surface: str | None = None) -> int:
        self.flush()
        return self.log.count(surface)

    def sessions_of(self, user_id: str) -> set[str]:
        self.flush()
        return self.log.sessions_of(user_id)

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        """What is queued is stored first, so the deletion reaches it too."""
        self.flush()
        return self.log.forget_user(user_id, session_ids)

    def purge_before(self, cutoff: datetime) -> int:
        self.flush()
        return self.log.purge_before(cutoff)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake.set()
        self._writer.join(timeout=30)
        try:
            self.flush()
        finally:
            self.log.close()

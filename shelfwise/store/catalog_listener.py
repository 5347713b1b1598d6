"""Wake-ups from the PostgreSQL catalog: a thread that LISTENs on `shelfwise_catalog`.

Every catalog write of `PostgresStore` sends a NOTIFY on that channel at commit (a wake-up only:
readers still read `seq > watermark`). A serving process with caches of the catalog (its index,
read caches) listens so that it catches up at once instead of at its next polling round; with
several server processes or Ray Serve replicas each one listens on its own connection, so one
write reaches them all. The callback runs on the listener's thread and must be quick (set an
event); notifications that arrive together are coalesced into one call. A lost connection is
opened again after `retry_seconds`, and the callback is called once then, since notifications
sent meanwhile were missed.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg

from shelfwise.store.postgres import CHANNEL

logger = logging.getLogger(__name__)


class CatalogListener:
    """LISTEN on the catalog's channel of `url` in a daemon thread until `close`."""

    def __init__(
        self, url: str, on_change: Callable[[], None], retry_seconds: float = 1.0, poll_seconds: float = 0.5
    ) -> None:
        self._url, self._on_change = url, on_change
        self._retry, self._poll = retry_seconds, poll_seconds
        self._stop = threading.Event()
        self._listening = threading.Event()
        self._thread = threading.Thread(target=self._run, name="catalog-listener", daemon=True)

    def start(self) -> CatalogListener:
        self._thread.start()
        return self

    def wait_listening(self, timeout: float) -> bool:
        """True once the LISTEN is in place (a write after it wakes this listener)."""
        return self._listening.wait(timeout)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            try:
                self._listen(missed_some=not first)
            except psycopg.Error as error:
                logger.warning(
                    "catalog notifications lost (%s); listening again in %.1f s", error, self._retry
                )
            self._listening.clear()
            first = False
            self._stop.wait(self._retry)

    def _listen(self, missed_some: bool) -> None:
        with psycopg.connect(self._url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f"LISTEN {CHANNEL}".encode())
            self._listening.set()
            if missed_some:
                self._call()
            while not self._stop.is_set():
                woken = False
                for _ in conn.notifies(timeout=self._poll):
                    woken = True
                    break  # one call covers every notification waiting now
                if woken:
                    self._drain(conn)
                    self._call()

    def _drain(self, conn: psycopg.Connection) -> None:
        """Consume the notifications already received, without waiting for more."""
        for _ in conn.notifies(timeout=0.0):
            pass

    def _call(self) -> None:
        try:
            self._on_change()
        except Exception:  # a listener must outlive a failing callback
            logger.exception("the catalog change callback failed")

    def close(self, timeout: float = 5.0) -> None:
        """Stop listening; waits at most about `timeout` plus one poll for the thread."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout + self._poll)

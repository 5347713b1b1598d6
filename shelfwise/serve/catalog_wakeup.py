"""When the server catches up with the catalog: every `catch_up_seconds`, and at once when a
PostgreSQL catalog says it changed.

A server process keeps copies of the catalog (its index in memory; the product read cache and the
recommendation answers check the catalog's sequence number on each read). Another process's write
(another `--workers` process, another Ray Serve replica, `shelfwise ingest`) reaches this one's
index at its next catch-up. Over PostgreSQL each write sends a NOTIFY on `shelfwise_catalog`;
`CatalogWakeup` LISTENs on it (`store.catalog_listener`) and wakes the catch-up loop, so every
process sees the write within a round trip and one catch-up, and the polling stays as the safety
net. Over SQLite there is no notification: the loop polls as before.
"""

from __future__ import annotations

import asyncio
import contextlib

from shelfwise.config import Settings
from shelfwise.store.catalog_listener import CatalogListener


class CatalogWakeup:
    """An asyncio event set by catalog notifications (when the catalog is PostgreSQL)."""

    def __init__(self, store_url: str | None) -> None:
        """`store_url`: the catalog's URL; only a postgresql:// one is listened to."""
        self._url = (
            store_url if store_url and store_url.startswith(("postgresql://", "postgres://")) else None
        )
        self._event = asyncio.Event()
        self._listener: CatalogListener | None = None

    @classmethod
    def for_settings(cls, settings: Settings) -> CatalogWakeup:
        return cls(settings.resolved_store_url())

    @property
    def listening(self) -> bool:
        return self._listener is not None

    def start(self) -> None:
        """Start listening; call from the running event loop that `wait` is awaited on."""
        if self._url is None or self._listener is not None:
            return
        loop = asyncio.get_running_loop()

        def wake() -> None:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nothing waits any more
                loop.call_soon_threadsafe(self._event.set)

        self._listener = CatalogListener(self._url, wake).start()

    async def wait(self, timeout: float) -> bool:
        """Until a notification or `timeout` seconds; True when woken by a notification."""
        try:
            await asyncio.wait_for(self._event.wait(), timeout)
        except TimeoutError:
            return False
        self._event.clear()
        return True

    def close(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None

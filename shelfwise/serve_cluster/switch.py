"""An ASGI app that serves one version of the shop's app and swaps in another without failing a
request: the ingress of a Ray Serve replica.

`swap(version)` builds the new version's FastAPI app (a `ShopServer` over that version's data
folder) and runs its start-up (the published index loaded, the query encoder warmed up, the
catch-up loop started) while the current one keeps answering; then new requests go to the new
app, and the old one is shut down (its `ShopServer` closed) once its requests in flight have
finished, or after `drain_seconds`. A version that cannot be built or started raises, and the
current one stays. Each response says which version and which replica answered it (headers
`x-shelfwise-version`, `x-shelfwise-replica`), so that clients and tests can tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping, MutableMapping
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI

from shelfwise.serve_cluster.options import VERSION_HEADER

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Any]
Send = Callable[[Message], Any]


@dataclass
class _Live:
    """A started version: its app, what shuts it down, and its requests in flight."""

    version: str
    app: FastAPI
    stack: AsyncExitStack
    key: str
    in_flight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)


class SwitchingApp:
    """ASGI: forwards every request to the current version's app."""

    def __init__(
        self, build: Callable[[str], FastAPI], headers: Mapping[str, str], drain_seconds: float = 30.0
    ) -> None:
        """`build(version)` makes a version's app (called in a thread: it opens stores);
        `headers` are added to every response."""
        self._build, self._drain = build, drain_seconds
        self._headers = [(name.lower().encode(), value.encode()) for name, value in headers.items()]
        self._live: _Live | None = None
        self._swapping = asyncio.Lock()

    @property
    def version(self) -> str | None:
        return None if self._live is None else self._live.version

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        live = self._live
        if live is None:
            await _unavailable(scope, send)
            return
        live.in_flight += 1
        live.idle.clear()
        try:
            await live.app(scope, receive, self._tagged(send, live.version))
        finally:
            live.in_flight -= 1
            if live.in_flight == 0:
                live.idle.set()

    def _tagged(self, send: Send, version: str) -> Send:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [*self._headers, (VERSION_HEADER.encode(), version.encode())]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return tagged

    async def swap(
        self, version: str, key: str | None = None, build: Callable[[], FastAPI] | None = None
    ) -> bool:
        """Serve `version` from now on; False when it is already served. `key` tells two ways
        of serving one version apart (default: the version), and `build` makes its app (default:
        the constructor's `build(version)`)."""
        key = version if key is None else key
        async with self._swapping:
            if self._live is not None and self._live.key == key:
                return False
            app = await asyncio.to_thread(build or (lambda: self._build(version)))
            stack = AsyncExitStack()
            await stack.enter_async_context(app.router.lifespan_context(app))
            old, self._live = self._live, _Live(version, app, stack, key)
            logger.info("serving version %s (was %s)", version, old.version if old else "none")
        if old is not None:
            await self._retire(old)
        return True

    async def _retire(self, old: _Live) -> None:
        if old.in_flight:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(old.idle.wait(), self._drain)
        if old.in_flight:
            logger.warning("version %s closed with %d requests in flight", old.version, old.in_flight)
        await old.stack.aclose()

    async def close(self) -> None:
        async with self._swapping:
            old, self._live = self._live, None
        if old is not None:
            await self._retire(old)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        """Start-up has nothing to do (the first `swap` starts a version); shut-down closes it."""
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                try:
                    await self.close()
                finally:
                    await send({"type": "lifespan.shutdown.complete"})
                return


async def _unavailable(scope: Scope, send: Send) -> None:
    """503 before the first version is started (Ray Serve routes no request there before)."""
    if scope["type"] != "http":
        return
    body = b'{"detail":"no version is served yet"}'
    await send({"type": "http.response.start", "status": 503,
                "headers": [(b"content-type", b"application/json"), (b"retry-after", b"1")]})  # fmt: skip
    await send({"type": "http.response.body", "body": body})

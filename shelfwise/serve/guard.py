"""The server's access state: the keyring (master keys and the key store), the rate limiters and
the clock. `create_app` builds one from the settings; tests pass their own (a memory store, a
clock they move)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import Request

from shelfwise.config import ServeConfig
from shelfwise.keys import KeyRefused, Keyring, KeyStore, Principal
from shelfwise.serve.errors import ApiError
from shelfwise.serve.limits import RateLimiter, retry_after_header


@dataclass
class Guard:
    keyring: Keyring
    config: ServeConfig
    clock: Callable[[], float] = time.time
    per_key: RateLimiter | None = field(default=None)
    per_address: RateLimiter | None = field(default=None)

    @classmethod
    def build(cls, store: KeyStore, config: ServeConfig, clock: Callable[[], float] = time.time) -> Guard:
        def limiter(rate: float) -> RateLimiter | None:
            return RateLimiter(rate, config.rate_limit_burst, clock) if rate > 0 else None

        keyring = Keyring(store, [config.api_key, *config.api_keys_previous])
        per_key, per_address = limiter(config.rate_limit_per_key), limiter(config.rate_limit_per_address)
        return cls(keyring, config, clock, per_key, per_address)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    def authenticate(self, presented: str) -> Principal:
        try:
            return self.keyring.authenticate(presented, self.now())
        except KeyRefused as refused:
            headers = {"WWW-Authenticate": "Bearer"} if refused.status == 401 else None
            raise ApiError(refused.status, refused.message, headers=headers) from refused

    def charge_address(self, request: Request) -> None:
        """Spend a token of the client address's bucket (before its key is even looked at, so
        refused keys count too); 429 when it is empty."""
        if self.per_address is not None:
            address = request.client.host if request.client is not None else "unknown"
            _refuse_after(self.per_address.take(address))

    def charge_key(self, principal: Principal) -> None:
        if self.per_key is not None:
            _refuse_after(self.per_key.take(principal.limit_id))


def _refuse_after(wait: float) -> None:
    if wait > 0:
        raise ApiError(
            429, f"too many requests: try again in {retry_after_header(wait)} s",
            headers={"Retry-After": retry_after_header(wait)},
        )  # fmt: skip


def get_guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard

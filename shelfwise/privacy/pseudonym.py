"""Pseudonymous shopper ids: with a key, user and session ids are replaced at the API boundary by
`pz-` + HMAC-SHA256(key, id) in hex, so raw ids never reach the data folder.

The same raw id always gives the same pseudonym (histories, profiles and experiments still
follow a shopper), and an id that already is a pseudonym is kept as it is, so applying it twice
(the storefront resending an id it read from a profile list) changes nothing. Without a key the
ids pass through unchanged.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence
from typing import Any

from pydantic import SecretStr

from shelfwise.events.base import AppendOutcome, EventStore
from shelfwise.records import Event, SearchRequest

PREFIX = "pz-"
_PSEUDONYM = re.compile(r"pz-[0-9a-f]{64}")


class Pseudonymizer:
    def __init__(self, key: str | None) -> None:
        self._key = None if not key else key.encode("utf-8")

    @property
    def enabled(self) -> bool:
        return self._key is not None

    def id(self, raw: str) -> str:
        """The pseudonym of one user or session id."""
        if self._key is None or _PSEUDONYM.fullmatch(raw):
            return raw
        return PREFIX + hmac.new(self._key, raw.encode("utf-8"), hashlib.sha256).hexdigest()

    def maybe(self, raw: str | None) -> str | None:
        return None if raw is None else self.id(raw)

    def actor(self, actor: str) -> str:
        """'user:<id>' or 'session:<id>' with the id replaced."""
        kind, sep, raw = actor.partition(":")
        return f"{kind}:{self.id(raw)}" if sep and kind in ("user", "session") else actor

    def event(self, event: Event) -> Event:
        if self._key is None:
            return event
        return event.model_copy(
            update={"user_id": self.maybe(event.user_id), "session_id": self.maybe(event.session_id)}
        )

    def search(self, request: SearchRequest) -> SearchRequest:
        if self._key is None or (request.user_id is None and request.session_id is None):
            return request
        return request.model_copy(
            update={"user_id": self.maybe(request.user_id), "session_id": self.maybe(request.session_id)}
        )


class PseudonymizedEvents:
    """An EventStore whose appends pseudonymize ids first, for writers that do not go through the
    `Shelfwise` facade (`shelfwise events import`); everything else is the store's own."""

    def __init__(self, store: EventStore, names: Pseudonymizer) -> None:
        self._store = store
        self._names = names

    def append(self, events: Sequence[Event]) -> list[AppendOutcome]:
        return self._store.append([self._names.event(event) for event in events])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def pseudonymized_store(store: EventStore, key: SecretStr | None) -> EventStore:
    """The store itself without a key, else one that pseudonymizes what is appended."""
    if key is None or not key.get_secret_value():
        return store
    return PseudonymizedEvents(store, Pseudonymizer(key.get_secret_value()))

"""API keys as table rows, shared by the SQLite and PostgreSQL key stores (`?` placeholders;
the PostgreSQL store swaps them for `%s`)."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from shelfwise.keys.base import Action, ApiKey
from shelfwise.store.durable_sqlite import from_micros, to_micros

INSERT_KEY = (
    "INSERT INTO api_keys(key_id, actions, description, created_at, expires_at, revoked_at, key_hash, "
    "signing_secret) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
)
SELECT_KEYS = (
    "SELECT key_id, actions, description, created_at, expires_at, revoked_at, key_hash, signing_secret "
    "FROM api_keys"
)


def key_row(key: ApiKey) -> tuple[object, ...]:
    """The key as the row INSERT_KEY stores (never the key itself: its hash and signing secret)."""
    return (key.key_id, ",".join(key.actions), key.description, to_micros(key.created_at),
            micros_or_none(key.expires_at), micros_or_none(key.revoked_at), key.key_hash,
            key.signing_secret)  # fmt: skip


def micros_or_none(moment: datetime | None) -> int | None:
    return None if moment is None else to_micros(moment)


def _moment(micros: int | None) -> datetime | None:
    return None if micros is None else from_micros(micros)


def key_from_row(row: tuple[str, str, str, int, int | None, int | None, str, str]) -> ApiKey:
    """The key a row of SELECT_KEYS holds."""
    key_id, actions, description, created, expires, revoked, key_hash, signing = row
    return ApiKey(
        key_id=key_id, actions=tuple(cast(Action, a) for a in actions.split(",") if a),
        description=description, created_at=from_micros(created), key_hash=key_hash,
        signing_secret=signing, expires_at=_moment(expires), revoked_at=_moment(revoked),
    )  # fmt: skip

"""API keys: the record a key store holds, the KeyStore protocol, and how a key is made.

A key reads `swk_<key id>_<secret>`: the key id is public (it names the key in lists and logs),
the secret is 32 random bytes. A store keeps only the key's SHA-256 hash (a random 256-bit key
needs no slow hash) and its signing secret (an HMAC of the key, which verifies the scoped keys the
key signs); neither gives back the key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal, Protocol, runtime_checkable

Action = Literal["search", "events", "catalog", "models", "admin", "reviews"]
ACTIONS: tuple[Action, ...] = ("search", "events", "catalog", "models", "admin", "reviews")
KEY_PREFIX = "swk_"
KeyState = Literal["active", "expired", "revoked"]

_HASH_CONTEXT = b"shelfwise-key-hash-v1:"
_SIGNING_CONTEXT = b"shelfwise-signing-secret-v1"


@dataclass(frozen=True)
class ApiKey:
    """A stored key: what it may do, until when, and its hashes (never the key itself)."""

    key_id: str
    actions: tuple[Action, ...]
    description: str
    created_at: datetime
    key_hash: str
    signing_secret: str
    expires_at: datetime | None = None
    revoked_at: datetime | None = None

    def state(self, now: datetime) -> KeyState:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"


@runtime_checkable
class KeyStore(Protocol):
    """Where API keys live. Revoking keeps the record (a revoked key answers 403, an unknown one
    401); keys are listed oldest first."""

    def add(self, key: ApiKey) -> None:
        """Store a new key; ValueError if its key id is taken."""
        ...

    def get(self, key_id: str) -> ApiKey | None: ...

    def list(self) -> list[ApiKey]: ...

    def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        """Mark the key revoked (an already revoked key keeps its first time); None if unknown."""
        ...

    def close(self) -> None: ...


def check_actions(actions: Iterable[str]) -> tuple[Action, ...]:
    """The actions in ACTIONS order; ValueError naming an unknown one."""
    wanted = {a.strip().lower() for a in actions if a.strip()}
    unknown = sorted(wanted - set(ACTIONS))
    if unknown:
        raise ValueError(f"unknown action(s) {', '.join(unknown)}: use {', '.join(ACTIONS)}")
    if not wanted:
        raise ValueError(f"a key needs at least one action: {', '.join(ACTIONS)}")
    return tuple(a for a in ACTIONS if a in wanted)


def hash_key(raw: str) -> str:
    return hashlib.sha256(_HASH_CONTEXT + raw.encode("utf-8")).hexdigest()


def signing_secret(raw: str) -> str:
    """The secret a key signs scoped keys with: HMAC-SHA256(key, context), hex. The shop's backend
    computes it from the key it holds; the server keeps it beside the hash."""
    return hmac.new(raw.encode("utf-8"), _SIGNING_CONTEXT, hashlib.sha256).hexdigest()


def key_id_of(raw: str) -> str | None:
    """The key id of a `swk_<id>_<secret>` key, None for any other string."""
    if not raw.startswith(KEY_PREFIX):
        return None
    key_id, sep, secret = raw.removeprefix(KEY_PREFIX).partition("_")
    return key_id if sep and key_id and secret else None


def master_key_id(raw: str) -> str:
    """The id of a configured master key: public, and different for each key."""
    return "master-" + hashlib.sha256(_HASH_CONTEXT + raw.encode("utf-8")).hexdigest()[:12]


def new_key(
    actions: Iterable[str], description: str, now: datetime, expires_at: datetime | None = None
) -> tuple[ApiKey, str]:
    """A fresh key: its record and the key itself (shown once, stored nowhere)."""
    checked = check_actions(actions)
    if expires_at is not None and expires_at <= now:
        raise ValueError(f"expiry {expires_at.isoformat()} is not in the future")
    key_id = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(32)}"
    record = ApiKey(
        key_id=key_id, actions=checked, description=description, created_at=now,
        key_hash=hash_key(raw), signing_secret=signing_secret(raw), expires_at=expires_at,
    )  # fmt: skip
    return record, raw


def create_key(
    store: KeyStore,
    actions: Iterable[str],
    description: str,
    now: datetime,
    expires_at: datetime | None = None,
    allowed: Iterable[str] = ACTIONS,
) -> tuple[ApiKey, str]:
    """Make and store a key that may do at most `allowed` (what its creator may do): its record
    and the key itself, to be shown once."""
    record, raw = new_key(actions, description, now, expires_at)
    beyond = sorted(set(record.actions) - set(allowed))
    if beyond:
        raise ValueError(f"cannot grant {', '.join(beyond)}: the creating key may not do it")
    store.add(record)
    return record, raw


def expiry_of(text: str) -> datetime | None:
    """A date (YYYY-MM-DD: the start of that day, UTC) or an ISO date-time with a zone; '' = never."""
    text = text.strip()
    if not text:
        return None
    if len(text) == 10:
        return datetime.combine(date.fromisoformat(text), time(), UTC)
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        raise ValueError(f"expiry '{text}' needs a time zone (or give a date)")
    return moment

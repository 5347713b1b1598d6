"""Who a presented key is: `Keyring.authenticate` turns a key (a configured master key, a stored
key or a scoped key) into a Principal with its actions, or refuses it (401 unknown, 403 expired
or revoked). Every comparison of secrets is constant-time."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from shelfwise.keys.base import ACTIONS, ApiKey, KeyStore, hash_key, key_id_of, master_key_id, signing_secret
from shelfwise.keys.scoped import SCOPED_PREFIX, Scope, read_scope, signature_valid
from shelfwise.records import Filters


@dataclass(frozen=True)
class Principal:
    """An authenticated caller. `scope` (scoped keys) narrows every search it makes;
    `limit_id` names its rate-limit bucket."""

    key_id: str
    actions: frozenset[str]
    master: bool = False
    scope: Scope | None = None

    @property
    def limit_id(self) -> str:
        return self.key_id

    @property
    def filters(self) -> Filters | None:
        return None if self.scope is None else self.scope.filters


class KeyRefused(Exception):
    """A key that is no key (401) or one that no longer counts (403)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class _Master:
    key_id: str
    raw: str


class Keyring:
    """The configured master keys (the current one first, then any still accepted during a
    rotation) and the key store."""

    def __init__(self, store: KeyStore, masters: Sequence[str | None] = ()) -> None:
        self.store = store
        self.masters = [_Master(master_key_id(k), k) for k in masters if k]

    def any_keys(self) -> bool:
        return bool(self.masters) or bool(self.store.list())

    def authenticate(self, presented: str, now: datetime) -> Principal:
        if presented.startswith(SCOPED_PREFIX):
            return self._scoped(presented, now)
        key_id = key_id_of(presented)
        if key_id is not None:
            record = self.store.get(key_id)
            if record is not None and hmac.compare_digest(hash_key(presented), record.key_hash):
                return self._stored(record, now)
        for master in self.masters:
            if hmac.compare_digest(presented.encode("utf-8"), master.raw.encode("utf-8")):
                return Principal(master.key_id, frozenset(ACTIONS), master=True)
        raise KeyRefused(401, "invalid API key")

    def principal(self, key_id: str, now: datetime) -> Principal | None:
        """The still valid key with this id (admin console sessions name their key)."""
        for master in self.masters:
            if hmac.compare_digest(master.key_id.encode(), key_id.encode("utf-8")):
                return Principal(master.key_id, frozenset(ACTIONS), master=True)
        record = self.store.get(key_id)
        try:
            return None if record is None else self._stored(record, now)
        except KeyRefused:
            return None

    @staticmethod
    def _stored(record: ApiKey, now: datetime) -> Principal:
        state = record.state(now)
        if state != "active":
            raise KeyRefused(403, f"API key '{record.key_id}' is {state}")
        return Principal(record.key_id, frozenset(record.actions))

    def _signing(self, key_id: str, now: datetime) -> tuple[str, Principal]:
        for master in self.masters:
            if master.key_id == key_id:
                return signing_secret(master.raw), Principal(master.key_id, frozenset(ACTIONS), master=True)
        record = self.store.get(key_id)
        if record is None:
            raise KeyRefused(401, f"invalid scoped key: no parent key '{key_id}'")
        return record.signing_secret, self._stored(record, now)

    def _scoped(self, token: str, now: datetime) -> Principal:
        try:
            scope, payload, signature = read_scope(token)
        except ValueError as error:
            raise KeyRefused(401, f"invalid scoped key: {error}") from error
        secret, parent = self._signing(scope.parent, now)
        if not signature_valid(secret, payload, signature):
            raise KeyRefused(401, "invalid scoped key: the signature does not match")
        if scope.expires <= now.timestamp():
            expired = datetime.fromtimestamp(scope.expires, UTC).isoformat()
            raise KeyRefused(403, f"scoped key of '{scope.parent}' expired at {expired}")
        actions = frozenset(scope.actions) & parent.actions
        if "search" not in parent.actions or actions != frozenset(scope.actions):
            raise KeyRefused(403, f"scoped key asks for more than its parent '{scope.parent}' may do")
        return Principal(f"{scope.parent}/scoped-{signature[:12]}", actions, scope=scope)

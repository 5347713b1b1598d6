"""An in-memory KeyStore, for tests and embedded use."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from shelfwise.keys.base import ApiKey


class MemoryKeyStore:
    def __init__(self) -> None:
        self._keys: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def add(self, key: ApiKey) -> None:
        with self._lock:
            if key.key_id in self._keys:
                raise ValueError(f"key id '{key.key_id}' is taken")
            self._keys[key.key_id] = key

    def get(self, key_id: str) -> ApiKey | None:
        return self._keys.get(key_id)

    def list(self) -> list[ApiKey]:
        return sorted(self._keys.values(), key=lambda k: (k.created_at, k.key_id))

    def revoke(self, key_id: str, at: datetime) -> ApiKey | None:
        with self._lock:
            key = self._keys.get(key_id)
            if key is None or key.revoked_at is not None:
                return key
            self._keys[key_id] = replace(key, revoked_at=at)
            return self._keys[key_id]

    def close(self) -> None:
        pass

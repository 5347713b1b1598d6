"""The shared answers' text keys and pruning pace, the same for their SQLite and PostgreSQL
backends."""

from __future__ import annotations

import hashlib
from collections.abc import Hashable

_PRUNE_EVERY = 500  # puts between deletions of expired entries


def answer_key(key: Hashable) -> str:
    """A fixed-length text key for a cache key tuple (its repr is stable across processes for the
    str, int, float, None and tuple values answer keys hold)."""
    return hashlib.blake2b(repr(key).encode(), digest_size=16).hexdigest()

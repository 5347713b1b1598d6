"""What the forget log records and answers, shared by its SQLite and PostgreSQL backends: an
actor's 64-bit digest and the digests forgotten since a sequence number."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime


def actor_digest(actor: str) -> int:
    """The actor's 64-bit blake2b digest, equal to `rank.features.stable_hash` of it."""
    return int.from_bytes(hashlib.blake2b(actor.encode(), digest_size=8).digest(), "little")


@dataclass(frozen=True)
class ForgottenSince:
    last_seq: int
    digests: frozenset[int]
    earliest: datetime | None = None
    """when the earliest of them was forgotten"""

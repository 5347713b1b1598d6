"""Before serving, the demo says writes are disabled only when no key can write: no master key
and none in the shop's key store."""

from __future__ import annotations

from datetime import UTC, datetime

from shelfwise.cli.demo import writes_note
from shelfwise.keys import MemoryKeyStore, create_key


def test_it_warns_only_when_no_key_can_write() -> None:
    keys = MemoryKeyStore()
    note = writes_note(None, keys)
    assert note is not None and "writes are disabled" in note
    assert writes_note("master-key", keys) is None
    create_key(keys, ("catalog",), "feed", datetime.now(UTC))
    assert writes_note(None, keys) is None

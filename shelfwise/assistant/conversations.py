"""Where each conversation's dialogue state is kept between turns, by conversation id: in memory
(tests) or in the data folder's `assistant.db` (SQLite, WAL). A conversation idle longer than its
lifetime reads as new and is pruned."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol

from shelfwise.assistant.state import DialogueState
from shelfwise.storage.urls import folder_or_url
from shelfwise.store.durable_sqlite import connect_durable, to_micros

CONVERSATIONS_FILE = "assistant.db"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS conversations (
    conversation_id TEXT PRIMARY KEY,
    ts INTEGER NOT NULL,
    turns INTEGER NOT NULL,
    state TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS conversations_ts ON conversations(ts);
"""
_PRUNE_EVERY = 200
"""writes between two prunes of expired conversations"""


class ConversationStore(Protocol):
    def get(self, conversation_id: str, at: datetime) -> DialogueState | None:
        """The conversation's state, None when unknown or idle past its lifetime."""
        ...

    def put(self, conversation_id: str, state: DialogueState, at: datetime) -> None: ...

    def prune(self, at: datetime) -> int:
        """Delete conversations idle past their lifetime; how many."""
        ...

    def close(self) -> None: ...


class MemoryConversations:
    def __init__(self, lifetime: timedelta) -> None:
        self.lifetime = lifetime
        self._rows: dict[str, tuple[datetime, DialogueState]] = {}
        self._lock = threading.Lock()

    def get(self, conversation_id: str, at: datetime) -> DialogueState | None:
        with self._lock:
            row = self._rows.get(conversation_id)
        return None if row is None or at - row[0] > self.lifetime else row[1]

    def put(self, conversation_id: str, state: DialogueState, at: datetime) -> None:
        with self._lock:
            self._rows[conversation_id] = (at, state)

    def prune(self, at: datetime) -> int:
        with self._lock:
            old = [key for key, (ts, _) in self._rows.items() if at - ts > self.lifetime]
            for key in old:
                del self._rows[key]
        return len(old)

    def close(self) -> None:
        pass


class SQLiteConversations:
    """One row per conversation (its state as JSON); every few hundred writes prune expired ones."""

    def __init__(self, path: Path, lifetime: timedelta) -> None:
        self.path = path
        self.lifetime = lifetime
        self._conn = connect_durable(path, _SCHEMA, SCHEMA_VERSION, "conversation store")
        self._lock = threading.Lock()
        self._writes = 0

    def get(self, conversation_id: str, at: datetime) -> DialogueState | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT ts, state FROM conversations WHERE conversation_id = ?", (conversation_id,)
            ).fetchone()
        if row is None or to_micros(at) - int(row[0]) > self.lifetime / timedelta(microseconds=1):
            return None
        return DialogueState.model_validate_json(row[1])

    def put(self, conversation_id: str, state: DialogueState, at: datetime) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT INTO conversations(conversation_id, ts, turns, state) VALUES(?, ?, ?, ?) "
                "ON CONFLICT(conversation_id) DO UPDATE SET ts = excluded.ts, turns = excluded.turns, "
                "state = excluded.state",
                (conversation_id, to_micros(at), state.turn, state.model_dump_json()),
            )
            self._writes += 1
            due = self._writes % _PRUNE_EVERY == 0
        if due:
            self.prune(at)

    def prune(self, at: datetime) -> int:
        cutoff = to_micros(at - self.lifetime)
        with self._lock:
            return self._conn.execute("DELETE FROM conversations WHERE ts < ?", (cutoff,)).rowcount

    def close(self) -> None:
        with self._lock:
            self._conn.close()


def open_conversations(target: str | Path, lifetime: timedelta) -> ConversationStore:
    """A data folder (its `assistant.db`), `sqlite:///path` or `memory://`."""
    parsed = folder_or_url(target, CONVERSATIONS_FILE, "conversation store")
    if parsed.scheme == "memory":
        return MemoryConversations(lifetime)
    if parsed.scheme != "sqlite" or parsed.path is None:
        raise ValueError("the conversation store is memory:// or SQLite (a data folder or sqlite:///PATH)")
    return SQLiteConversations(parsed.path, lifetime)

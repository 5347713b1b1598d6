"""The DraftStore protocol (generated descriptions waiting for the admin, and the decisions taken
on them), its in-memory backend, and `open_draft_store` that picks a backend from a data folder
or a URL: `descriptions.db` in the data folder by default, the `description_drafts` table of
PostgreSQL (migration `descriptions/0001`) beside the shop's other stores.

One draft per product: writing a product's draft again replaces it. `decide` replaces a draft
only while it still has the status the caller saw, so two admins never both decide one draft."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import Protocol, runtime_checkable

from shelfwise.describe.records import DescriptionDraft, DraftStatus, newest_first, zero_counts
from shelfwise.storage.urls import Databases, folder_or_url, on_database

DRAFTS_FILE = "descriptions.db"


@runtime_checkable
class DraftStore(Protocol):
    """Durable drafts; each write returns once it is durable."""

    def put(self, drafts: Collection[DescriptionDraft]) -> None:
        """Store the drafts as one transaction (a product's later draft replaces its earlier one)."""
        ...

    def get(self, product_id: str) -> DescriptionDraft | None: ...

    def get_many(self, product_ids: Collection[str]) -> dict[str, DescriptionDraft]: ...

    def list(
        self, status: DraftStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[DescriptionDraft]:
        """Drafts (of one status, or all), newest first, then by product id."""
        ...

    def counts(self) -> dict[str, int]:
        """Drafts per status (every status named, zero included)."""
        ...

    def decide(self, draft: DescriptionDraft, expected: DraftStatus) -> bool:
        """Replace the product's draft with `draft` if the stored one has status `expected`."""
        ...

    def close(self) -> None: ...


class MemoryDraftStore:
    """Drafts in memory, for tests: the same answers as the SQL backends."""

    def __init__(self) -> None:
        self._drafts: dict[str, DescriptionDraft] = {}
        self._lock = threading.Lock()

    def put(self, drafts: Collection[DescriptionDraft]) -> None:
        with self._lock:
            for draft in drafts:
                self._drafts[draft.product_id] = draft

    def get(self, product_id: str) -> DescriptionDraft | None:
        return self._drafts.get(product_id)

    def get_many(self, product_ids: Collection[str]) -> dict[str, DescriptionDraft]:
        return {pid: self._drafts[pid] for pid in sorted(set(product_ids)) if pid in self._drafts}

    def list(
        self, status: DraftStatus | None = None, limit: int = 50, offset: int = 0
    ) -> list[DescriptionDraft]:
        chosen = [d for d in self._drafts.values() if status is None or d.status == status]
        return newest_first(chosen)[max(0, offset) : max(0, offset) + max(0, limit)]

    def counts(self) -> dict[str, int]:
        return zero_counts(dict(Counter(d.status for d in self._drafts.values())))

    def decide(self, draft: DescriptionDraft, expected: DraftStatus) -> bool:
        with self._lock:
            stored = self._drafts.get(draft.product_id)
            if stored is None or stored.status != expected:
                return False
            self._drafts[draft.product_id] = draft
            return True

    def close(self) -> None:
        return None


def open_draft_store(target: str | Path, databases: Databases | None = None) -> DraftStore:
    """A data folder (its `descriptions.db`), `sqlite:///path/to/descriptions.db`, `memory://`
    or `postgresql://...` (on `databases`' shared pool when given)."""
    parsed = folder_or_url(target, DRAFTS_FILE, "description drafts")
    if parsed.scheme == "memory":
        return MemoryDraftStore()
    if parsed.scheme == "postgresql":
        from shelfwise.describe.store_postgres import PostgresDraftStore

        return PostgresDraftStore(on_database(parsed, databases))
    from shelfwise.describe.store_sqlite import SQLiteDraftStore

    assert parsed.path is not None
    return SQLiteDraftStore(parsed.path)

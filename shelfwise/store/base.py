"""The Store protocol: durable catalog storage with a change log, and the embedding cache."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol, runtime_checkable

import numpy as np

from shelfwise.records import Product


class UpsertOutcome(StrEnum):
    INSERTED = "inserted"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class Change:
    """The latest change of one product after a given sequence number."""

    seq: int
    product_id: str
    deleted: bool


@runtime_checkable
class Store(Protocol):
    """Catalog storage. Every write bumps a sequence number so indexes can catch up incrementally."""

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        """Insert or replace products by id, atomically for the batch; one outcome per product."""
        ...

    def get(self, product_id: str) -> Product | None: ...

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]: ...

    def delete(self, product_ids: Sequence[str]) -> list[str]:
        """Delete products; returns the ids that existed and are now gone."""
        ...

    def count(self) -> int: ...

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        """All products in id order."""
        ...

    def last_seq(self) -> int:
        """Sequence number of the latest write (0 for an empty store)."""
        ...

    def changes_since(self, seq: int) -> list[Change]:
        """One entry per product changed after `seq`, with its latest state, in seq order."""
        ...

    def put_document(self, key: str, value: str) -> None:
        """Small JSON documents (ingestion reports, settings) kept beside the catalog."""
        ...

    def get_document(self, key: str) -> str | None: ...

    def close(self) -> None: ...


@runtime_checkable
class EmbeddingCache(Protocol):
    """Vectors keyed by (model version, hash of the encoded text)."""

    def get(self, model_version: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]: ...

    def put(self, model_version: str, vectors: Mapping[str, np.ndarray]) -> None: ...

    def close(self) -> None: ...

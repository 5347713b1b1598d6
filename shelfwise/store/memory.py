"""In-memory Store and EmbeddingCache, for tests and throwaway runs."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from shelfwise.records import Product
from shelfwise.store.base import Change, UpsertOutcome


class MemoryStore:
    def __init__(self) -> None:
        self._products: dict[str, Product] = {}
        self._hashes: dict[str, str] = {}
        self._changes: dict[str, Change] = {}
        self._seq = 0
        self._documents: dict[str, str] = {}

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        outcomes = []
        digests = [product.content_hash() for product in products]  # all or nothing: fail before writing
        for product, digest in zip(products, digests, strict=True):
            previous = self._hashes.get(product.product_id)
            if previous == digest:
                outcomes.append(UpsertOutcome.UNCHANGED)
                continue
            self._seq += 1
            self._products[product.product_id] = product
            self._hashes[product.product_id] = digest
            self._record(Change(self._seq, product.product_id, False))
            outcomes.append(UpsertOutcome.INSERTED if previous is None else UpsertOutcome.UPDATED)
        return outcomes

    def get(self, product_id: str) -> Product | None:
        return self._products.get(product_id)

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        return {pid: self._products[pid] for pid in product_ids if pid in self._products}

    def delete(self, product_ids: Sequence[str]) -> list[str]:
        gone = []
        for pid in product_ids:
            if self._products.pop(pid, None) is not None:
                del self._hashes[pid]
                self._seq += 1
                self._record(Change(self._seq, pid, True))
                gone.append(pid)
        return gone

    def count(self) -> int:
        return len(self._products)

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        for pid in sorted(self._products):
            yield self._products[pid]

    def last_seq(self) -> int:
        return self._seq

    def _record(self, change: Change) -> None:
        """Keep each product's latest change, the dict in sequence order (moved to the end)."""
        self._changes.pop(change.product_id, None)
        self._changes[change.product_id] = change

    def changes_since(self, seq: int) -> list[Change]:
        """Read from the newest back, so a refresh's cost follows the changes, not the catalog."""
        recent = []
        for change in reversed(self._changes.values()):
            if change.seq <= seq:
                break
            recent.append(change)
        return recent[::-1]

    def put_document(self, key: str, value: str) -> None:
        self._documents[key] = value

    def get_document(self, key: str) -> str | None:
        return self._documents.get(key)

    def close(self) -> None:
        pass


class MemoryEmbeddingCache:
    def __init__(self) -> None:
        self._vectors: dict[tuple[str, str], np.ndarray] = {}

    def get(self, model_version: str, text_hashes: Sequence[str]) -> dict[str, np.ndarray]:
        found = {}
        for digest in text_hashes:
            vector = self._vectors.get((model_version, digest))
            if vector is not None:
                found[digest] = vector
        return found

    def put(self, model_version: str, vectors: Mapping[str, np.ndarray]) -> None:
        for digest, vector in vectors.items():
            self._vectors[(model_version, digest)] = np.asarray(vector, dtype=np.float32).copy()

    def close(self) -> None:
        pass

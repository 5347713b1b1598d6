"""The ranking stage's catalog kept in step with the store, the way the search index is.

The stage reads its per-product columns from `CatalogFeatures`, built from the catalog when the
model loads. A product upserted later (a new one, or a new title or price) must be scored from
its own fields the moment search can find it, not as the empty row (whose pCVR is about 0) until
a restart. `CatalogSync.catch_up` runs after each catalog write of the service (as the search
index's refresh does), in the server's every-second catch-up (other processes' writes), and,
without waiting, before each use of the stage. While the store has not moved it costs one
`last_seq` read; otherwise it applies `changes_since` its sequence number (deleted ids are
forgotten, upserted products written with their text embeddings, which the embedding cache
already holds when the search index has encoded them).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from shelfwise.rank.catalog import CatalogFeatures
from shelfwise.records import Product
from shelfwise.store import Store

EncodeProducts = Callable[[Sequence[Product]], np.ndarray]


class CatalogSync:
    """Applies the store's product changes after `seq` to `features`."""

    def __init__(self, store: Store, encode: EncodeProducts, features: CatalogFeatures, seq: int) -> None:
        self.store, self.encode, self.features = store, encode, features
        self.seq = seq
        self._lock = threading.Lock()

    def catch_up(self, wait: bool = True) -> int:
        """Apply the changes stored since the last call; returns how many products changed.
        With `wait=False` (a request) it returns 0 at once while another thread is applying
        changes, rather than wait for a large batch (about 1 ms a product, most of it the
        product's words)."""
        if self.store.last_seq() == self.seq:
            return 0
        if not self._lock.acquire(blocking=wait):
            return 0
        try:
            changes = self.store.changes_since(self.seq)
            if not changes:
                return 0
            changed = self.store.get_many([c.product_id for c in changes if not c.deleted])
            upserted = list(changed.values())
            if upserted:
                self.features.upsert(upserted, self.encode(upserted))
            self.features.delete([c.product_id for c in changes if c.product_id not in changed])
            self.seq = changes[-1].seq
            return len(changes)
        finally:
            self._lock.release()

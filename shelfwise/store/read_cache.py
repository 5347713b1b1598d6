"""A Store whose product reads come from memory when nothing changed them.

Serving reads the same products again and again (a home feed reads about 150, a search page 10
to 50), and each read from SQLite validates the product's JSON again: about 12 us a product,
1.75 ms of a 10 ms home feed. `ReadCachedStore` keeps the last `max_products` products read, as
the immutable (frozen) models they are, and checks the store's sequence number before each read:
products changed since (by this process or any other) are dropped first, through the store's
`changes_since`. Writes through it drop their products at once. Everything else is delegated.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence

from shelfwise.records import Product
from shelfwise.store.base import Change, Store, UpsertOutcome


class ReadCachedStore:
    """`store` with an LRU of up to `max_products` products in front of `get` and `get_many`."""

    def __init__(self, store: Store, max_products: int) -> None:
        if max_products <= 0:
            raise ValueError(f"max_products must be positive, got {max_products}")
        self.inner = store
        self._max = max_products
        self._products: OrderedDict[str, Product] = OrderedDict()
        self._seq = store.last_seq()
        self._lock = threading.Lock()

    # -- reads ----------------------------------------------------------------------------

    def get(self, product_id: str) -> Product | None:
        return self.get_many([product_id]).get(product_id)

    def get_many(self, product_ids: Sequence[str]) -> dict[str, Product]:
        self._forget_changed()
        found: dict[str, Product] = {}
        with self._lock:
            for pid in product_ids:
                product = self._products.get(pid)
                if product is not None:
                    self._products.move_to_end(pid)
                    found[pid] = product
        missing = [pid for pid in dict.fromkeys(product_ids) if pid not in found]
        if missing:
            fetched = self.inner.get_many(missing)
            with self._lock:
                self._products.update(fetched)
                while len(self._products) > self._max:
                    self._products.popitem(last=False)
            found.update(fetched)
        return found

    def _forget_changed(self) -> None:
        seq = self.inner.last_seq()
        if seq == self._seq:
            return
        changes = self.inner.changes_since(self._seq)
        with self._lock:
            if len(changes) >= self._max:
                self._products.clear()
            else:
                for change in changes:
                    self._products.pop(change.product_id, None)
            self._seq = max([seq, *(change.seq for change in changes)])

    # -- writes drop what they change -----------------------------------------------------

    def upsert(self, products: Sequence[Product]) -> list[UpsertOutcome]:
        outcomes = self.inner.upsert(products)
        self._drop(p.product_id for p in products)
        return outcomes

    def delete(self, product_ids: Sequence[str]) -> list[str]:
        gone = self.inner.delete(product_ids)
        self._drop(product_ids)
        return gone

    def _drop(self, product_ids: Iterator[str] | Sequence[str]) -> None:
        with self._lock:
            for pid in product_ids:
                self._products.pop(pid, None)

    # -- delegated ------------------------------------------------------------------------

    def count(self) -> int:
        return self.inner.count()

    def iter_products(self, batch_size: int = 1000) -> Iterator[Product]:
        return self.inner.iter_products(batch_size)

    def last_seq(self) -> int:
        return self.inner.last_seq()

    def changes_since(self, seq: int) -> list[Change]:
        return self.inner.changes_since(seq)

    def put_document(self, key: str, value: str) -> None:
        self.inner.put_document(key, value)

    def get_document(self, key: str) -> str | None:
        return self.inner.get_document(key)

    def close(self) -> None:
        self.inner.close()

"""The catalog's side of the graph: brand, category (every level of a product's path, with its
parent), attribute-value and aspect nodes, and each product's membership edges to them.

Keys are case-folded so "ACME" and "Acme" are one brand; the label keeps the first spelling seen.
A product is in every level of its category path (the shop's hierarchy): a shared leaf is a
specific link, a shared department a weak one, and path scoring (paths.py) tells them apart by
how many products each holds.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from shelfwise.graph.strings import Finder, StringTable
from shelfwise.graph.types import ENTITY_KINDS, AspectPraise, EntityKind, GraphBuildConfig
from shelfwise.records import CATEGORY_SEPARATOR, Product


def entity_key(kind: EntityKind, name: str) -> str:
    return f"{kind}:{' '.join(name.split()).casefold()}"


def attribute_key(name: str, value: str) -> str:
    return entity_key("attribute", f"{name}={value}")


@dataclass(frozen=True)
class _Entity:
    kind: EntityKind
    label: str
    parent: str  # a category's parent key, else ""


@dataclass(frozen=True)
class Entities:
    """Entity nodes (keys sorted) and the products x entities membership matrix, whose data is
    the edge's weight (1, or an aspect's praise score) and `counts` its evidence count (an
    aspect's reviews, else 0), aligned with `members.data`."""

    keys: StringTable
    labels: StringTable
    kinds: np.ndarray  # int8, index into ENTITY_KINDS
    parents: np.ndarray  # int32, a category's parent entity, else -1
    members: sp.csr_matrix  # products x entities
    counts: np.ndarray  # int32
    leaf: np.ndarray  # int32 per product: its deepest category entity, -1 without one

    @property
    def degree(self) -> np.ndarray:
        """How many products each entity holds."""
        return np.bincount(self.members.indices, minlength=len(self.keys)).astype(np.int32)


def _product_entities(product: Product, wanted: tuple[str, ...] | None) -> Iterable[tuple[str, _Entity]]:
    if product.brand.strip():
        yield entity_key("brand", product.brand), _Entity("brand", product.brand.strip(), "")
    parent = ""
    for depth in range(1, len(product.category) + 1):
        path = CATEGORY_SEPARATOR.join(level.strip() for level in product.category[:depth])
        key = entity_key("category", path)
        yield key, _Entity("category", product.category[depth - 1].strip(), parent)
        parent = key
    for name, value in sorted(product.attributes.items()):
        if value.strip() and (wanted is None or name in wanted):
            yield attribute_key(name, value), _Entity("attribute", value.strip(), "")


def build_entities(
    products: Iterable[Product],
    product_ids: Finder,
    config: GraphBuildConfig,
    aspects: Sequence[AspectPraise] = (),
) -> Entities:
    """Entities of `products` (and of `aspects` for products in `product_ids`). Membership is
    collected as compact integer arrays (an entity's first-seen number), renumbered at the end."""
    seen: dict[str, int] = {}
    entities: list[_Entity] = []
    rows, cols, counts = array("q"), array("q"), array("q")
    weights = array("f")
    leaf = np.full(len(product_ids), -1, dtype=np.int64)

    def add(row: int, key: str, entity: _Entity, weight: float = 1.0, count: int = 0) -> int:
        number = seen.setdefault(key, len(seen))
        if number == len(entities):
            entities.append(entity)
        rows.append(row)
        cols.append(number)
        weights.append(weight)
        counts.append(count)
        return number

    for product in products:
        row = product_ids.find(product.product_id)
        for key, entity in _product_entities(product, config.attributes):
            number = add(row, key, entity)
            if entity.kind == "category":
                leaf[row] = number
    for praise in aspects:
        row = product_ids.find(praise.product_id)
        if row >= 0:
            label = " ".join(praise.aspect.split()).lower()  # a phrase, not a name
            add(
                row,
                entity_key("aspect", praise.aspect),
                _Entity("aspect", label, ""),
                praise.score,
                praise.reviews,
            )
    return _assemble(seen, entities, (rows, cols, weights, counts), leaf)


def _assemble(
    seen: dict[str, int],
    entities: list[_Entity],
    columns: tuple[array[int], array[int], array[float], array[int]],
    leaf: np.ndarray,
) -> Entities:
    ordered_keys = sorted(seen)
    renumber = np.empty(len(seen), dtype=np.int64)
    renumber[[seen[key] for key in ordered_keys]] = np.arange(len(ordered_keys))
    ordered = [entities[seen[key]] for key in ordered_keys]
    rows, cols, weights, counts = (np.frombuffer(column, dtype=column.typecode) for column in columns)
    shape = (len(leaf), len(ordered_keys))
    cols = renumber[cols] if len(cols) else cols
    members = sp.csr_matrix((weights.astype(np.float32), (rows, cols)), shape=shape)
    evidence = sp.csr_matrix((counts.astype(np.float64) + 1.0, (rows, cols)), shape=shape)
    members.sort_indices()
    evidence.sort_indices()  # same pattern as members: every stored count is at least 1
    members.data = np.minimum(members.data, 1.0).astype(np.float32)  # a value listed twice is one edge
    parent_of = {key: i for i, key in enumerate(ordered_keys)}
    return Entities(
        keys=StringTable.of(ordered_keys),
        labels=StringTable.of([e.label for e in ordered]),
        kinds=np.array([ENTITY_KINDS.index(e.kind) for e in ordered], dtype=np.int8),
        parents=np.array([parent_of.get(e.parent, -1) for e in ordered], dtype=np.int32),
        members=members,
        counts=(evidence.data - 1.0).clip(min=0).astype(np.int32),
        leaf=np.where(leaf >= 0, renumber[np.maximum(leaf, 0)] if len(renumber) else -1, -1).astype(np.int32),
    )

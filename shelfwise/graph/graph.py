"""`ProductGraph`: the product knowledge graph held as compact arrays, and its neighbourhoods.

    products (sorted ids)  --has_brand / in_category / has_attribute / praised_for-->  entities
    products  --bought_together / also_viewed-->  products   (symmetric, learned from events)

Products and entities are `StringTable`s; membership is one CSR matrix (products x entities)
and each learned kind one symmetric CSR matrix with its evidence columns; categories know their
parent. A version folder holds them as .npy files beside `manifest.json` (format, sizes, the
build's facts and every file's sha256, checked on load); no pickle.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from shelfwise.artifact_files import check_digests, folder_digests
from shelfwise.graph.entities import Entities
from shelfwise.graph.links import LinkTable
from shelfwise.graph.strings import StringTable
from shelfwise.graph.types import (
    EDGE_KINDS,
    ENTITY_EDGE,
    ENTITY_KINDS,
    LINK_KINDS,
    EdgeKind,
    Neighbour,
    Neighbourhood,
    Node,
)
from shelfwise.recommend.artifact import load_array, load_csr, save_array, save_csr

GRAPH_FORMAT = "shelfwise-graph/1"
MANIFEST = "manifest.json"
Names = Callable[[Iterable[str]], Mapping[str, str]]  # product ids -> what to call them (titles)


class GraphFormatError(LookupError):
    """A folder that holds no graph this version can read (answered as 'no graph built')."""


class UnknownProduct(KeyError):
    """A product the graph does not hold."""


@dataclass(frozen=True)
class ProductGraph:
    version: str
    products: StringTable
    entities: Entities
    links: Mapping[str, LinkTable]
    facts: Mapping[str, Any]

    # ----- lookups --------------------------------------------------------------------------------

    def product(self, product_id: str) -> int:
        row = self.products.find(product_id)
        if row < 0:
            raise UnknownProduct(product_id)
        return row

    def has(self, product_id: str) -> bool:
        return self.products.find(product_id) >= 0

    def entity_node(self, entity: int, degree: np.ndarray | None = None) -> Node:
        kind = ENTITY_KINDS[int(self.entities.kinds[entity])]
        size = int((self.degree if degree is None else degree)[entity])
        return Node(
            kind=kind, key=self.entities.keys[entity], label=self.entities.labels[entity], products=size
        )

    @cached_property
    def degree(self) -> np.ndarray:
        """How many products each entity holds."""
        return self.entities.degree

    def specificity(self, entity: int) -> float:
        """1 for an entity two products share alone, falling to 0 for one every product has:
        log(N / size) / log(N) over the N products (idf scaled to 0..1)."""
        n = max(len(self.products), 2)
        size = max(int(self.degree[entity]), 1)
        return max(0.0, math.log(n / size) / math.log(n))

    def memberships(self, product: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The product's entities, their edge weights and evidence counts."""
        m = self.entities.members
        span = slice(int(m.indptr[product]), int(m.indptr[product + 1]))
        return m.indices[span], m.data[span], self.entities.counts[span]

    # ----- neighbourhood --------------------------------------------------------------------------

    def neighbourhood(
        self,
        product_id: str,
        kinds: Iterable[EdgeKind] | None = None,
        limit: int = 20,
        names: Names | None = None,
    ) -> Neighbourhood:
        """The product's neighbours grouped by edge kind, strongest first (`limit` per kind).
        Entities weigh their specificity (an aspect: times its praise score); learned links
        their normalised PMI."""
        row = self.product(product_id)
        wanted = tuple(kinds) if kinds is not None else EDGE_KINDS
        out: dict[str, list[Neighbour]] = {}
        entities, weights, counts = self.memberships(row)
        for entity, weight, count in zip(entities.tolist(), weights.tolist(), counts.tolist(), strict=True):
            edge = ENTITY_EDGE[ENTITY_KINDS[int(self.entities.kinds[entity])]]
            if edge not in wanted:
                continue
            node = self.entity_node(entity)
            evidence = self._entity_evidence(entity, node, count)
            out.setdefault(edge, []).append(
                Neighbour(node=node, weight=round(self.specificity(entity) * weight, 4), evidence=evidence)
            )
        for kind in LINK_KINDS:
            if kind in wanted:
                out[kind] = self._linked(kind, row, limit, names)
        return Neighbourhood(
            product_id=product_id,
            graph_version=self.version,
            neighbours={k: sorted(v, key=lambda n: -n.weight)[:limit] for k, v in out.items() if v},
        )

    def _entity_evidence(self, entity: int, node: Node, count: int) -> dict[str, float | int | str]:
        evidence: dict[str, float | int | str] = {"shared_by": int(node.products or 0)}
        if node.kind == "attribute":
            evidence["attribute"] = node.key.split(":", 1)[1].split("=", 1)[0]
            evidence["value"] = node.label
        if node.kind == "category":
            parent = int(self.entities.parents[entity])
            evidence["level"] = node.key.count(">") + 1
            if parent >= 0:
                evidence["parent"] = self.entities.labels[parent]
        if node.kind == "aspect":
            evidence["reviews"] = count
        return evidence

    def _linked(self, kind: str, row: int, limit: int, names: Names | None) -> list[Neighbour]:
        table = self.links[kind]
        span = table.row(row)
        order = np.argsort(-table.matrix.data[span], kind="stable")[:limit]
        targets = [int(table.matrix.indices[span][i]) for i in order]
        ids = [self.products[t] for t in targets]
        labels = names(ids) if names is not None else {}
        unit = "baskets" if kind == "bought_together" else "sessions"
        return [
            Neighbour(
                node=Node(kind="product", key=pid, label=labels.get(pid, pid)),
                weight=round(float(table.matrix.data[span.start + int(i)]), 4),
                evidence=table.evidence(span.start + int(i), row, t, unit),
            )
            for i, t, pid in zip(order, targets, ids, strict=True)
        ]

    # ----- size and files -------------------------------------------------------------------------

    @property
    def nbytes(self) -> int:
        e = self.entities
        arrays = (e.kinds, e.parents, e.counts, e.leaf, e.members.data, e.members.indices, e.members.indptr)
        strings = self.products.nbytes + e.keys.nbytes + e.labels.nbytes
        return int(strings + sum(a.nbytes for a in arrays) + sum(t.nbytes for t in self.links.values()))

    def save(self, folder: Path) -> None:
        """The arrays, then manifest.json (last: a folder without one is incomplete)."""
        folder.mkdir(parents=True, exist_ok=True)
        self.products.save(folder, "products")
        e = self.entities
        e.keys.save(folder, "entity_keys")
        e.labels.save(folder, "entity_labels")
        for name, array in (("entity_kinds", e.kinds), ("entity_parents", e.parents),
                            ("member_counts", e.counts), ("leaf", e.leaf)):  # fmt: skip
            save_array(folder, name, array)
        save_csr(folder, "members", e.members)
        for kind, table in self.links.items():
            table.save(folder, kind)
        manifest = {
            "format": GRAPH_FORMAT,
            "version": self.version,
            "sizes": {"products": len(self.products), "entities": len(e.keys),
                      "units": {kind: table.units for kind, table in self.links.items()}},
            "facts": dict(self.facts),
            "files": folder_digests(folder, skip=(MANIFEST,)),
        }  # fmt: skip
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> ProductGraph:
        path = folder / MANIFEST
        if not path.is_file():
            raise GraphFormatError(f"no graph manifest at {path}: run `shelfwise graph build`")
        manifest = json.loads(path.read_text(encoding="utf-8"))
        if manifest.get("format") != GRAPH_FORMAT:
            raise GraphFormatError(f"{path}: format {manifest.get('format')!r} is not {GRAPH_FORMAT!r}")
        try:
            check_digests(folder, manifest["files"])
        except ValueError as error:
            raise GraphFormatError(str(error)) from error
        sizes = manifest["sizes"]
        n, n_entities = int(sizes["products"]), int(sizes["entities"])
        entities = Entities(
            keys=StringTable.load(folder, "entity_keys"), labels=StringTable.load(folder, "entity_labels"),
            kinds=load_array(folder, "entity_kinds"), parents=load_array(folder, "entity_parents"),
            members=load_csr(folder, "members", (n, n_entities)), counts=load_array(folder, "member_counts"),
            leaf=load_array(folder, "leaf"),
        )  # fmt: skip
        links = {kind: LinkTable.load(folder, kind, n, int(units)) for kind, units in sizes["units"].items()}
        return cls(
            manifest["version"], StringTable.load(folder, "products"), entities, links, manifest["facts"]
        )

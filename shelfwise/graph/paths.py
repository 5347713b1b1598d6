"""The best explained path between two products.

A path is a chain of product-to-product hops, each either a learned link (bought together,
viewed together: one edge) or an entity both products have (a brand, a category level, an
attribute value, an aspect: two edges, product -> entity <- product). `max_hops` bounds the
graph edges walked, so with 3: a link; two links through a third product; a shared entity; a
link then a shared entity, or a shared entity then a link.

Each hop has a strength in 0..1: a link its normalised PMI, a shared entity its specificity
(`ProductGraph.specificity`: log(N / size) / log(N), so a brand of 12 products among 6,000
explains much, a department of 600 little, a category every product has nothing; an aspect
times the weaker praise score), each times a prior of its kind (`KIND_PRIOR`: a purchase link
says most, an attribute value least). A path's score is the product of its hops' strengths:
short, strong and specific paths win, and each extra hop must be strong to be worth it.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, NamedTuple

import numpy as np

from shelfwise.graph.graph import ProductGraph
from shelfwise.graph.types import ENTITY_EDGE, ENTITY_KINDS, LINK_KINDS, EdgeKind, GraphPath, PathStep

KIND_PRIOR: Final[dict[EdgeKind, float]] = {
    "bought_together": 1.0,
    "has_brand": 0.9,
    "also_viewed": 0.8,
    "in_category": 0.7,
    "praised_for": 0.7,
    "has_attribute": 0.6,
}
_UNIT = {"bought_together": "baskets", "also_viewed": "sessions"}


class _Hop(NamedTuple):
    """A hop as numbers (its `PathStep` is made only for the paths returned)."""

    strength: float
    kind: EdgeKind
    a: int
    b: int
    entity: int = -1  # the shared entity, else -1
    at: int = -1  # the link's position in its table, else -1
    reviews: int = 0

    @property
    def edges(self) -> int:
        return 1 if self.entity < 0 else 2


def _step(graph: ProductGraph, hop: _Hop) -> PathStep:
    source, target = graph.products[hop.a], graph.products[hop.b]
    if hop.entity < 0:
        evidence = graph.links[hop.kind].evidence(hop.at, hop.a, hop.b, _UNIT[hop.kind])
        return PathStep(
            kind=hop.kind, source=source, target=target, strength=round(hop.strength, 4), evidence=evidence
        )
    node = graph.entity_node(hop.entity)
    shared: dict[str, float | int | str] = {
        "shared_by": int(node.products or 0),
        "specificity": round(graph.specificity(hop.entity), 4),
    }
    if hop.kind == "praised_for":
        shared["reviews"] = hop.reviews
    return PathStep(
        kind=hop.kind,
        source=source,
        target=target,
        via=node,
        strength=round(hop.strength, 4),
        evidence=shared,
    )


def _link_hops(graph: ProductGraph, a: int, b: int) -> Iterator[_Hop]:
    for kind in LINK_KINDS:
        table = graph.links[kind]
        at = table.entry(a, b)
        if at >= 0:
            yield _Hop(KIND_PRIOR[kind] * float(table.matrix.data[at]), kind, a, b, at=at)


def _entity_hops(graph: ProductGraph, a: int, b: int) -> Iterator[_Hop]:
    entities_a, weights_a, _ = graph.memberships(a)
    entities_b, weights_b, counts_b = graph.memberships(b)
    shared, at_a, at_b = np.intersect1d(entities_a, entities_b, assume_unique=True, return_indices=True)
    redundant = _redundant_levels(graph, shared)
    for entity, i, j in zip(shared.tolist(), at_a.tolist(), at_b.tolist(), strict=True):
        if entity in redundant:
            continue
        kind = ENTITY_EDGE[ENTITY_KINDS[int(graph.entities.kinds[entity])]]
        strength = KIND_PRIOR[kind] * graph.specificity(entity) * float(min(weights_a[i], weights_b[j]))
        if strength > 0:
            yield _Hop(strength, kind, a, b, entity=entity, reviews=int(counts_b[j]))


def _redundant_levels(graph: ProductGraph, shared: np.ndarray) -> set[int]:
    """Shared category levels that hold exactly the products of a shared child level: saying
    the parent adds nothing to the child ("Aquariums" over a "Fish & Aquatic" of the same size)."""
    parents = graph.entities.parents[shared]
    degree = graph.degree
    return {
        int(p)
        for child, p in zip(shared.tolist(), parents.tolist(), strict=True)
        if p >= 0 and p in shared and degree[p] == degree[child]
    }


def _hops(graph: ProductGraph, a: int, b: int, budget: int) -> list[_Hop]:
    """Every direct hop from a to b that fits in `budget` edges."""
    found = list(_link_hops(graph, a, b)) if budget >= 1 else []
    if budget >= 2:
        found.extend(_entity_hops(graph, a, b))
    return found


def _best(hops: list[_Hop]) -> _Hop | None:
    return max(hops, key=lambda hop: hop.strength) if hops else None


def _linked(graph: ProductGraph, product: int) -> set[int]:
    return {int(x) for kind in LINK_KINDS for x in graph.links[kind].neighbours(product)}


def _candidates(graph: ProductGraph, a: int, b: int, max_hops: int) -> Iterator[tuple[float, list[_Hop]]]:
    """(score, hops) of each direct hop, and of the best two-hop chain through each middle product."""
    for hop in _hops(graph, a, b, max_hops):
        yield hop.strength, [hop]
    if max_hops < 2:
        return
    middles = (_linked(graph, a) | _linked(graph, b)) - {a, b}
    for x in sorted(middles):
        first = _best(_hops(graph, a, x, max_hops - 1))
        if first is None:
            continue
        second = _best(_hops(graph, x, b, max_hops - first.edges))
        if second is not None:
            yield first.strength * second.strength, [first, second]


def best_paths(
    graph: ProductGraph, a_id: str, b_id: str, max_hops: int = 3, limit: int = 1
) -> list[GraphPath]:
    """The `limit` best paths from product `a_id` to `b_id` within `max_hops` edges (the
    strongest hop for each middle product), best first; [] when none, or a == b. Middle
    products are the learned neighbours of either end (kept per product, so this is bounded)."""
    a, b = graph.product(a_id), graph.product(b_id)
    if a == b or max_hops < 1:
        return []
    found = sorted(_candidates(graph, a, b, max_hops), key=lambda c: (-c[0], sum(h.edges for h in c[1])))
    return [
        GraphPath(
            steps=tuple(_step(graph, h) for h in hops),
            score=round(score, 5),
            edges=sum(h.edges for h in hops),
        )
        for score, hops in found[:limit]
    ]

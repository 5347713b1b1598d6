""" "Goes with": complements of a product, or of a cart, from the graph's bought-together links.

Only complements: a candidate must be bought together with an anchor (a learned
`bought_together` link), and is left out when it is in the cart, when it is a substitute of an
anchor (an `also_viewed` link), or when it is in an anchor's own leaf category (a second
keyboard is not what goes with a keyboard). At most `per_category` results share a leaf
category. A cart's candidates add up their links' normalised PMI over the cart's items; each
answer carries the one-hop path from its strongest anchor, to be said in words (wording.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.graph.graph import ProductGraph
from shelfwise.graph.paths import KIND_PRIOR
from shelfwise.graph.types import GraphPath, PathStep


@dataclass(frozen=True)
class GoesWith:
    product_id: str
    score: float
    anchor_id: str
    path: GraphPath


def _excluded(graph: ProductGraph, anchors: list[int]) -> tuple[set[int], set[int]]:
    """(products never proposed: the anchors and their substitutes; the anchors' leaf categories)."""
    viewed = graph.links["also_viewed"]
    products = set(anchors)
    for anchor in anchors:
        products.update(int(x) for x in viewed.neighbours(anchor))
    leaves = {int(graph.entities.leaf[a]) for a in anchors} - {-1}
    return products, leaves


def goes_with(
    graph: ProductGraph, anchor_ids: Sequence[str], k: int = 10, per_category: int = 2
) -> list[GoesWith]:
    """Complements of the anchors (a product page: one; a cart: its items) that the graph holds,
    best first; anchors it does not hold are skipped."""
    anchors = [a for a in dict.fromkeys(graph.products.find(x) for x in anchor_ids) if a >= 0]
    bought = graph.links["bought_together"]
    excluded, leaves = _excluded(graph, anchors)
    score: dict[int, float] = {}
    best: dict[int, tuple[float, int, int]] = {}  # candidate -> (npmi, anchor, data position)
    for anchor in anchors:
        span = bought.row(anchor)
        for offset, candidate in enumerate(bought.matrix.indices[span].tolist()):
            if candidate in excluded or int(graph.entities.leaf[candidate]) in leaves:
                continue
            weight = float(bought.matrix.data[span.start + offset])
            score[candidate] = score.get(candidate, 0.0) + weight
            if weight > best.get(candidate, (-np.inf, 0, 0))[0]:
                best[candidate] = (weight, anchor, span.start + offset)
    out: list[GoesWith] = []
    per_leaf: dict[int, int] = {}
    for candidate in sorted(score, key=lambda c: (-score[c], graph.products[c])):
        leaf = int(graph.entities.leaf[candidate])
        if leaf >= 0 and per_leaf.get(leaf, 0) >= per_category:
            continue
        per_leaf[leaf] = per_leaf.get(leaf, 0) + 1
        weight, anchor, at = best[candidate]
        source, target = graph.products[anchor], graph.products[candidate]
        strength = KIND_PRIOR["bought_together"] * weight
        step = PathStep(
            kind="bought_together",
            source=source,
            target=target,
            strength=round(strength, 4),
            evidence=bought.evidence(at, anchor, candidate, "baskets"),
        )
        path = GraphPath(steps=(step,), score=round(strength, 5), edges=1)
        out.append(GoesWith(target, round(score[candidate], 5), source, path))
        if len(out) >= k:
            break
    return out

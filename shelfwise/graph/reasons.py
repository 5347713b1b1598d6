"""Graph paths in recommendation reasons, and "goes with" as recommendations.

A recommendation whose reason hangs on a product (the shopper's history item, or the page's
product) gets the graph's best one-step path from that product to it in words (the edge its
reason names first: a bought-together link for "often bought with"), in the shop's language,
when the graph holds one strong enough ("same brand (Acme) as the lamp you bought",
"和你买的台灯是同一品牌（Acme）"); otherwise the recommender's own reason stays. Paths are told,
never ranked on: order, scores and `reason_kind` are kept (the ranking stage and the answer cache
see the recommender's answers as they were).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Final

from shelfwise.graph.graph import ProductGraph
from shelfwise.graph.paths import best_paths
from shelfwise.graph.service import GoesWithItem, GraphService
from shelfwise.graph.types import EdgeKind, GraphPath
from shelfwise.graph.wording import Anchor
from shelfwise.recommend.live import Recommended

# reasons that name the product they hang on ("often bought with X", "similar to X", ...)
ANCHORED_KINDS: Final = frozenset(
    {"bought_with", "after", "als", "similar_to", "same_brand", "same_category", "viewed_with", "graph_walk"}
)
MIN_PATH_SCORE: Final = 0.2  # below: a department every tenth product shares says little


# the edge a reason's own kind names: said rather than a stronger path of another kind
SAME_CLAIM: Final[dict[str, EdgeKind]] = {
    "bought_with": "bought_together",
    "viewed_with": "also_viewed",
    "same_brand": "has_brand",
    "same_category": "in_category",
}


def one_step_path(
    graph: ProductGraph, source: str, target: str, min_score: float, prefer: EdgeKind | None = None
) -> GraphPath | None:
    """The strongest direct path (a learned link or one shared entity) from `source` to
    `target` scoring at least `min_score` (one of kind `prefer` first, when there is one), else
    None (also when the graph lacks either product)."""
    if source == target or not graph.has(source) or not graph.has(target):
        return None
    found = [
        p
        for p in best_paths(graph, source, target, max_hops=2, limit=8)
        if len(p.steps) == 1 and p.score >= min_score
    ]
    preferred = [p for p in found if p.steps[0].kind == prefer]
    chosen = preferred or found
    return chosen[0] if chosen else None


def reasons_with_paths(
    found: Sequence[Recommended],
    service: GraphService,
    anchor_kind: Callable[[str], Anchor],
    min_score: float = MIN_PATH_SCORE,
) -> list[Recommended]:
    """The recommendations with each anchored reason said as its graph path (see the module);
    `anchor_kind(product_id)` says how the shopper knows the anchor ("bought", "viewed", None).
    Without a published graph, the list as it was."""
    try:
        graph = service.graph()
    except LookupError:
        return list(found)
    out = []
    for item in found:
        path = None
        if item.anchor_id is not None and item.reason_kind in ANCHORED_KINDS:
            prefer = SAME_CLAIM.get(item.reason_kind)
            path = one_step_path(graph, item.anchor_id, item.product_id, min_score, prefer)
        if path is None:
            out.append(item)
            continue
        text = service.explain(path, anchor=anchor_kind(item.anchor_id or "")).text
        out.append(replace(item, reason=text))
    return out


def as_recommended(items: Sequence[GoesWithItem]) -> list[Recommended]:
    """ "Goes with" answers as recommendations: the complement, its score, its path in words
    (reason kind `goes_with`) and the cart item or product it goes with."""
    return [
        Recommended(item.product, item.score, item.explained.text, "goes_with", item.anchor_id)
        for item in items
    ]

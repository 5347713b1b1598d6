"""The graph's records: node and edge kinds, the build's settings, aspect input, and the answers
of `neighbourhood`, `path` and `goes_with`."""

from __future__ import annotations

from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

NodeKind = Literal["product", "brand", "category", "attribute", "aspect"]
EdgeKind = Literal[
    "has_brand", "in_category", "has_attribute", "praised_for", "bought_together", "also_viewed"
]
EntityKind = Literal["brand", "category", "attribute", "aspect"]
ENTITY_KINDS: Final[tuple[EntityKind, ...]] = ("brand", "category", "attribute", "aspect")
ENTITY_EDGE: Final[dict[EntityKind, EdgeKind]] = {
    "brand": "has_brand",
    "category": "in_category",
    "attribute": "has_attribute",
    "aspect": "praised_for",
}
LinkKind = Literal["bought_together", "also_viewed"]
LINK_KINDS: Final[tuple[LinkKind, ...]] = ("bought_together", "also_viewed")
EDGE_KINDS: Final[tuple[EdgeKind, ...]] = (*ENTITY_EDGE.values(), *LINK_KINDS)


class GraphBuildConfig(BaseModel):
    """How learned links are counted and kept (see links.py)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    min_support: int = Field(default=2, ge=1, description="sessions (substitutes) or baskets (complements)")
    min_npmi: float = Field(default=0.0, ge=-1, le=1, description="links at or below are chance, dropped")
    basket_days: float = Field(
        default=30.0, gt=0, description="a shopper's purchases less than this apart form one basket"
    )
    basket_window: int | None = Field(
        default=None, ge=1, description="pair only purchases at most this many apart in the basket's order"
    )
    max_basket_items: int = Field(default=50, ge=2, description="distinct items read per session or basket")
    max_links: int = Field(default=50, ge=1, description="strongest links kept per product and kind")
    attributes: tuple[str, ...] | None = Field(
        default=None, description="attribute names that become nodes; None: every name"
    )


class AspectPraise(BaseModel):
    """A product praised for an aspect (from review aspect mining): the praised-for edge's input."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    product_id: str = Field(min_length=1)
    aspect: str = Field(min_length=1, description="e.g. 'battery life'")
    score: float = Field(gt=0, le=1, description="how strongly reviews praise it, 0-1")
    reviews: int = Field(ge=1, description="reviews that praise it")


class Node(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: NodeKind
    key: str = Field(description="product id, or 'brand:acme', 'category:A > B', 'attribute:color=red'...")
    label: str = Field(description="what to call it: the brand as written, the category's last level...")
    products: int | None = Field(default=None, description="entities: how many products it has")


class Neighbour(BaseModel):
    """One edge from a product: where it leads, its weight and the evidence behind it."""

    model_config = ConfigDict(frozen=True)

    node: Node
    weight: float = Field(description="learned links: normalised PMI; entities: specificity 0-1")
    evidence: dict[str, float | int | str] = Field(default_factory=dict)


class Neighbourhood(BaseModel):
    model_config = ConfigDict(frozen=True)

    product_id: str
    graph_version: str
    neighbours: dict[str, list[Neighbour]] = Field(description="by edge kind, strongest first")


class PathStep(BaseModel):
    """One hop between two products: a learned link, or an entity both have."""

    model_config = ConfigDict(frozen=True)

    kind: EdgeKind
    source: str
    target: str
    via: Node | None = Field(default=None, description="the shared brand, category, attribute or aspect")
    strength: float
    evidence: dict[str, float | int | str] = Field(default_factory=dict)


class GraphPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    steps: tuple[PathStep, ...]
    score: float = Field(description="product of the hops' strengths: short, strong, specific paths win")
    edges: int = Field(description="graph edges walked (a shared entity is two)")

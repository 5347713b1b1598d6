"""`GraphService`: what serving answers from the published graph, with the products' titles and
the path sentences in the shop's language. The HTTP routes (`serve/graph_routes.py`) and any
other part (the storefront, explanations) call it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.graph.goes_with import goes_with
from shelfwise.graph.graph import ProductGraph, UnknownProduct
from shelfwise.graph.paths import best_paths
from shelfwise.graph.published import PublishedGraph
from shelfwise.graph.types import EdgeKind, GraphPath, Neighbourhood
from shelfwise.graph.wording import Anchor, render_path
from shelfwise.records import Product
from shelfwise.store import Store


class ExplainedPath(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: GraphPath
    text: str = Field(description="the path in words, in `language`")
    language: str


@dataclass(frozen=True)
class GoesWithItem:
    product: Product
    score: float
    anchor_id: str
    explained: ExplainedPath


class GraphService:
    def __init__(self, published: PublishedGraph, store: Store, language: str = "en") -> None:
        self.published = published
        self.store = store
        self.language = "zh" if language == "zh" else "en"

    def graph(self) -> ProductGraph:
        """The served graph; `GraphNotBuilt` (a LookupError) when none is published."""
        return self.published.get()

    def catch_up(self) -> None:
        self.published.catch_up()

    def _titles(self, product_ids: Iterable[str]) -> Mapping[str, str]:
        return {pid: p.title for pid, p in self.store.get_many(list(dict.fromkeys(product_ids))).items()}

    def _known(self, graph: ProductGraph, product_id: str) -> None:
        """`UnknownProduct` with a message that says whether the shop or the graph lacks it."""
        if graph.has(product_id):
            return
        if self.store.get(product_id) is None:
            raise UnknownProduct(f"no product '{product_id}'")
        raise UnknownProduct(
            f"product '{product_id}' is not in graph version {graph.version} (added since it was built): "
            "run `shelfwise graph build` again"
        )

    def neighbourhood(
        self, product_id: str, kinds: Sequence[EdgeKind] | None = None, limit: int = 20
    ) -> Neighbourhood:
        graph = self.graph()
        self._known(graph, product_id)
        return graph.neighbourhood(product_id, kinds, limit, self._titles)

    def explain(self, path: GraphPath, language: str | None = None, anchor: Anchor = None) -> ExplainedPath:
        lang = self.language if language is None else ("zh" if language == "zh" else "en")
        ids = [step.source for step in path.steps] + [path.steps[-1].target]
        return ExplainedPath(
            path=path, text=render_path(path, self._titles(ids), lang, anchor), language=lang
        )

    def paths(
        self, source: str, target: str, max_hops: int = 3, limit: int = 1, language: str | None = None
    ) -> list[ExplainedPath]:
        """The best explained paths from `source` to `target`, best first ([] when none)."""
        graph = self.graph()
        self._known(graph, source)
        self._known(graph, target)
        return [self.explain(p, language) for p in best_paths(graph, source, target, max_hops, limit)]

    def goes_with(
        self, product_ids: Sequence[str], k: int = 10, anchor: Anchor = None, per_category: int = 2
    ) -> list[GoesWithItem]:
        """Complements of a product (one id) or a cart (several), in stock, with their path in
        words; products the graph does not hold yet are skipped."""
        found = goes_with(self.graph(), product_ids, 3 * k, per_category)
        products = self.store.get_many([f.product_id for f in found])
        out = []
        for item in found:
            product = products.get(item.product_id)
            if product is None or not product.in_stock:
                continue
            out.append(
                GoesWithItem(product, item.score, item.anchor_id, self.explain(item.path, anchor=anchor))
            )
        return out[:k]

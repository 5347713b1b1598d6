"""The product knowledge graph on a hand-made shop: every edge kind, minimum support, substitutes
told from complements, specificity, paths in English and Chinese, goes-with, versions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from shelfwise.events.memory import MemoryEventStore
from shelfwise.graph import (
    AspectPraise,
    GraphBuildConfig,
    GraphFormatError,
    GraphNotBuilt,
    GraphService,
    ProductGraph,
    PublishedGraph,
    UnknownProduct,
    best_paths,
    build_and_publish,
    build_graph,
    goes_with,
    graph_registry,
    render_path,
)
from shelfwise.graph.strings import StringTable
from shelfwise.records import Event, Product
from shelfwise.store.memory import MemoryStore

TENTS = ("Outdoors", "Camping", "Tents")
BAGS = ("Outdoors", "Camping", "Sleeping Bags")
LAMPS = ("Home", "Lighting", "Lamps")
SHADES = ("Home", "Lighting", "Shades")
START = datetime(2026, 3, 1, tzinfo=UTC)


def _p(pid: str, title: str, brand: str, category: tuple[str, ...], **attributes: str) -> Product:
    return Product(product_id=pid, title=title, brand=brand, category=category, attributes=attributes)


PRODUCTS = [
    _p("tent-1", "Trail Tent", "Acme", TENTS, color="Green"),
    _p("tent-2", "Dome Tent", "Borealis", TENTS, color="green"),
    _p("tent-3", "Ridge Tent", "Borealis", TENTS),
    _p("bag-1", "Down Sleeping Bag", "ACME", BAGS, color="Blue"),
    _p("lamp-1", "Brass Desk Lamp", "Lumen", LAMPS, material="Brass"),
    _p("lamp-2", "Brass Floor Lamp", "Lumen", LAMPS, material="Brass"),
    _p("shade-1", "Linen Shade", "Weaver", SHADES),
    *[_p(f"lamp-x{i}", f"Plain Lamp {i}", f"Maker {i}", LAMPS) for i in range(8)],
]


class _Events:
    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, kind: str, product: str, session: str, hours: float, user: str | None = None) -> None:
        self.events.append(
            Event(
                event_id=f"e{len(self.events)}",
                type=kind,
                product_id=product,
                session_id=session,  # type: ignore[arg-type]
                user_id=user,
                timestamp=START + timedelta(hours=hours),
            )  # fmt: skip
        )

    def visit(
        self, session: str, hours: float, views: list[str], bought: list[str], user: str | None = None
    ) -> None:
        for i, product in enumerate(views):
            self.add("view", product, session, hours + i / 60, user)
        for i, product in enumerate(bought):
            self.add("add_to_cart", product, session, hours + 0.5 + i / 60, user)
            self.add("purchase", product, session, hours + 0.9 + i / 60, user)


def _history() -> list[Event]:
    log = _Events()
    for i in range(3):  # complements: the tent and the bag bought in one cart
        log.visit(f"kit-{i}", 24 * i, ["tent-1", "bag-1"], ["tent-1", "bag-1"])
    for i in range(3):  # substitutes: two tents compared, one bought
        log.visit(f"compare-{i}", 100 + 24 * i, ["tent-1", "tent-2"], ["tent-2" if i else "tent-1"])
    for i in range(2):  # two tents of one leaf bought together: a near-duplicate, not a complement
        log.visit(f"pair-{i}", 200 + 24 * i, ["tent-1", "tent-3"], ["tent-1", "tent-3"])
    for i in range(2):  # a lamp, and two days later its shade, by one signed-in shopper
        log.visit(f"lamp-{i}", 300 + 100 * i, ["lamp-1"], ["lamp-1"], user=f"u{i}")
        log.visit(f"shade-{i}", 348 + 100 * i, ["shade-1"], ["shade-1"], user=f"u{i}")
    log.visit("once", 600, ["lamp-2", "bag-1"], ["lamp-2", "bag-1"])  # bought together once only
    for i in range(12):  # other visits, so pairs are measured against chance
        log.visit(f"browse-{i}", 700 + i, [f"lamp-x{i % 8}"], [])
    return log.events


def _graph(**config: object) -> ProductGraph:
    return build_graph(PRODUCTS, _history(), GraphBuildConfig.model_validate(config), version="v1")


def _linked(graph: ProductGraph, kind: str, a: str, b: str) -> bool:
    return graph.links[kind].entry(graph.product(a), graph.product(b)) >= 0


def test_string_tables_find_what_they_hold() -> None:
    table = StringTable.sorted_of(["b", "a", "天", "c", "a"])
    assert list(table) == ["a", "b", "c", "天"]
    assert table.find("天") == 3 and table.find("d") == -1 and table.find("") == -1


def test_substitutes_and_complements_are_told_apart() -> None:
    graph = _graph()
    assert _linked(graph, "bought_together", "tent-1", "bag-1")
    assert _linked(graph, "bought_together", "bag-1", "tent-1")  # symmetric
    assert not _linked(graph, "also_viewed", "tent-1", "bag-1")  # both bought every time
    assert _linked(graph, "also_viewed", "tent-1", "tent-2")
    assert not _linked(graph, "bought_together", "tent-1", "tent-2")  # compared, one bought
    near = graph.neighbourhood("tent-1", ["bought_together"])
    bag = next(n for n in near.neighbours["bought_together"] if n.node.key == "bag-1")
    assert bag.evidence["baskets"] == 3 and bag.evidence["orders"] == 3 and 0 < bag.weight <= 1
    assert bag.node.label == "bag-1"  # no names given: the id


def test_a_link_needs_minimum_support() -> None:
    assert not _linked(_graph(), "bought_together", "lamp-2", "bag-1")  # once only
    assert _linked(_graph(min_support=1), "bought_together", "lamp-2", "bag-1")


def test_a_basket_spans_a_shoppers_visits_within_basket_days() -> None:
    graph = _graph(basket_days=30)
    assert _linked(graph, "bought_together", "lamp-1", "shade-1")
    at = graph.links["bought_together"].entry(graph.product("lamp-1"), graph.product("shade-1"))
    assert graph.links["bought_together"].orders[at] == 0  # never in one cart
    assert not _linked(_graph(basket_days=1), "bought_together", "lamp-1", "shade-1")  # two days apart


def test_entities_brands_categories_and_attributes() -> None:
    graph = _graph()
    near = graph.neighbourhood("tent-1").neighbours
    brand = near["has_brand"][0].node
    assert brand.key == "brand:acme" and brand.products == 2  # "Acme" and "ACME" are one brand
    levels = {n.node.label: n for n in near["in_category"]}
    assert set(levels) == {"Outdoors", "Camping", "Tents"}
    assert levels["Tents"].evidence["parent"] == "Camping" and levels["Tents"].evidence["level"] == 3
    assert near["has_attribute"][0].node.key == "attribute:color=green"
    assert near["has_attribute"][0].node.products == 2  # "Green" and "green"
    tents = graph.entities.keys.find("category:outdoors > camping > tents")
    assert graph.entities.leaf[graph.product("tent-1")] == tents


def test_specificity_prefers_small_shared_entities() -> None:
    graph = _graph()
    lamps = graph.entities.keys.find("category:home > lighting > lamps")
    home = graph.entities.keys.find("category:home")
    lumen = graph.entities.keys.find("brand:lumen")
    assert graph.specificity(lumen) > graph.specificity(lamps) > graph.specificity(home)
    path = best_paths(graph, "lamp-1", "lamp-2")[0]
    assert path.steps[0].kind == "has_brand" and path.steps[0].via is not None
    assert path.steps[0].via.label == "Lumen"
    assert path.edges == 2


def test_an_entity_every_product_has_explains_nothing() -> None:
    products = [p.model_copy(update={"brand": "Same"}) for p in PRODUCTS]
    graph = build_graph(products, [], version="v1")
    same = graph.entities.keys.find("brand:same")
    assert graph.specificity(same) == 0.0
    assert all(
        step.kind != "has_brand" for p in best_paths(graph, "lamp-1", "lamp-2", limit=5) for step in p.steps
    )


def test_paths_in_words_english_and_chinese() -> None:
    graph = _graph()
    names = {p.product_id: p.title for p in PRODUCTS}
    found = best_paths(graph, "tent-1", "bag-1", limit=5)
    assert [p.score for p in found] == sorted((p.score for p in found), reverse=True)
    direct = next(p for p in found if p.steps[0].kind == "bought_together")
    assert direct.edges == 1 and direct.score == pytest.approx(direct.steps[0].strength, abs=1e-4)
    assert render_path(direct, names) == "Shoppers who bought Trail Tent also bought Down Sleeping Bag."
    assert render_path(direct, names, "zh") == "买了Trail Tent的顾客也买了Down Sleeping Bag。"
    brand = best_paths(graph, "lamp-1", "lamp-2")[0]
    assert (
        render_path(brand, names, anchor="bought") == "Same brand (Lumen) as the Brass Desk Lamp you bought."
    )
    assert render_path(brand, names, "zh", anchor="bought") == "和你买的Brass Desk Lamp是同一品牌（Lumen）。"


def test_three_hops_a_link_then_a_shared_entity() -> None:
    graph = _graph()
    names = {p.product_id: p.title for p in PRODUCTS}
    # shade-1 -bought with- lamp-1 -same brand- lamp-2: three edges
    short = best_paths(graph, "shade-1", "lamp-2", max_hops=2, limit=5)
    assert short and all(p.edges <= 2 for p in short)  # the shared department and its child level
    path = best_paths(graph, "shade-1", "lamp-2", max_hops=3)[0]
    assert [s.kind for s in path.steps] == ["bought_together", "has_brand"] and path.edges == 3
    assert render_path(path, names) == (
        "Shoppers who bought Linen Shade also bought Brass Desk Lamp; "
        "Brass Floor Lamp is the same brand (Lumen) as Brass Desk Lamp."
    )
    assert best_paths(graph, "shade-1", "shade-1") == []
    with pytest.raises(UnknownProduct):
        best_paths(graph, "shade-1", "nope")


def test_praised_for_edges_from_aspect_input() -> None:
    praise = [
        AspectPraise(product_id="lamp-1", aspect="Warm  Light", score=0.9, reviews=23),
        AspectPraise(product_id="lamp-x0", aspect="warm light", score=0.6, reviews=5),
        AspectPraise(product_id="unknown", aspect="warm light", score=0.6, reviews=5),  # skipped
    ]
    graph = build_graph(PRODUCTS, [], aspects=praise, version="v1")
    near = graph.neighbourhood("lamp-1", ["praised_for"]).neighbours
    aspect = near["praised_for"][0]
    assert aspect.node.key == "aspect:warm light" and aspect.node.products == 2
    assert aspect.evidence["reviews"] == 23
    path = best_paths(graph, "lamp-x0", "lamp-1", limit=5)
    praised = next(p for p in path if p.steps[0].kind == "praised_for")
    names = {"lamp-1": "Brass Desk Lamp", "lamp-x0": "Plain Lamp"}
    assert render_path(praised, names) == "Praised for its warm light, like Plain Lamp."
    assert render_path(praised, names, "zh") == "和Plain Lamp一样因warm light受好评。"


def test_goes_with_complements_only() -> None:
    graph = _graph(min_support=1)
    found = [g.product_id for g in goes_with(graph, ["tent-1"], 10)]
    assert "bag-1" in found
    assert "tent-2" not in found and "tent-3" not in found  # a substitute; a near-duplicate tent
    cart = [g.product_id for g in goes_with(graph, ["tent-1", "bag-1"], 10)]
    assert "tent-1" not in cart and "bag-1" not in cart and "lamp-2" in cart  # bought with the bag once
    assert goes_with(graph, ["nope"], 5) == []


def test_publish_load_and_pick_up_a_newer_version(tmp_path: Path) -> None:
    published = PublishedGraph(tmp_path)
    with pytest.raises(GraphNotBuilt, match="shelfwise graph build"):
        published.get()
    store, events = MemoryStore(), MemoryEventStore()
    store.upsert(PRODUCTS)
    events.append(_history())
    first = build_and_publish(store, events, tmp_path)
    assert first.links["bought_together"] >= 2 and first.products == len(PRODUCTS)
    graph = published.get()
    assert graph.version == first.version == graph_registry(tmp_path).current()[0]  # type: ignore[index]
    reloaded = ProductGraph.load(graph_registry(tmp_path).path_of(first.version))
    assert np.array_equal(
        reloaded.links["also_viewed"].matrix.toarray(), graph.links["also_viewed"].matrix.toarray()
    )
    second = build_and_publish(store, events, tmp_path, GraphBuildConfig(min_support=1))
    published.catch_up()
    assert published.get().version == second.version != first.version
    folder = graph_registry(tmp_path).path_of(second.version)
    (folder / "bought_together.support.npy").write_bytes(b"changed")
    with pytest.raises(GraphFormatError, match="does not match its manifest"):
        ProductGraph.load(folder)


def test_a_chinese_shop_says_its_paths_in_chinese(tmp_path: Path) -> None:
    store, events = MemoryStore(), MemoryEventStore()
    store.upsert(PRODUCTS)
    events.append(_history())
    build_and_publish(store, events, tmp_path)
    chinese = GraphService(PublishedGraph(tmp_path), store, "zh")
    found = chinese.paths("lamp-1", "lamp-2")[0]
    assert found.language == "zh" and found.text == "和Brass Desk Lamp是同一品牌（Lumen）。"
    english = GraphService(PublishedGraph(tmp_path), store, "multi").paths("lamp-1", "lamp-2")[0]
    assert english.text == "Same brand (Lumen) as Brass Desk Lamp."
    assert chinese.paths("lamp-1", "lamp-2", language="en")[0].text == english.text
    with pytest.raises(UnknownProduct, match="no product 'nope'"):
        chinese.neighbourhood("nope")

"""The product graph at work: path reasons on recommendations (English and Chinese), "goes with"
as recommendations, praised-for edges from published review summaries, and category entities
in query understanding. The hand-made shop of test_graph.py."""

from __future__ import annotations

from pathlib import Path

from shelfwise.aspects.artifact import write_summaries
from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.events.memory import MemoryEventStore
from shelfwise.graph import GraphService, PublishedGraph, build_and_publish
from shelfwise.graph.aspect_input import praise_from_summaries
from shelfwise.graph.reasons import as_recommended, reasons_with_paths
from shelfwise.query.attributes import AttributeParser
from shelfwise.recommend.live import Recommended
from shelfwise.store.memory import MemoryStore
from tests.unit.test_graph import PRODUCTS, _history


def _shop(tmp_path: Path) -> tuple[MemoryStore, MemoryEventStore]:
    store, events = MemoryStore(), MemoryEventStore()
    store.upsert(PRODUCTS)
    events.append(_history())
    return store, events


def _item(store: MemoryStore, pid: str, kind: str, anchor: str | None) -> Recommended:
    product = store.get(pid)
    assert product is not None
    return Recommended(product, 1.0, "similar to X", kind, anchor)


def test_anchored_reasons_are_said_as_their_graph_path(tmp_path: Path) -> None:
    store, events = _shop(tmp_path)
    found = [
        _item(store, "lamp-2", "similar_to", "lamp-1"),  # same brand: a path
        _item(store, "bag-1", "bought_with", "tent-1"),  # bought together: a path
        _item(store, "shade-1", "popular", None),  # no anchor: as it was
        _item(store, "lamp-x1", "similar_to", "tent-2"),  # nothing specific shared: as it was
    ]
    service = GraphService(PublishedGraph(tmp_path), store, "en")
    assert reasons_with_paths(found, service, lambda pid: "bought") == found  # no graph yet
    build_and_publish(store, events, tmp_path)
    said = reasons_with_paths(found, service, lambda pid: "bought")
    assert said[0].reason == "Same brand (Lumen) as the Brass Desk Lamp you bought."
    assert said[1].reason == "Shoppers who bought Trail Tent also bought Down Sleeping Bag."
    assert said[2:] == found[2:]
    assert [r.reason_kind for r in said] == [r.reason_kind for r in found]  # told, never ranked on
    chinese = GraphService(PublishedGraph(tmp_path), store, "zh")
    assert reasons_with_paths(found[:1], chinese, lambda pid: "viewed")[0].reason == (
        "和你看过的Brass Desk Lamp是同一品牌（Lumen）。"
    )


def test_goes_with_answers_are_recommendations_with_their_path(tmp_path: Path) -> None:
    store, events = _shop(tmp_path)
    build_and_publish(store, events, tmp_path)
    service = GraphService(PublishedGraph(tmp_path), store, "en")
    found = as_recommended(service.goes_with(["tent-1"], 4, anchor="cart"))
    assert [r.product_id for r in found] == ["bag-1"]
    assert found[0].reason_kind == "goes_with" and found[0].anchor_id == "tent-1"
    assert found[0].reason == "Shoppers who bought the Trail Tent in your cart also bought Down Sleeping Bag."


def _summary(pid: str, *statements: SummaryStatement) -> ReviewSummary:
    return ReviewSummary(product_id=pid, language="en", reviews=9, statements=statements)


def _said(kind: str, aspect: str, positive: int, negative: int) -> SummaryStatement:
    return SummaryStatement(
        kind=kind,  # type: ignore[arg-type]
        aspect=aspect,
        text=f"{kind} {aspect}",
        reviews=positive + negative,
        positive=positive,
        negative=negative,
        review_ids=("r1",),
    )


def test_praised_for_edges_come_from_the_published_review_summaries(tmp_path: Path) -> None:
    summaries = [
        _summary("tent-1", _said("praise", "waterproofing", 6, 2), _said("complaint", "zipper", 0, 4)),
        _summary("tent-2", _said("praise", "waterproofing", 3, 0)),
        _summary("gone", _said("praise", "colour", 2, 0)),  # not in the catalog: no edge
    ]
    praise = praise_from_summaries(summaries)
    assert [(p.product_id, p.aspect, p.score, p.reviews) for p in praise] == [
        ("tent-1", "waterproofing", 0.75, 8),
        ("tent-2", "waterproofing", 1.0, 3),
        ("gone", "colour", 1.0, 2),
    ]
    store, events = _shop(tmp_path)
    root = tmp_path / "models" / "review-summaries"
    version = write_summaries(root, summaries, [], "lexicon", SummaryConfig(), 0)
    report = build_and_publish(store, events, tmp_path)
    graph = PublishedGraph(tmp_path).get()
    assert graph.facts["review_summaries"] == version and graph.facts["aspects"] == 3
    aspects = graph.neighbourhood("tent-1", ["praised_for"]).neighbours["praised_for"]
    assert [(n.node.label, n.evidence["reviews"]) for n in aspects] == [("waterproofing", 8)]
    service = GraphService(PublishedGraph(tmp_path), store, "en")
    said = [p.text for p in service.paths("tent-1", "tent-2", max_hops=2, limit=5)]
    assert report.entities > 0 and "Praised for its waterproofing, like Trail Tent." in said


def test_a_query_naming_a_category_node_is_read_as_that_category() -> None:
    parser = AttributeParser.from_products(PRODUCTS)
    parsed = parser.parse("acme sleeping bag under $100")
    assert parsed.named_categories() == (("Outdoors > Camping > Sleeping Bags", 0.9),)
    assert [c.field for c in parsed.constraints] == ["brand", "price"]  # constraints as before
    assert parsed.to_filters().category is None  # named, never a filter
    assert parser.parse("tents without lamps").named_categories() == (("Outdoors > Camping > Tents", 0.9),)
    assert parser.parse("brass lamp").named_categories() == (("Home > Lighting > Lamps", 0.9),)
    assert parser.parse("a gift").named_categories() == ()
    # "lamp" modifies "shade": the shade is what is asked for
    assert parser.parse("lamp shade").named_categories() == (("Home > Lighting > Shades", 0.9),)

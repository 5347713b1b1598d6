"""`describe_products` and the admin's decisions over in-memory stores: drafts only for products
without a description, passed-over reasons, per-product problems naming the field, the rephrasing
guard (a fake rephraser: one that invents, one that keeps to the facts; Chinese never sent), and
approve / edit / reject, decided once, with an approved text restored after a feed wiped it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import pytest

from shelfwise.describe import (
    DescribeRequest,
    DraftConflict,
    MemoryDraftStore,
    approve,
    describe_products,
    reject,
    save_edit,
)
from shelfwise.records import Product
from shelfwise.store import Store, open_store

NOW = datetime(2026, 12, 8, 1, 0, tzinfo=UTC)


class FakeRephraser:
    model_id = "fake-model"

    def __init__(self, extra: str) -> None:
        self.extra = extra
        self.seen: list[str] = []

    def rephrase(self, text: str) -> str:
        self.seen.append(text)
        return f"{self.extra} {text}"


def _catalog(*products: Product) -> Store:
    store = open_store("memory://")
    store.upsert(list(products))
    return store


def _products() -> list[Product]:
    return [
        Product(product_id="a", title="Amazon Gift Card", brand="Amazon", category=("Gift Cards",), price=25),
        Product(product_id="b", title="Starbucks Card", brand="Starbucks", description="Coffee card."),
        Product(product_id="c", title="Mug", category=("Home", "<span>x</span>"),
                attributes={"color": "red", "note": "<b>hot</b>"}),
        Product(product_id="z", title="保温杯", brand="象印", category=("家居",)),
    ]  # fmt: skip


def _write(catalog: Store) -> tuple[list[Product], object]:
    written: list[Product] = []

    def write(products: Sequence[Product]) -> None:
        written.extend(products)
        catalog.upsert(list(products))

    return written, write


def test_drafts_for_products_without_descriptions_with_problems_named() -> None:
    catalog, drafts = _catalog(*_products()), MemoryDraftStore()
    report = describe_products(catalog, drafts, {}, DescribeRequest(), NOW)
    assert [d.product_id for d in report.drafted] == ["a", "c", "z"]
    assert {(p.product_id, p.field) for p in report.problems} == {
        ("c", "category[1]"),
        ("c", "attributes.note"),
    }
    mug = drafts.get("c")
    assert mug is not None and mug.status == "pending" and mug.source == "template"
    assert mug.text == "Mug, in our Home range. It comes in red." and mug.generator == "generic/en/1"
    assert drafts.get("z") is not None and drafts.get("z").text.startswith("保温杯，象印出品")  # type: ignore[union-attr]
    assert catalog.get("a").description == ""  # type: ignore[union-attr]  # nothing reaches the product yet
    again = describe_products(catalog, drafts, {}, DescribeRequest(), NOW)
    assert again.drafted == () and dict(again.passed_over)["a"] == "a draft is pending"


def test_asked_ids_report_unknown_and_described_products() -> None:
    catalog, drafts = _catalog(*_products()), MemoryDraftStore()
    report = describe_products(catalog, drafts, {}, DescribeRequest(product_ids=("b", "nope", "a")), NOW)
    assert [d.product_id for d in report.drafted] == ["a"]
    assert report.passed_over == (("b", "has a description"),)
    assert [str(p) for p in report.problems] == ["product nope: product_id: not in the catalog (no draft)"]


def test_a_rephrasing_is_kept_only_when_it_passes_the_fact_check() -> None:
    catalog = _catalog(*_products())
    inventing = FakeRephraser("Now 20% off at Starbucks!")
    drafts = MemoryDraftStore()
    describe_products(catalog, drafts, {}, DescribeRequest(product_ids=("a",)), NOW, inventing)
    kept = drafts.get("a")
    assert kept is not None and kept.source == "template" and kept.text == kept.template_text
    assert "number '20'" in kept.notes[0] and "brand 'starbucks'" in kept.notes[0]

    class Dropping(FakeRephraser):
        def rephrase(self, text: str) -> str:
            return "A lovely card."

    drafts = MemoryDraftStore()
    describe_products(catalog, drafts, {}, DescribeRequest(product_ids=("a",)), NOW, Dropping(""))
    kept = drafts.get("a")
    assert kept is not None and kept.source == "template" and "left out: number '25'" in kept.notes[0]
    faithful, drafts = FakeRephraser("Lovely."), MemoryDraftStore()
    describe_products(catalog, drafts, {}, DescribeRequest(product_ids=("a", "z")), NOW, faithful)
    kept = drafts.get("a")
    assert kept is not None and kept.source == "rephrased" and kept.text == f"Lovely. {kept.template_text}"
    assert kept.generator == "fake-model over gift-cards/en/1"
    assert drafts.get("z").source == "template" and len(faithful.seen) == 1  # type: ignore[union-attr]  # English only


def test_approval_makes_the_product_description_once() -> None:
    catalog, drafts = _catalog(*_products()), MemoryDraftStore()
    describe_products(catalog, drafts, {}, DescribeRequest(), NOW)
    written, write = _write(catalog)
    edited = save_edit(drafts, "a", "  An Amazon Gift Card.  ")
    assert edited.source == "edited" and edited.status == "pending"
    decided = approve(drafts, catalog, write, "a", "key-1", NOW)
    assert (
        decided.status == "approved"
        and decided.decided_by == "key-1"
        and decided.text == "An Amazon Gift Card."
    )
    described = catalog.get("a")
    assert described is not None and described.description == "An Amazon Gift Card." and len(written) == 1
    assert described.attribute_sources == {"description": "generated"}  # marked as generated
    with pytest.raises(DraftConflict, match="approved already"):
        reject(drafts, "a", "key-2", NOW)
    with pytest.raises(LookupError):
        approve(drafts, catalog, write, "b", "key-1", NOW)
    with pytest.raises(ValueError, match="text: the description is empty"):
        approve(drafts, catalog, write, "c", "key-1", NOW, text="   ")
    assert reject(drafts, "c", "key-1", NOW).status == "rejected"
    passed = dict(describe_products(catalog, drafts, {}, DescribeRequest(), NOW).passed_over)
    assert passed["c"].startswith("its draft was rejected")
    redo = describe_products(catalog, drafts, {}, DescribeRequest(product_ids=("c",)), NOW)
    assert [d.status for d in redo.drafted] == ["pending"]


def test_an_approved_description_lost_to_a_feed_is_restored_and_a_new_one_is_not_overwritten() -> None:
    catalog, drafts = _catalog(*_products()), MemoryDraftStore()
    describe_products(catalog, drafts, {}, DescribeRequest(), NOW)
    written, write = _write(catalog)
    approve(drafts, catalog, write, "a", "key-1", NOW)
    text = catalog.get("a").description  # type: ignore[union-attr]
    catalog.upsert([_products()[0]])  # the feed again, without descriptions
    report = describe_products(catalog, drafts, {}, DescribeRequest(), NOW, write=write)
    assert report.restored == ("a",) and catalog.get("a").description == text  # type: ignore[union-attr]
    catalog.upsert([_products()[3].model_copy(update={"description": "the shop's own words"})])
    with pytest.raises(DraftConflict, match="has a description since"):
        approve(drafts, catalog, write, "z", "key-1", NOW)

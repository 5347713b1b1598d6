"""The admin's description approval in a real browser, by keyboard only: a product without a
description gets a draft (`describe_products`, as `shelfwise describe` runs it), the admin edits
the draft's text, tabs to Approve and presses Enter, and the edited words are searchable at once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from browser_shop import Shop

from shelfwise.config import Settings
from shelfwise.describe import DescribeRequest, describe_products
from shelfwise.shop_data import ShopData

expect = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras").expect

pytestmark = pytest.mark.slow


def test_a_draft_is_edited_and_approved_with_the_keyboard(open_page, shop: Shop) -> None:  # noqa: ANN001
    page = open_page()
    auth = {"X-API-Key": shop.api_key}
    product = {"product_id": "describe-b1", "title": "Quokka plush toy", "brand": "Zoofy",
               "category": ["Toys", "Plush"], "attributes": {"color": "brown"}}  # fmt: skip
    assert page.request.post("/products/bulk", data={"products": [product]}, headers=auth).ok
    with ShopData.open(Settings(data_dir=shop.data_dir)) as data:  # the CLI's work, in-process
        wanted = DescribeRequest(product_ids=("describe-b1",))
        report = describe_products(data.store, data.descriptions, {}, wanted, datetime.now(UTC))
    assert [draft.product_id for draft in report.drafted] == ["describe-b1"]

    page.goto("/admin/descriptions")
    page.get_by_label("API key").fill(shop.api_key)
    page.keyboard.press("Enter")
    text = page.get_by_label("Description of describe-b1")
    expect(text).to_have_value("Quokka plush toy, from Zoofy, in our Plush range. It comes in brown.")
    text.focus()
    page.keyboard.press("Control+End")
    page.keyboard.type(" Wonderfully huggable.")
    page.keyboard.press("Tab")  # to Approve, the form's first button
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Draft of describe-b1 approved.")
    found = page.request.get("/search?q=huggable&mode=lexical", headers=auth).json()
    assert found["hits"][0]["product"]["product_id"] == "describe-b1"  # then fuzzy matches

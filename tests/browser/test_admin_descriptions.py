"""The admin's description approval in a real browser, by keyboard only: a product without a
description gets a draft from `shelfwise describe`, the admin edits the draft's text, tabs to
Approve and presses Enter, and the edited words are searchable at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from browser_shop import Shop

expect = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras").expect

pytestmark = pytest.mark.slow


def test_a_draft_is_edited_and_approved_with_the_keyboard(open_page, shop: Shop) -> None:  # noqa: ANN001
    page = open_page()
    auth = {"X-API-Key": shop.api_key}
    product = {"product_id": "describe-b1", "title": "Quokka plush toy", "brand": "Zoofy",
               "category": ["Toys", "Plush"], "attributes": {"color": "brown"}}  # fmt: skip
    assert page.request.post("/products/bulk", data={"products": [product]}, headers=auth).ok
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("SHELFWISE_")}
    drafted = subprocess.run(
        [sys.executable, "-m", "shelfwise.cli", "describe", "--products", "describe-b1",
         "--data-dir", str(shop.data_dir)],
        env={**env, "HF_HUB_OFFLINE": "1"}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert drafted.returncode == 0 and "drafted 1 descriptions" in drafted.stdout, drafted.stderr

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
    assert [hit["product"]["product_id"] for hit in found["hits"]] == ["describe-b1"]

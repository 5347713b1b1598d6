"""A product's reviews in a real browser: the demo shop's review summary (its statements and
counts), the rating summary and the newest reviews with "More reviews"; the stars on search
result cards (mean and count from the review store); writing a review from the
keyboard (POST /reviews, which the demo's storefront may call without a key), a missing rating
told on the page, and a shopper's words shown as text, never as HTML."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

import pytest
from browser_shop import Shop

from shelfwise.aspects.artifact import load_summaries, summaries_root
from shelfwise.reviews import open_review_store

expect = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras").expect

pytestmark = pytest.mark.slow


def _summarized_product(shop: Shop) -> tuple[str, int]:
    """A product with a published summary and more reviews than one page shows; its review count."""
    summaries = load_summaries(summaries_root(shop.data_dir))
    store = open_review_store(shop.data_dir)
    try:
        counts = store.summaries(list(summaries))
    finally:
        store.close()
    said = [(counts[pid].count, pid) for pid, s in summaries.items() if s.statements and pid in counts]
    count, product_id = max(said)
    assert count > 5, "the demo's busiest summarized product has more than one page of reviews"
    return product_id, count


def test_a_product_page_shows_its_review_summary_and_reviews(open_page, shop: Shop) -> None:  # noqa: ANN001
    product_id, count = _summarized_product(shop)
    statements = load_summaries(summaries_root(shop.data_dir))[product_id].statements
    page = open_page()
    page.goto(f"/shop/products/{product_id}")
    expect(page.locator("#rating-summary")).to_contain_text(f"from {count} reviews")
    summary = page.locator("#review-summary li")
    expect(summary).to_have_count(len(statements))
    expect(summary.first).to_have_text(statements[0].text)  # "praised for its sound (5 reviews)"
    reviews = page.locator("#reviews .review")
    expect(reviews).to_have_count(5)
    page.locator("#more-reviews").press("Enter")  # a button: the keyboard reaches it
    expect(reviews).to_have_count(min(count, 10))


def _card_stars(shop: Shop, page) -> None:  # noqa: ANN001
    """Each result card shows its product's stars as the review store counts them."""
    cards = page.locator("#results .card")
    cards.first.wait_for()
    ids = [cards.nth(i).get_attribute("data-product-id") or "" for i in range(cards.count())]
    store = open_review_store(shop.data_dir)
    try:
        counts = store.summaries(ids)
    finally:
        store.close()
    reviewed = [pid for pid in ids if pid in counts and counts[pid].count]
    assert reviewed, "some of the demo's headphones have reviews"
    for pid in reviewed[:3]:
        mean = counts[pid].mean
        assert mean is not None
        card = page.locator(f'#results .card[data-product-id="{pid}"] .rating')
        shown = Decimal(mean).quantize(Decimal("0.1"), ROUND_HALF_UP)  # as JavaScript's toFixed(1)
        expect(card).to_have_text(f"★ {shown} ({counts[pid].count})")


def test_a_shopper_writes_a_review_from_the_keyboard(open_page, shop: Shop) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?q=headphones")
    _card_stars(shop, page)
    page.locator("#results .card-link").first.click()
    page.locator("#review-form[data-ready]").wait_for()  # visible once its script handles it
    page.locator("#review-title").focus()
    page.keyboard.press("Enter")  # submitting without a rating is told, not sent
    expect(page.locator("#review-form-status")).to_contain_text("Choose a rating")
    expect(page.locator("input[name=rating]").first).to_be_focused()  # 5 stars: the first radio
    page.keyboard.press("ArrowDown")  # 4 stars, chosen
    page.keyboard.press("Tab")
    page.keyboard.type("Solid <b>pick</b>")
    page.keyboard.press("Tab")
    words = "The <img src=x onerror=alert(1)> sound is clear and the pads stay comfortable."
    page.keyboard.type(words)
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(page.locator("#review-form-status")).to_have_text("Thank you: your review is posted.")
    newest = page.locator("#reviews .review").first
    expect(newest.locator(".review-text")).to_have_text(words)  # the words as written, as text
    expect(newest.locator(".review-title")).to_have_text("Solid <b>pick</b>")
    assert newest.locator("img, b").count() == 0
    expect(newest.locator(".rating")).to_have_text(re.compile("^★★★★☆$"))

"""The admin console in a real browser: signing in with the API key (a wrong one is refused), a
search-playground trace with every stage, and a report's server-drawn plot."""

from __future__ import annotations

import re

import pytest
from browser_shop import Shop

expect = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras").expect

pytestmark = pytest.mark.slow


def _sign_in(page, key: str) -> None:  # noqa: ANN001 - playwright's Page
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_admin_sign_in_trace_and_report_plot(open_page, shop: Shop, screenshot) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/admin/playground?q=hedphones")
    page.wait_for_url(re.compile(r"/admin/login\?next="))
    _sign_in(page, "not-the-key")
    expect(page.get_by_role("alert")).to_contain_text("not the API key")
    _sign_in(page, shop.api_key)
    page.wait_for_url(re.compile(r"/admin/playground\?q=hedphones$"))
    assert shop.api_key not in page.content()
    understanding = page.locator("#stage-understanding")
    expect(understanding).to_contain_text("headphones")  # the typo, corrected
    candidates = page.locator("#stage-candidates table")
    expect(candidates).to_have_count(2)
    expect(candidates.first.locator("tbody tr").first).to_contain_text("Headphones")
    hits = page.locator("#trace-hits tbody tr")
    expect(hits.first).to_contain_text("Headphones")
    assert hits.count() > 3
    screenshot(page, "admin-playground")

    page.get_by_role("link", name="Reports").click()
    plot = page.locator("#recommender-1 figure.chart svg").first
    expect(plot).to_be_visible()
    expect(plot).to_have_attribute("aria-label", re.compile(r"NDCG@10.*: .+\d"))
    assert plot.locator("rect.bar").count() >= 1
    assert plot.bounding_box()["width"] > 200
    screenshot(page, "admin-reports")

    page.get_by_role("link", name="Recommendations").click()
    shopper = page.request.get("/shop/shoppers?limit=1").json()["shoppers"][0]["user_id"]
    page.get_by_label("Shopper (user id)").fill(shopper)
    page.get_by_role("button", name="Explore").click()
    expect(page.locator("#history tbody tr").first).to_be_visible()
    feed = page.locator("section[aria-label='Home feed']")
    expect(feed.locator("table.recommendations tbody tr")).not_to_have_count(0)
    expect(feed.locator("figure.chart svg rect.bar").first).to_be_visible()
    # each recall channel's own candidates, before fusion and rules
    own = page.locator("table.channel-candidates[data-channel='cooccurrence'] tbody tr")
    expect(own.first).to_be_visible()

    page.get_by_role("link", name="Index & models").click()
    page.get_by_role("button", name="Rebuild now").click()
    expect(page.locator("#index-job .state.done")).to_contain_text("The rebuild finished", timeout=60_000)
    serving = page.locator("#index-versions tr", has_text="current").locator("code").inner_text()
    assert page.locator("#index-job").inner_text().count(serving) == 1

    page.get_by_role("link", name="Overview").click()
    expect(page.locator("#rejected-rows")).to_contain_text("is empty or missing")  # the demo feed's bad rows
    expect(page.locator("#fields-left-out")).to_contain_text("no reviews yet")  # left out, product kept
    expect(page.locator("#versions")).to_contain_text("current")
    screenshot(page, "admin-overview")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/admin")
    page.wait_for_url(re.compile(r"/admin/login"))

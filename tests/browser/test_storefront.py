"""The storefront in a real browser: search with a typo, autocomplete by keyboard, a facet and a
sort, a product page's recommendations, the cart and a purchase (each recorded by the server),
the home feed changing after clicks, the demo shopper switch and a phone-sized window."""

from __future__ import annotations

import re

import pytest
from browser_shop import PHONE, Shop

from shelfwise.events import open_event_store

expect = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras").expect

pytestmark = pytest.mark.slow

EVENTS_POSTED = re.compile(r"/events$")


def _posted_event(response) -> bool:  # noqa: ANN001 - playwright's Response
    return bool(EVENTS_POSTED.search(response.url)) and response.request.method == "POST"


def _prices(page) -> list[float]:  # noqa: ANN001
    texts = page.locator("#results .price-line strong").all_inner_texts()
    return [float(re.sub(r"[^\d.]", "", text)) for text in texts]


def _card_ids(page, list_id: str) -> list[str]:  # noqa: ANN001
    cards = page.locator(f"#{list_id} .card")
    expect(cards.first).to_be_visible()
    return [cards.nth(i).get_attribute("data-product-id") for i in range(cards.count())]


def _recorded(page, shop: Shop) -> list:  # noqa: ANN001
    """What the server stored for this browser's visit."""
    session = page.evaluate("sessionStorage.getItem('shelfwise.session')")
    store = open_event_store(shop.data_dir)
    try:
        return store.recent(f"session:{session}", limit=100)
    finally:
        store.close()


def test_a_typo_still_finds_the_product(open_page, screenshot) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the shop")
    box.fill("hedphones")
    box.press("Enter")
    page.wait_for_url("**/shop/search?q=hedphones")
    expect(page.locator(".did-you-mean")).to_contain_text("Showing results for headphones")
    expect(page.locator("#results .card-title").first).to_contain_text("Headphones")
    why = page.locator("#results .why").first
    why.locator("summary").click()
    expect(why).to_contain_text("Keyword match: #1")
    screenshot(page, "search")
    page.get_by_role("link", name="Search instead for “hedphones”").click()
    page.wait_for_url("**exact=1**")
    expect(page.locator("#interpretation")).to_contain_text("Spelling correction and query reading are off")


@pytest.mark.parametrize(("query", "expected"), [("无线耳机", "Headphones|Earbuds"), ("狗粮", "Dog Food")])
def test_queries_in_chinese_find_products_with_the_multilingual_option(
    open_page,
    multilingual_shop: Shop,
    query: str,
    expected: str,  # noqa: ANN001
) -> None:
    page = open_page(shop=multilingual_shop)
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the shop")
    expect(box).to_have_attribute("placeholder", re.compile("any language"))
    box.fill(query)
    box.press("Enter")
    page.wait_for_url(re.compile(r"/shop/search\?q="))
    expect(page.get_by_role("heading", level=1)).to_contain_text(f"“{query}”")
    expect(box).to_have_value(query)
    expect(page.locator("#results .card-title").first).to_contain_text(re.compile(expected))


def _suggestions_for(prefix: str):  # noqa: ANN202
    """A predicate for the /suggest response answering exactly `prefix`."""
    return lambda response: "/suggest?" in response.url and f"q={prefix}&" in response.url


def test_autocomplete_works_from_the_keyboard(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/")
    box = page.get_by_role("combobox", name="Search the shop")
    with page.expect_response(_suggestions_for("headph")):  # the answer for the whole prefix
        box.press_sequentially("headph", delay=30)
    options = page.get_by_role("option")
    expect(options.first).to_contain_text(re.compile("headph", re.IGNORECASE))
    expect(box).to_have_attribute("aria-expanded", "true")
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    box.press("Escape")
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value("headph")  # closing the list keeps what was typed
    with page.expect_response(_suggestions_for("headph")):
        box.press("ArrowDown")  # opens the list again
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options.first).to_contain_text(re.compile("headph", re.IGNORECASE))
    box.press("ArrowDown")
    expect(options.first).to_have_attribute("aria-selected", "true")
    chosen = options.first.locator("span").first.inner_text()
    box.press("Enter")
    page.wait_for_url(re.compile(r"/shop/(search|products/)"))
    first_word = re.compile(re.escape(chosen.split()[0]), re.IGNORECASE)
    expect(page.get_by_role("heading", level=1)).to_contain_text(first_word)


def test_a_category_page_names_the_category(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?category=Home+%26+Kitchen")
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Home & Kitchen")
    expect(heading).not_to_contain_text("whole shop")


def test_a_query_nothing_matches_shows_the_nearest_items_as_such(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?q=blender")  # the demo shop sells no blender
    note = "No close matches for “blender”; the nearest items are"
    expect(page.locator("#interpretation")).to_contain_text(note)
    expect(page.get_by_role("heading", level=1)).to_contain_text("nearest to “blender”")
    expect(page.locator("#results .card").first).to_be_visible()  # kept, not dropped
    page.goto("/shop/search?q=headphones")
    expect(page.locator("#results .card").first).to_be_visible()
    expect(page.locator("#interpretation")).not_to_contain_text("No close matches")


def test_a_query_in_another_script_is_not_guessed_at(open_page) -> None:  # noqa: ANN001
    page = open_page()
    # the shop reads English only (no multilingual option; Chinese goes through the dictionary)
    page.goto("/shop/search?q=" + "красное платье")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Cannot read “красное платье”")
    expect(page.locator("#interpretation")).to_contain_text("cannot read")
    expect(page.locator("#results .card")).to_have_count(0)


def test_a_facet_filter_and_a_sort(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?q=headphones")
    option = page.locator("fieldset.facet", has_text="Brand").locator("label").first
    brand = option.inner_text().rsplit(" ", 1)[0].strip()
    option.locator("input").check()
    page.wait_for_url(re.compile(r"brand="))
    expect(page.locator("#active-filters .chip")).to_contain_text(brand)
    brands = page.locator("#results .card-body > .muted").all_inner_texts()
    assert brands and set(brands) == {brand}
    page.get_by_label("Sort by").select_option("price_asc")
    page.wait_for_url(re.compile(r"sort=price_asc"))
    expect(page.locator("#results .card").first).to_be_visible()
    prices = _prices(page)
    assert prices == sorted(prices) and len(prices) > 1


def test_a_product_page_recommends_and_every_step_is_recorded(open_page, shop: Shop, screenshot) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?q=headphones&in_stock=true")
    first = page.locator("#results .card").first
    product_id = first.get_attribute("data-product-id")
    first.locator(".card-link").click()
    page.wait_for_url(f"**/shop/products/{product_id}?from=*")
    expect(page.locator("#product-title")).to_be_visible()
    expect(page.locator("#similar .card").first).to_be_visible()
    expect(page.locator("#similar .reason").first).not_to_be_empty()
    expect(page.locator("#together .card").first).to_be_visible()  # filled with similar items when needed
    screenshot(page, "product")
    with page.expect_response(_posted_event) as added:
        page.get_by_role("button", name="Add to cart").click()
    assert added.value.json()["accepted"] == 1
    expect(page.locator("#cart-count")).to_have_text("1")
    expect(page.get_by_role("button", name="In your cart")).to_be_disabled()
    with page.expect_response(lambda r: "/recommend/goes-with" in r.url and "cart=true" in r.url) as goes:
        page.get_by_role("link", name=re.compile("^Cart")).click()
    expect(page.locator("#cart-lines li")).to_have_count(1)
    complements = goes.value.json()["items"]  # the product graph's complements of the cart
    section = page.locator("#goes-with-section")
    if complements:
        expect(section.locator(".reason").first).to_have_text(complements[0]["reason"])
    else:
        expect(section).to_be_hidden()
    screenshot(page, "cart")
    with page.expect_response(_posted_event) as bought:
        page.get_by_role("button", name="Buy now").click()
    assert bought.value.json()["accepted"] == 1
    expect(page.locator("#cart-status")).to_contain_text("1 purchase(s) recorded")
    recorded = _recorded(page, shop)
    kinds = {e.type: e for e in recorded}
    assert {"search", "click", "view", "add_to_cart", "purchase"} <= set(kinds)
    click = kinds["click"]
    assert click.product_id == product_id and click.position == 0 and click.request_id
    assert kinds["add_to_cart"].request_id == click.request_id  # credited to the search that led to it
    assert kinds["purchase"].product_id == product_id and kinds["purchase"].price


def test_the_home_feed_changes_after_a_few_clicks(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/")
    before = _card_ids(page, "feed")
    for position in range(3):
        page.goto("/shop/search?q=dog+toy")
        page.locator("#results .card-link").nth(position).click()
        expect(page.locator("#product-title")).to_be_visible()
    page.get_by_role("link", name="Shelfwise").click()
    expect(page.locator("#profile")).to_contain_text("Pet Supplies")
    after = _card_ids(page, "feed")
    assert after != before
    fresh = len(set(after) - set(before))
    expect(page.locator("#feed .badge.new")).to_have_count(fresh)
    expect(page.locator("#feed-who")).to_contain_text(f"{fresh} new since you last looked")
    assert page.locator("#feed .reason").first.inner_text()


def test_acting_as_a_demo_shopper(open_page, screenshot) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/")
    switch = page.get_by_label("Shopping as")
    expect(switch.locator("option")).not_to_have_count(1)
    shopper = switch.locator("option").nth(1).get_attribute("value")
    with page.expect_navigation():
        switch.select_option(shopper)
    expect(page.locator("#feed-who")).to_contain_text(f"For {shopper}")
    expect(page.locator("#profile")).to_contain_text("events")
    expect(page.locator("#feed .card").first).to_be_visible()
    screenshot(page, "home")


def test_loading_failures_and_empty_results_say_so(open_page) -> None:  # noqa: ANN001
    page = open_page()
    api_search = re.compile(r"^http://[^/]+/search\?")  # the API's, not the page's
    page.route(
        api_search,
        lambda route: route.fulfill(
            status=500,
            content_type="application/json",
            body='{"error": "internal error", "request_id": "r1"}',
        ),
    )
    page.goto("/shop/search?q=kettle")
    failed = page.locator("#results-status.error")
    expect(failed).to_contain_text("The search could not be run: internal error")
    page.unroute(api_search)
    page.goto("/shop/search?q=kettle&min_price=100000")
    expect(page.locator("#results-status.empty")).to_contain_text("Nothing matches")
    page.route(
        re.compile(r"^http://[^/]+/recommend/"),
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": "no recommender trained yet"}'
        ),
    )
    page.goto("/")
    expect(page.locator("#feed-status.empty")).to_contain_text("once a recommender is trained")


def test_the_keyboard_reaches_everything(open_page) -> None:  # noqa: ANN001
    page = open_page()
    page.goto("/shop/search?q=headphones")
    expect(page.locator("#results .card").first).to_be_visible()
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    for _ in range(100):  # on to the first result's link, through the filters
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('card-link')"):
            break
    else:
        raise AssertionError("Tab never reached a result")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/shop/products/"))


def test_a_phone_sized_window_needs_no_sideways_scrolling(open_page, screenshot) -> None:  # noqa: ANN001
    page = open_page(viewport=PHONE)
    for path in ("/", "/shop/search?q=kettle"):
        page.goto(path)
        expect(page.locator(".card").first).to_be_visible()
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{path} is {overflow}px wider than the phone"
    filters = page.locator("#filters-box")
    expect(filters).not_to_have_attribute("open", "")  # results first; the filters one tap away
    filters.locator("summary").click()
    expect(filters.locator("fieldset.facet").first).to_be_visible()
    filters.locator("summary").click()
    screenshot(page, "phone-search")

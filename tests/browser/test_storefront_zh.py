"""The Chinese demo shop in a browser: the storefront's own labels, written by the templates and
by the scripts, are Chinese, and searching in Chinese shows Chinese products."""

from __future__ import annotations

from browser_shop import Shop


def test_the_chinese_demo_shop_speaks_chinese(open_page, chinese_shop: Shop) -> None:  # noqa: ANN001
    page = open_page(shop=chinese_shop)
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "zh"
    assert page.locator("#feed-title").inner_text() == "为您推荐"
    page.locator("#feed-who").filter(has_text="本次访问").wait_for()
    page.fill("#search-input", "耳机")
    page.press("#search-input", "Enter")
    page.wait_for_url("**/shop/search?q=*")
    page.locator("#results .card-link").first.wait_for()
    title = page.locator("#results-title").inner_text()
    # "的搜索结果" once Chinese is segmented; until then the hits are only the nearest
    assert "“耳机”" in title and "共" in title and ("的搜索结果" in title or "最接近的商品" in title), title
    assert page.locator("#sort option").first.inner_text() == "综合排序"
    first = page.locator("#results .card-link").first
    assert "耳机" in first.inner_text()
    first.click()
    page.locator("#add-to-cart, .badge.out").first.wait_for()
    assert page.locator("#add-to-cart, .badge.out").first.inner_text() in ("加入购物车", "缺货")
    assert page.locator("table.specs caption").inner_text() == "商品参数"
    assert page.locator("#reviews-title").inner_text() == "评价"
    assert page.locator("#review-form-title").inner_text() == "写评价"

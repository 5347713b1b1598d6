"""The storefront's own labels follow the shop's language: Chinese for a Chinese catalog (or when
the server says so), English, exactly as the templates write it, for an English one."""

from __future__ import annotations

import json
import re
from pathlib import Path

from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.service import Shelfwise
from shelfwise.web.i18n import load_messages
from shelfwise.web.routes import PACKAGE_DIR
from tests.e2e.conftest import ClientFactory, hashing_settings_for

PAGES = ("/", "/shop/search?q=%E8%80%B3%E6%9C%BA", "/shop/cart", "/shop/products/no-such-id")


def _messages_block(html: str) -> dict[str, str] | None:
    found = re.search(r'<script type="application/json" id="shop-messages">(.*?)</script>', html, re.S)
    return None if found is None else json.loads(found.group(1))


def test_a_chinese_catalog_gets_a_chinese_storefront(tmp_path: Path, make_client: ClientFactory) -> None:
    shop = Shelfwise(hashing_settings_for(tmp_path / "data"))
    shop.upsert_products(generate_demo_catalog_zh(60))
    shop.rebuild_index()  # the shop settles its language (and analysis) before its first index
    client = make_client(shop)
    home = client.get("/").text
    assert '<html lang="zh">' in home and "为您推荐" in home and "搜索" in home
    shown = re.sub(r'<script type="application/json".*?</script>', "", home, flags=re.S)
    assert "Picked for you" not in shown and "Search" not in shown.replace("search", "")
    assert _messages_block(home) == load_messages(PACKAGE_DIR / "messages")["zh"]
    for path in PAGES:
        page = client.get(path)
        assert page.status_code in (200, 404) and '<html lang="zh">' in page.text, path
    assert "没有这件商品" in client.get("/shop/products/no-such-id").text
    assert "综合排序" in client.get("/shop/search", params={"q": "耳机"}).text
    shop.close()


def test_an_english_catalog_keeps_the_english_storefront(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    client = make_client(shelfwise)
    home = client.get("/").text
    assert '<html lang="en">' in home and "Picked for you" in home
    assert "Every click, cart and purchase here is sent to <code>POST /events</code> and shapes" in home
    assert _messages_block(home) is None
    missing = client.get("/shop/products/nothing").text
    assert "The shop has no product with the id <code>nothing</code>; it may have been removed." in missing


def test_the_server_setting_overrides_the_catalog(shelfwise: Shelfwise, make_client: ClientFactory) -> None:
    client = make_client(shelfwise, storefront_language="zh")
    assert '<html lang="zh">' in client.get("/").text


def test_every_label_of_the_scripts_and_templates_has_a_chinese_translation() -> None:
    zh = load_messages(PACKAGE_DIR / "messages")["zh"]
    used: set[str] = set()
    for template in (PACKAGE_DIR / "templates").glob("*.html"):
        used |= set(re.findall(r'_\("([^"]+)"\)', template.read_text(encoding="utf-8")))
    for script in (PACKAGE_DIR / "static").glob("*.js"):
        used |= set(re.findall(r'\bt\("([^"]+)"', script.read_text(encoding="utf-8")))
    assert len(used) > 60
    assert sorted(used - set(zh)) == []

"""Hand-written dialogues with the shopping assistant over tiny real shops (SQLite, hashing
encoder), in English and Chinese: a question when the candidates are broad, products with their
sources, negations, "cheaper", "instead", comparisons, FAQ answers and "I don't know"; and
POST /assistant keyed like search, each turn logged as an impression on the surface "assistant"."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shelfwise.assistant import Assistant, AssistantAnswer, Choice, FaqEntry, MemoryConversations, Turn
from shelfwise.cli import app
from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.keys.scoped import mint_scoped_key
from shelfwise.records import Filters
from shelfwise.serve import create_app
from shelfwise.shop_server import ShopServer
from tests.assistant_dialogue_set import DIALOGUES
from tests.assistant_shop import english_products
from tests.zh_catalog import products as zh_products

KEY = "assistant-test-key"
FAQ = [
    FaqEntry(
        id="ship", question="How long does shipping take?", answer="Orders ship within 2 business days."
    ),
    FaqEntry(id="return", question="Can I return an item?", answer="Returns are free within 30 days."),
    FaqEntry(id="fahuo", question="多久发货？", answer="付款后48小时内发货。", language="zh"),
    FaqEntry(id="tuihuo", question="可以退货吗？", answer="支持七天无理由退货。", language="zh"),
]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def _shop(root: Path, products: list) -> ShopServer:  # type: ignore[type-arg]
    shop = ShopServer(Settings(data_dir=root, encoder=EncoderConfig(name="hashing")))
    shop.upsert_products(products)
    shop.open_index()
    return shop


@pytest.fixture(scope="module")
def english(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    shop = _shop(tmp_path_factory.mktemp("assistant-en"), english_products())
    assistant = Assistant(shop, faq=FAQ)
    yield assistant
    assistant.close()
    shop.close()


@pytest.fixture(scope="module")
def chinese(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Assistant]:
    shop = _shop(tmp_path_factory.mktemp("assistant-zh"), zh_products())
    assistant = Assistant(shop, faq=FAQ)
    yield assistant
    assistant.close()
    shop.close()


def _say(assistant: Assistant, conversation: str, message: str) -> AssistantAnswer:
    return assistant.turn(Turn(message=message, conversation_id=conversation))


def _ids(answer: AssistantAnswer) -> list[str]:
    return [shown.product.product_id for shown in answer.products]


def test_english_laptop_dialogue(english: Assistant) -> None:
    first = _say(english, "en-1", "I want a laptop")
    assert first.action == "ask" and first.question is not None and first.question.field == "brand"
    assert [o.label for o in first.question.options][-1] == "Any" and first.products == []
    second = english.turn(
        Turn(message="", conversation_id="en-1", choice=Choice(field="brand", value="Dell"))
    )
    assert second.action == "show" and set(_ids(second)) == {"lp3", "lp4"}
    assert second.state.brands == ("Dell",) and second.state.settled == ("brand",)
    assert second.products[0].sources[0].field == "title"
    assert {s.field for s in second.products[0].sources} >= {"title", "price", "attr:weight"}
    lighter = _say(english, "en-1", "which is lighter?")
    assert lighter.action == "compare"
    assert lighter.statements[-1].text == "Dell XPS 13 Laptop is lighter (1.19 kg against 1.65 kg)"
    cheaper = _say(english, "en-1", "cheaper")
    assert cheaper.action == "show" and _ids(cheaper) == ["lp4"]  # under the middle of $1199 and $549
    instead = _say(english, "en-1", "show HP instead")
    assert instead.state.brands == ("HP",) and _ids(instead) == ["lp9"]  # the price bound stays


def test_english_dress_dialogue_with_a_negation_and_faq(english: Assistant) -> None:
    first = _say(english, "en-2", "a dress under $70, not red")
    assert first.state.excluded == {"color": ("red",)} and first.state.price_max == 70.0
    shown = first.products if first.action == "show" else _say(english, "en-2", "any").products
    assert shown and all(s.product.attributes["color"] != "red" for s in shown)
    assert all((s.product.price or 0) <= 70 for s in shown)
    faq = _say(english, "en-2", "how long does shipping take?")
    assert (faq.action, faq.reply, faq.hand_off) == ("faq", "Orders ship within 2 business days.", False)
    assert faq.state.excluded == {"color": ("red",)}  # a shop question leaves the need as it was
    unknown = _say(english, "en-2", "can I pay with gift cards in store?")
    assert unknown.action == "unknown" and unknown.hand_off


def test_chinese_dialogue(chinese: Assistant) -> None:
    first = _say(chinese, "zh-1", "我想买耳机")
    assert first.action == "ask" and first.question is not None and first.question.text == "有偏好的品牌吗？"
    assert first.question.options[-1].label == "都可以"
    no_apple = _say(chinese, "zh-1", "不要苹果")
    assert no_apple.state.excluded_brands == ("Apple",) and "brand" in no_apple.state.settled
    cheaper = _say(chinese, "zh-1", "便宜点")
    assert cheaper.action == "show" and cheaper.reply.startswith("这些最符合您的要求：")
    assert all((s.product.price or 0) < 450 and s.product.brand != "Apple" for s in cheaper.products)
    compared = _say(chinese, "zh-1", "哪个更便宜")
    assert compared.action == "compare" and compared.statements[-1].text.startswith(
        "倍思 有线耳机 Type-C 白色更便宜（¥39"
    )
    sony = _say(chinese, "zh-1", "重新开始")
    assert not sony.state.has_need
    assert _ids(_say(chinese, "zh-1", "索尼耳机")) != []
    faq = _say(chinese, "zh-1", "多久发货？")
    assert faq.reply == "付款后48小时内发货。"


def test_a_chinese_negated_colour_leaves_red_dresses_out(chinese: Assistant) -> None:
    answer = _say(chinese, "zh-2", "我想买连衣裙，不要红色")
    answer = answer if answer.action == "show" else _say(chinese, "zh-2", "都可以")
    assert answer.action == "show" and answer.products
    assert all(s.product.attributes.get("color") not in ("红色", "酒红色") for s in answer.products)


def test_post_assistant_is_keyed_like_search_and_logged(english: Assistant) -> None:
    shop = english.serving
    assert isinstance(shop, ShopServer)
    with TestClient(create_app(shop, ServeConfig(api_key=KEY, public_search=False))) as client:
        assert client.post("/assistant", json={"message": "laptop"}).status_code == 401
        headers = {"X-API-Key": KEY}
        first = client.post(
            "/assistant", json={"message": "I want a laptop", "session_id": "s1"}, headers=headers
        )
        assert first.status_code == 200, first.text
        body = first.json()
        assert body["action"] == "ask" and body["question"]["field"] == "brand"
        option = body["question"]["options"][0]
        choice = {"field": option["field"], "value": option["value"]}
        second = client.post(
            "/assistant", headers=headers,
            json={"conversation_id": body["conversation_id"], "choice": choice, "session_id": "s1"},
        ).json()  # fmt: skip
        assert second["action"] == "show" and second["state"]["brands"] == [option["value"]]
        assert all(p["sources"] for p in second["products"])
        bad = client.post("/assistant", json={"message": "", "colour": "red"}, headers=headers)
        assert bad.status_code == 422
    shown = shop.impressions.get(second["request_id"])
    assert shown is not None and (shown.surface, shown.session_id) == ("assistant", "s1")
    assert [s.product_id for s in shown.items] == [p["product"]["product_id"] for p in second["products"]]
    assert shown.context["conversation"] == body["conversation_id"] and shown.context["action"] == "show"
    asked = shop.impressions.get(body["request_id"])
    assert asked is not None and asked.items == () and asked.context["question"] == "brand"


def test_a_scoped_key_only_sees_its_scope(english: Assistant) -> None:
    shop = english.serving
    assert isinstance(shop, ShopServer)
    token = mint_scoped_key(KEY, Filters(brands=("Sony",)), int(time.time()) + 600)
    with TestClient(create_app(shop, ServeConfig(api_key=KEY, public_search=False))) as client:
        answer = client.post(
            "/assistant", json={"message": "wireless headphones"}, headers={"X-API-Key": token}
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        shown = body["products"] or client.post(
            "/assistant", json={"conversation_id": body["conversation_id"], "message": "any"},
            headers={"X-API-Key": token},
        ).json()["products"]  # fmt: skip
        assert shown and {p["product"]["brand"] for p in shown} == {"Sony"}


def test_the_faq_imported_by_the_cli_is_the_assistants_default(english: Assistant, tmp_path: Path) -> None:
    data = english.serving.settings.data_dir
    good = tmp_path / "faq.yaml"
    good.write_text(
        "- question: Do you deliver on Sundays?\n  answer: No, Monday to Saturday only.\n", encoding="utf-8"
    )
    bad = tmp_path / "bad.jsonl"
    bad.write_text(
        '{"question": "Gift wrap?", "answer": "Yes."}\n{"question": "Invoices?"}\n', encoding="utf-8"
    )
    result = CliRunner().invoke(app, ["assistant", "faq", "import", str(good), "-d", str(data)])
    assert result.exit_code == 0 and "1 FAQ entries written" in result.output, result.output
    result = CliRunner().invoke(app, ["assistant", "faq", "import", str(bad), "-d", str(data)])
    assert result.exit_code == 2 and "bad.jsonl:2: answer: Field required" in result.output
    assistant = Assistant(english.serving, conversations=MemoryConversations(timedelta(hours=1)))
    answer = assistant.turn(Turn(message="do you deliver on sundays?"))
    assert (answer.action, answer.reply) == (
        "faq",
        "No, Monday to Saturday only.",
    )  # the bad file replaced nothing


def test_when_nothing_has_every_wish_the_latest_is_left_out_and_said(english: Assistant) -> None:
    answer = _say(english, "en-3", "I'm looking for a red laptop under $700")
    assert answer.action == "show" and answer.state.text == "laptop" and answer.state.attributes == {}
    assert answer.reply.startswith("Nothing matches all of that. Leaving out red, here is what matches best:")
    assert set(_ids(answer)) == {"lp4", "lp8", "lp9"}  # the laptops under $700, of any colour


def test_a_wish_chooses_products_even_when_the_words_match_none(english: Assistant) -> None:
    assert _say(english, "en-4", "I need a zqxv").action == "nothing"
    answer = _say(english, "en-4", "Sennheiser")
    assert answer.action == "show" and _ids(answer) == ["hp7"]


def _holds(answer: AssistantAnswer, expect: dict[str, Any]) -> list[str]:
    """What of `expect` the answer does not hold (empty: all of it)."""
    shown = [s.product for s in answer.products]
    wrong = [] if "action" not in expect or answer.action == expect["action"] else [f"action {answer.action}"]
    if "ids" in expect and set(_ids(answer)) != expect["ids"]:
        wrong.append(f"ids {sorted(_ids(answer))}")
    if "count" in expect and len(answer.products) != expect["count"]:
        wrong.append(f"{len(answer.products)} shown")
    if "has" in expect and expect["has"] not in _ids(answer):
        wrong.append(f"{expect['has']} not in {_ids(answer)}")
    every = expect.get("every", {})
    checks = {
        "brand": lambda p, v: p.brand == v, "not_brand": lambda p, v: p.brand != v,
        "color": lambda p, v: p.attributes.get("color") == v,
        "not_color": lambda p, v: p.attributes.get("color") != v,
        "max_price": lambda p, v: (p.price or 0) <= v, "category": lambda p, v: p.category[-1] == v,
    }  # fmt: skip
    wrong += [
        f"{name}={value}"
        for name, value in every.items()
        if not (shown and all(checks[name](p, value) for p in shown))
    ]
    if "question" in expect and (answer.question is None or answer.question.field != expect["question"]):
        wrong.append(f"question {answer.question}")
    if "reply" in expect and answer.reply != expect["reply"]:
        wrong.append(f"reply {answer.reply!r}")
    if "starts" in expect and not answer.reply.startswith(expect["starts"]):
        wrong.append(f"reply {answer.reply!r}")
    if "verdict" in expect and (not answer.statements or answer.statements[-1].text != expect["verdict"]):
        wrong.append(f"verdict {[s.text for s in answer.statements][-1:]}")
    return wrong


@pytest.mark.parametrize(("name", "language", "turns"), DIALOGUES, ids=[d[0] for d in DIALOGUES])
def test_hand_written_dialogues(
    name: str, language: str, turns: list[tuple[str, dict[str, Any]]], english: Assistant, chinese: Assistant
) -> None:
    assistant = chinese if language == "zh" else english
    for number, (message, expect) in enumerate(turns, 1):
        answer = _say(assistant, f"set-{name}", message)
        assert not _holds(answer, expect), (number, message, _holds(answer, expect), answer.reply)


def test_a_short_latin_answer_keeps_a_chinese_conversation_chinese(chinese: Assistant) -> None:
    assert _say(chinese, "zh-3", "耳机").state.language == "zh"
    answer = _say(chinese, "zh-3", "QCY")
    assert (
        answer.state.language == "zh"
        and answer.reply.startswith("这些最符合您的要求：")
        and _ids(answer) == ["p6"]
    )

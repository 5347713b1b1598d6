"""Hand-written dialogues with their expected answers, over the assistant's test shops
(tests/assistant_shop.py in English, tests/zh_catalog.py in Chinese) and the test FAQ: shop
questions, comparisons, revisions, negations, "instead", starting over. Each turn says what the
shopper types and what must hold of the answer:

- action: show, ask, compare, faq, unknown or nothing
- ids: the products shown, exactly (a set); has: a product that must be among them; count: how many
- every: what every product shown must be ({"brand": "Sony"}, {"max_price": 100}, ...)
- question: the field asked; reply / starts: the reply's text, or its start
- verdict: the last statement (a comparison's answer)
"""

from __future__ import annotations

from typing import Any

Expect = dict[str, Any]
SHIP = "Orders ship within 2 business days."
RETURNS = "Returns are free within 30 days."
AIR = "Apple MacBook Air 13 Laptop M3"
CH720 = "Sony WH-CH720N Wireless Headphones"
TUNE = "JBL Tune 510BT Wireless Headphones"
WF1000 = "索尼 Sony WF-1000XM4 真无线降噪耳机 银色"
GREEN = "Nothing matches all of that. Leaving out green"
Dialogue = tuple[str, str, list[tuple[str, Expect]]]

DIALOGUES: list[Dialogue] = [
    # ----- English: shop questions -------------------------------------------------------------
    ("faq-shipping", "en", [("How long does shipping take?", {"action": "faq", "reply": SHIP})]),
    ("faq-shipping-lower", "en", [("how long does shipping take", {"action": "faq", "reply": SHIP})]),
    ("faq-return", "en", [("Can I return an item?", {"action": "faq", "reply": RETURNS})]),
    ("faq-return-short", "en", [("can i return an item", {"action": "faq", "reply": RETURNS})]),
    ("faq-no-shop-words", "en", [("Can I send an item back?", {"action": "faq", "reply": RETURNS})]),
    ("faq-unknown-warranty", "en", [("What warranty does the coffee grinder have?", {"action": "unknown"})]),
    ("faq-unknown-tracking", "en", [("where is my order tracking number", {"action": "unknown"})]),
    # ----- English: needs, questions, revisions -------------------------------------------------
    ("laptop-brand", "en", [
        ("I want a laptop", {"action": "ask", "question": "brand"}),
        ("Apple", {"action": "show", "ids": {"lp5", "lp6"}}),
        ("which is cheaper?", {"action": "compare", "verdict": f"{AIR} is cheaper ($1099 against $1999)"}),
        ("which is lighter?", {"action": "compare",
                               "verdict": f"{AIR} is lighter (1.24 kg against 1.55 kg)"}),
    ]),
    ("laptop-under", "en", [
        ("a laptop under $600", {"action": "show", "ids": {"lp4", "lp8", "lp9"}}),
        ("cheaper", {"action": "show", "ids": {"lp8"}, "every": {"max_price": 548.99}}),  # under the middle
    ]),
    ("laptop-instead", "en", [
        ("Dell laptop", {"action": "show", "ids": {"lp3", "lp4"}}),
        ("show Asus instead", {"action": "show", "ids": {"lp7", "lp8"}}),
        ("compare the first and the second", {"action": "compare"}),
    ]),
    ("laptop-not-black", "en", [
        ("laptop, not black", {"action": "ask", "question": "brand"}),
        ("any", {"action": "ask", "question": "price"}),  # a second question, then products
        ("whatever", {"action": "show", "every": {"not_color": "black", "category": "Laptops"}}),
    ]),
    ("headphones-sony", "en", [
        ("Sony headphones", {"action": "show", "ids": {"hp1", "hp2"}}),
        ("which is lighter", {"action": "compare", "verdict": f"{CH720} is lighter (192 g against 250 g)"}),
        ("no Sony", {"every": {"not_brand": "Sony"}}),
    ]),
    ("headphones-cheap", "en", [
        ("headphones under $150", {"action": "show", "ids": {"hp2", "hp5", "hp6"}}),
        ("which is the cheapest?", {"action": "compare",
                                    "verdict": f"{TUNE} is cheaper ($49 against $129, $149)"}),
    ]),
    ("dress-red", "en", [
        ("red dress", {"action": "show", "ids": {"dr1", "dr3", "dr6"}}),
        ("under $50", {"action": "show", "ids": {"dr1", "dr6"}}),
        ("not red", {"every": {"not_color": "red", "max_price": 50}}),
    ]),
    ("dress-brand-choice", "en", [
        ("Solene dress", {"action": "show", "ids": {"dr7", "dr8"}}),
        ("more expensive", {"action": "show", "ids": {"dr7"}}),
    ]),
    ("start-over", "en", [
        ("red dress under $50", {"action": "show", "every": {"color": "red"}}),
        ("start over", {"action": "nothing"}),
        ("JBL headphones", {"action": "show", "ids": {"hp5", "hp6"}}),
    ]),
    ("more", "en", [
        ("wireless headphones", {"action": "ask"}),
        ("any", {"action": "ask"}),
        ("any", {"action": "show", "count": 5}),
        ("show more", {"action": "show", "count": 2, "every": {"category": "Headphones"}}),
    ]),
    ("zh-more", "zh", [("耳机", {"action": "ask"}), ("都可以", {"action": "ask"}), ("都行", {"count": 5}),
                       ("还有吗", {"action": "show", "count": 4})]),
    ("compare-before-anything", "en", [("which is lighter?", {"action": "nothing"})]),
    ("new-subject", "en", [
        ("black laptop", {"every": {"color": "black"}}),
        ("headphones", {"action": "ask"}),
        ("doesn't matter", {"action": "ask"}),
        ("no preference", {"every": {"category": "Headphones"}}),
    ]),
    ("relaxed-colour", "en", [
        ("green headphones", {"action": "show", "starts": GREEN, "every": {"category": "Headphones"}}),
    ]),
    # ----- Chinese -----------------------------------------------------------------------------
    ("zh-faq-ship", "zh", [("多久发货？", {"action": "faq", "reply": "付款后48小时内发货。"})]),
    ("zh-faq-return", "zh", [("可以退货吗", {"action": "faq", "reply": "支持七天无理由退货。"})]),
    ("zh-faq-unknown", "zh", [("发票怎么开", {"action": "unknown"})]),
    ("zh-earphones-sony", "zh", [
        ("索尼耳机", {"action": "show", "ids": {"p2", "p3"}}),
        ("哪个更便宜", {"action": "compare", "verdict": f"{WF1000}更便宜（¥1299，对比 ¥2499）"}),
    ]),
    ("zh-earphones-price", "zh", [
        ("200元以下的耳机", {"every": {"max_price": 200}, "has": "p7"}),
        ("不要白色", {"every": {"not_color": "白色", "max_price": 200}}),
    ]),
    ("zh-earphones-instead", "zh", [
        ("小米耳机", {"action": "show", "ids": {"p0", "p1"}}),
        ("换成华为的", {"action": "show", "ids": {"p5"}}),
    ]),
    ("zh-dress", "zh", [
        ("我想买一条连衣裙", {"action": "ask"}),
        ("都可以", {}),
        ("不要红色", {"every": {"not_color": "红色"}}),
    ]),
    ("zh-tshirt", "zh", [
        ("优衣库T恤", {"action": "show", "ids": {"p19", "p20", "p21"}}),
        ("黑色", {"action": "show", "ids": {"p20"}}),
    ]),
    ("zh-shoes", "zh", [
        ("跑步鞋", {"has": "p26"}),
        ("500元以下", {"every": {"max_price": 500}}),
    ]),
    ("zh-reset", "zh", [
        ("索尼耳机", {"action": "show"}),
        ("重新开始", {"action": "nothing"}),
    ]),
    ("zh-compare-none", "zh", [("哪个更轻", {"action": "nothing"})]),
]  # fmt: skip

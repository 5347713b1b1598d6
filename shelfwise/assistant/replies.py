"""Templated replies in English and Chinese, each a list of statements that carry the sources of
the facts they state (`grounding.check` reads them before a reply is sent)."""

from __future__ import annotations

from collections.abc import Sequence

from shelfwise.aspects.records import ReviewSummary
from shelfwise.assistant.grounding import render, review_sources, source
from shelfwise.assistant.records import Source, Statement
from shelfwise.records import Product

SHOWN_ATTRIBUTES = 3

_TEXT = {
    "en": {
        "intro": "Here is what matches best:",
        "relaxed": "Nothing matches all of that. Leaving out {values}, here is what matches best:",
        "nothing": "I found nothing that matches all of that. Try fewer details, or say what matters most.",
        "empty": "What are you looking for? Tell me the product, and anything that matters "
        "(price, brand, colour...).",
        "compare_none": "Ask me after I have shown you some products, or name two of them.",
        "compare_missing": "I cannot tell which is {word}: not every product has that in its data.",
        "unknown": "I don't know the answer to that. Shall I hand you over to our team?",
        "praise": "shoppers say: ",
        "ask": {
            "category": "Which kind are you after?",
            "brand": "Any brand you prefer?",
            "price": "What price range?",
            "attr": "Which {name} would you like?",
        },
        "any": "Any",
    },
    "zh": {
        "intro": "这些最符合您的要求：",
        "relaxed": "没有完全符合的商品。去掉“{values}”后，这些最符合：",
        "nothing": "没有找到完全符合的商品。可以少一些条件，或告诉我哪个最重要。",
        "empty": "您想买什么？告诉我商品，以及价格、品牌、颜色等要求。",
        "compare_none": "我先给您推荐几款商品，或者告诉我要比较哪两款。",
        "compare_missing": "无法判断哪个{word}：不是每款商品的资料里都有这一项。",
        "unknown": "这个问题我不知道答案。需要为您转接人工客服吗？",
        "praise": "买家评价：",
        "ask": {
            "category": "您想要哪一类？",
            "brand": "有偏好的品牌吗？",
            "price": "预算大概多少？",
            "attr": "您想要哪种{name}？",
        },
        "any": "都可以",
    },
}
_ATTRIBUTE_NAMES_ZH = {
    "color": "颜色",
    "size": "尺码",
    "material": "材质",
    "weight": "重量",
    "capacity": "容量",
}


def text(language: str, key: str) -> str:
    value = _TEXT[_lang(language)][key]
    assert isinstance(value, str)
    return value


def question_text(language: str, field: str) -> str:
    asks = _TEXT[_lang(language)]["ask"]
    assert isinstance(asks, dict)
    if field.startswith("attr:"):
        name = field.removeprefix("attr:")
        shown = _ATTRIBUTE_NAMES_ZH.get(name, name) if _lang(language) == "zh" else name.replace("_", " ")
        return str(asks["attr"]).format(name=shown)
    return str(asks[field])


def product_statement(
    product: Product, summary: ReviewSummary | None, language: str, fields: Sequence[str] = ()
) -> Statement:
    """'<title> — <price>, <brand>, color: red; shoppers say: ...' from the product's own data;
    `fields` first (the attributes the shopper asked about or compares on)."""
    parts: list[Source] = [s for s in (source(product, "title"), source(product, "price")) if s is not None]
    attributes = [f for f in fields if f.startswith("attr:")]
    attributes += [f"attr:{n}" for n in sorted(product.attributes) if f"attr:{n}" not in attributes]
    details = [s for s in (source(product, f) for f in attributes[:SHOWN_ATTRIBUTES]) if s is not None]
    said = parts[0].value if parts else product.product_id
    if len(parts) > 1:
        said += f" — {parts[1].value}"
    if product.brand and (brand := source(product, "brand")) is not None and brand.value not in said:
        parts.append(brand)
        said += f", {brand.value}"
    for detail in details:
        if detail.value in said:
            continue
        parts.append(detail)
        said += f", {_name(detail.field, language)}: {detail.value}"
    reviews = review_sources(product.product_id, summary, limit=1)
    if reviews:
        parts.extend(reviews)
        said += f"; {text(language, 'praise')}{reviews[0].value}"
    return Statement(text=said, sources=tuple(parts))


def verdict_statement(
    winner: Product, others: Sequence[Product], field: str, word: str, language: str
) -> Statement | None:
    """'<title> is lighter (1.2 kg against 1.5 kg)' from both products' values."""
    mine = source(winner, field)
    theirs = [s for s in (source(o, field) for o in others) if s is not None]
    if mine is None or len(theirs) != len(others):
        return None
    values = ", ".join(s.value for s in theirs)
    if _lang(language) == "zh":
        said = f"{winner.title}{word}（{mine.value}，对比 {values}）"
    else:
        said = f"{winner.title} is {word} ({mine.value} against {values})"
    title = source(winner, "title")
    assert title is not None
    return Statement(text=said, sources=(title, mine, *theirs))


def _name(field: str, language: str) -> str:
    name = field.removeprefix("attr:")
    return _ATTRIBUTE_NAMES_ZH.get(name, name) if _lang(language) == "zh" else name.replace("_", " ")


def _lang(language: str) -> str:
    return "zh" if language == "zh" else "en"


__all__ = ["product_statement", "question_text", "render", "text", "verdict_statement"]

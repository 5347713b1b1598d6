"""A path in words, in the shop's language: English, or Chinese for a Chinese shop
(`language.catalog`'s zh).

Each hop is a clause about its two products ("shoppers who bought the tent also bought the
sleeping bag", "Lamp B is the same brand (Acme) as Lamp A"); a one-hop path through an entity is
said from the second product's side ("same brand (Acme) as the lamp you bought"). `anchor`
names how the shopper knows the path's first product: "bought", "viewed" or "cart".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

from shelfwise.graph.types import GraphPath, PathStep

Anchor = Literal["bought", "viewed", "cart"] | None
Language = Literal["en", "zh"]

_EN: Final[dict[str, str]] = {
    "bought_together": "shoppers who bought {s} also bought {t}",
    "also_viewed": "shoppers who viewed {s} also viewed {t}",
    "has_brand": "{t} is the same brand ({v}) as {s}",
    "in_category": "{t} is also in {v}, like {s}",
    "has_attribute": "{t} has the same {a} ({v}) as {s}",
    "praised_for": "{t} is praised for its {v}, like {s}",
}
_EN_SHORT: Final[dict[str, str]] = {
    "has_brand": "same brand ({v}) as {s}",
    "in_category": "also in {v}, like {s}",
    "has_attribute": "same {a} ({v}) as {s}",
    "praised_for": "praised for its {v}, like {s}",
}
_ZH: Final[dict[str, str]] = {
    "bought_together": "买了{s}的顾客也买了{t}",
    "also_viewed": "看过{s}的顾客也看了{t}",
    "has_brand": "{t}和{s}是同一品牌（{v}）",
    "in_category": "{t}和{s}同属{v}",
    "has_attribute": "{t}和{s}的{a}相同（{v}）",
    "praised_for": "{t}和{s}一样因{v}受好评",
}
_ZH_SHORT: Final[dict[str, str]] = {
    "has_brand": "和{s}是同一品牌（{v}）",
    "in_category": "和{s}同属{v}",
    "has_attribute": "和{s}的{a}相同（{v}）",
    "praised_for": "和{s}一样因{v}受好评",
}
_ANCHOR_EN: Final = {
    "bought": "the {n} you bought",
    "viewed": "the {n} you viewed",
    "cart": "the {n} in your cart",
}
_ANCHOR_ZH: Final = {"bought": "你买的{n}", "viewed": "你看过的{n}", "cart": "购物车里的{n}"}
_ATTRIBUTE_ZH: Final = {
    "color": "颜色", "colour": "颜色", "material": "材质", "size": "尺码", "scent": "香型", "flavor": "口味",
    "style": "款式", "pattern": "图案", "shade": "色号", "finish": "表面处理", "capacity": "容量",
    "volume": "容量", "gender": "适用人群",
}  # fmt: skip


def _attribute(step: PathStep, language: Language) -> str:
    if step.via is None or step.kind != "has_attribute":
        return ""
    name = step.via.key.split(":", 1)[1].split("=", 1)[0]
    return _ATTRIBUTE_ZH.get(name, name) if language == "zh" else name.replace("_", " ")


_SAME_VERB: Final = {("bought", "bought_together"), ("viewed", "also_viewed")}


def _name(
    product_id: str, names: Mapping[str, str], anchor: Anchor, step: PathStep | None, language: Language
) -> str:
    """The product's name; the path's first product as the shopper knows it ("the lamp you
    bought"), unless the clause already says it ("shoppers who bought ... also bought")."""
    name = names.get(product_id, product_id)
    if step is not None and anchor is not None and (anchor, step.kind) not in _SAME_VERB:
        return (_ANCHOR_ZH if language == "zh" else _ANCHOR_EN)[anchor].format(n=name)
    return name


def render_path(
    path: GraphPath, names: Mapping[str, str], language: str = "en", anchor: Anchor = None
) -> str:
    """The path as one sentence; `names` maps product ids to what to call them (titles)."""
    lang: Language = "zh" if language == "zh" else "en"
    full, short = (_ZH, _ZH_SHORT) if lang == "zh" else (_EN, _EN_SHORT)
    clauses = []
    for i, step in enumerate(path.steps):
        template = short[step.kind] if len(path.steps) == 1 and step.kind in short else full[step.kind]
        clauses.append(
            template.format(
                s=_name(step.source, names, anchor, step if i == 0 else None, lang),
                t=_name(step.target, names, anchor, None, lang),
                v=step.via.label if step.via is not None else "",
                a=_attribute(step, lang),
            )
        )
    if lang == "zh":
        return "；".join(clauses) + "。"
    text = "; ".join(clauses)
    return text[:1].upper() + text[1:] + "."

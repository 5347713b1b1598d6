"""The template grammars that ship: a generic one per language, and English and Chinese ones for
a few kinds of category. Their fixed words state nothing checkable (no numbers, colours, sizes,
materials or capitalised names): every fact comes from a slot.

A grammar's id ends in its version; change the version when its sentences change, so a draft
says which wording wrote it.
"""

from __future__ import annotations

from shelfwise.describe.grammar import Grammar, Sentence

_EN_LOOKS = Sentence(
    "looks",
    (
        "It comes in {colour} and is made of {material}.",
        "It comes in {colour}.",
        "It is made of {material}.",
    ),
)
_EN_TAIL = (
    Sentence("details", ("Details: {details}.",)),
    Sentence("price", ("It sells for {price}.",)),
    Sentence("praise", ("Shoppers praise its {praise}.",)),
    Sentence("rating", ("Its average rating is {rating} stars from {reviews}.",)),
)
_ZH_TAIL = (
    Sentence("colour", ("颜色：{colour}。",)),
    Sentence("material", ("材质：{material}。",)),
    Sentence("size", ("尺码：{size}。",)),
    Sentence("pack", ("包装：{pack}。",)),
    Sentence("details", ("参数：{details}。",)),
    Sentence("price", ("售价{price}。",)),
    Sentence("praise", ("买家称赞其{praise}。",)),
    Sentence("rating", ("平均评分{rating}星，来自{reviews}。",)),
)

GENERIC_EN = Grammar(
    "generic/en/1",
    "en",
    (),
    (
        Sentence("intro", ("{title}, from {maker}, in our {category} range.",
                           "{title}, in our {category} range.", "{title}, from {maker}.", "{title}.")),
        _EN_LOOKS,
        Sentence("size", ("Size: {size}.",)),
        Sentence("pack", ("The pack holds {pack}.",)),
        *_EN_TAIL,
    ),
)  # fmt: skip
GIFT_CARDS_EN = Grammar(
    "gift-cards/en/1",
    "en",
    ("gift card",),
    (
        Sentence("intro", ("{title}, from {maker}.", "{title}.")),
        Sentence("use", ("A gift card from {brand} lets the person you give it to choose for themselves.",
                         "A gift card lets the person you give it to choose for themselves.")),
        Sentence("pack", ("The pack holds {pack}.",)),
        _EN_LOOKS,
        *_EN_TAIL,
    ),
)  # fmt: skip
GIFT_CARD_HOLDERS_EN = Grammar(
    "gift-card-accessories/en/1",
    "en",
    ("gift card accessor", "gift card holder"),
    (
        Sentence("intro", ("{title}, from {maker}: a way to present a gift card.",
                           "{title}: a way to present a gift card.")),
        _EN_LOOKS,
        Sentence("size", ("Size: {size}.",)),
        Sentence("pack", ("The pack holds {pack}.",)),
        *_EN_TAIL,
    ),
)  # fmt: skip
CLOTHING_EN = Grammar(
    "clothing/en/1",
    "en",
    ("clothing", "apparel", "shoes", "fashion"),
    (
        Sentence("intro", ("{title}, from {maker}, in our {category} range.",
                           "{title}, in our {category} range.")),
        _EN_LOOKS,
        Sentence("size", ("It is offered in size {size}.",)),
        *_EN_TAIL,
    ),
)  # fmt: skip
BEAUTY_EN = Grammar(
    "beauty/en/1",
    "en",
    ("beauty", "skin care", "makeup", "hair care", "fragrance"),
    (
        Sentence("intro", ("{title}, from {maker}, for your {category} routine.",
                           "{title}, for your {category} routine.")),
        Sentence("size", ("Size: {size}.",)),
        Sentence("pack", ("The pack holds {pack}.",)),
        _EN_LOOKS,
        *_EN_TAIL,
    ),
)  # fmt: skip
ELECTRONICS_EN = Grammar(
    "electronics/en/1",
    "en",
    ("electronics", "computers", "audio", "cell phones", "camera"),
    (
        Sentence("intro", ("{title}, from {maker}.", "{title}.")),
        Sentence("details", ("Specifications: {details}.",)),
        _EN_LOOKS,
        Sentence("pack", ("The pack holds {pack}.",)),
        *_EN_TAIL[1:],
    ),
)  # fmt: skip
GENERIC_ZH = Grammar(
    "generic/zh/1",
    "zh",
    (),
    (
        Sentence("intro", ("{title}，{maker}出品，属于{category}类。", "{title}，属于{category}类。",
                           "{title}，{maker}出品。", "{title}。")),
        *_ZH_TAIL,
    ),
    separator="",
)  # fmt: skip
CLOTHING_ZH = Grammar(
    "clothing/zh/1",
    "zh",
    ("服装", "女装", "男装", "童装", "鞋"),
    (
        Sentence("intro", ("{title}，{maker}出品的{category}。", "{title}，一款{category}。")),
        *_ZH_TAIL,
    ),
    separator="",
)  # fmt: skip
BEAUTY_ZH = Grammar(
    "beauty/zh/1",
    "zh",
    ("美妆", "护肤", "彩妆", "化妆品", "个护"),
    (
        Sentence("intro", ("{title}，{maker}出品，适合日常{category}。", "{title}，适合日常{category}。")),
        *_ZH_TAIL,
    ),
    separator="",
)  # fmt: skip

GRAMMARS: tuple[Grammar, ...] = (
    GIFT_CARD_HOLDERS_EN,
    GIFT_CARDS_EN,
    CLOTHING_EN,
    BEAUTY_EN,
    ELECTRONICS_EN,
    GENERIC_EN,
    CLOTHING_ZH,
    BEAUTY_ZH,
    GENERIC_ZH,
)

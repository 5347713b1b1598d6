"""The words that tell what a turn does, in English and Chinese: revisions ("cheaper", "便宜点"),
"any is fine", starting over, comparisons ("which is lighter?", "哪个更轻"), shop questions, and
the filler that is not a product word ("show me", "我想买一台"). Data, not logic: `reading.py`
applies them."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Comparative:
    """A comparison the shopper asks for: which product has the least or most of `field`
    ("price", "rating" or an attribute name; a tuple lists the attribute names tried in order)."""

    fields: tuple[str, ...]
    least: bool
    en: str
    zh: str


# the least/most of a field: "lighter" -> the smallest weight
_SIZES = ("capacity", "screen_size", "size")
COMPARATIVES: tuple[tuple[re.Pattern[str], Comparative], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), comparative)
    for pattern, comparative in (
        (r"lighter|lightest|更轻|最轻|轻一点|哪个轻", Comparative(("weight",), True, "lighter", "更轻")),
        (r"heavier|heaviest|更重|最重", Comparative(("weight",), False, "heavier", "更重")),
        (r"cheaper|cheapest|less expensive|更便宜|最便宜|哪个便宜",
         Comparative(("price",), True, "cheaper", "更便宜")),
        (r"more expensive|pricier|更贵|最贵", Comparative(("price",), False, "more expensive", "更贵")),
        (r"better rated|best rated|higher rated|rating|评分|评价更好|口碑",
         Comparative(("rating",), False, "better rated", "评分更高")),
        (r"battery|续航|电池",
         Comparative(("battery_life", "battery"), False, "longer-lasting", "续航更长")),
        (r"bigger|larger|biggest|largest|更大|最大", Comparative(_SIZES, False, "bigger", "更大")),
        (r"smaller|smallest|更小|最小", Comparative(_SIZES, True, "smaller", "更小")),
    )
)  # fmt: skip

COMPARE = re.compile(
    r"\b(which|compare|comparison|vs\.?|versus|difference)\b|哪个|哪一个|哪款|比较|对比|区别", re.I
)
CHEAPER = re.compile(
    r"\bcheaper\b|\bless expensive\b|\blower price\b|便宜点|便宜一点|便宜些|便宜一些|更便宜|太贵", re.I
)
PRICIER = re.compile(
    r"\bpricier\b|\bmore expensive\b|\bhigher end\b|\bbetter quality\b|贵一点|贵点|更好一点|高端一点", re.I
)
ANY = re.compile(
    r"^\s*(any|anything|any of them|doesn'?t matter|does not matter|no preference|not sure|whatever|"
    r"都可以|都行|随便|无所谓|不限|没有要求)\s*[.!。！]?\s*$",
    re.I,
)
RESET = re.compile(r"\b(start over|new search|reset|forget it)\b|重新开始|重来|换个别的", re.I)
MORE = re.compile(
    r"^\s*(more|show more|others|other ones|what else)\s*[?.!]?\s*$|"
    r"^\s*(还有吗|还有别的吗|换一批|更多)\s*[?？]?\s*$",
    re.I,
)
INSTEAD = re.compile(r"\binstead\b|\brather\b|换成|改成|换", re.I)

# shop questions the FAQ answers (shipping, returns, sizes, payment, warranty...)
SHOP_QUESTION = re.compile(
    r"\b(ship|shipping|deliver|delivery|return|returns|refund|exchange|size chart|size guide|sizing|"
    r"payment|pay with|warranty|guarantee|track|tracking|order status|cancel my order|store hours|"
    r"opening hours|contact|customer service|coupon|discount code|invoice)\b|"
    r"运费|包邮|发货|快递|配送|送货|退货|退款|换货|尺码表|尺码|尺寸表|付款|支付|保修|质保|发票|优惠券|客服|物流|几天到",
    re.I,
)

# a question rather than a need: "do you have a store?", "有实体店吗"
QUESTION = re.compile(
    r"[?？]\s*$|^\s*(how|what|when|where|why|who|do you|does|can i|can you|is there|are there|is it)\b|"
    r"[吗呢]\s*[?？]?\s*$|^\s*(怎么|如何|什么|哪里|为什么|多少|是否|能不能|可不可以)",
    re.I,
)

# "for running", "用于跑步", "跑步用": what the product is for
USE_EN = re.compile(r"\b(?:for|to use for|used for|good for|suitable for)\s+((?:[a-z]+\s?){1,3})$", re.I)
USE_ZH = re.compile(r"(?:用于|适合|用来)([\u4e00-\u9fff]{1,6})|([\u4e00-\u9fff]{2,4})(?:时)?用的?$")

# ordinals naming shown products: "the first and the third", "1 and 2", "第一个和第二个"
ORDINALS_EN = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "1st": 1, "2nd": 2, "3rd": 3}
ORDINALS_ZH = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "1": 1, "2": 2, "3": 3, "4": 4, "5": 5}
ORDINAL_ZH = re.compile(r"第([一二三四五1-5])")
NUMBER_EN = re.compile(r"(?:#|\bno\.?\s?|\bnumber\s)?\b([1-5])\b")

_FILLER_EN = """i i'm im i'd i'll let's want wanna need needs looking look for to buy get me show shows a an
the some any one ones please pls would like could you can do have got something thing things new instead
rather also just only but and or maybe with what about how is are it that this those these them there find
search give let see"""
FILLER_EN = frozenset(_FILLER_EN.split())
FILLER_ZH = (
    "我想买", "我想要", "我要买", "我想找", "想买", "想要", "我要", "我想", "帮我找", "帮我", "给我看看",
    "给我看", "看看", "推荐", "有没有", "有什么", "一台", "一个", "一款", "一件", "一双", "一条", "一部",
    "换成", "改成", "的", "吧", "呢", "吗", "啊", "请", "我", "要", "买", "找", "换",
)  # fmt: skip

# words left of a revision that are not product words ("cheaper", "便宜点")
REVISION_WORDS = re.compile(
    r"\b(cheaper|less expensive|lower price|pricier|more expensive|higher end|better quality)\b|"
    r"便宜点|便宜一点|便宜些|便宜一些|更便宜|太贵了|太贵|贵一点|贵点|更好一点|高端一点",
    re.I,
)

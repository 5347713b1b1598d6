"""Price phrases in a query: bounds, ranges and approximate amounts, with a confidence each.

A number is a price only with a currency sign or word ("$50", "50 dollars", "100元") or after a
price keyword ("under 50", "between 20 and 30"); a number that runs on into a unit or a code
("under 10 ft", "2x4", "60 watt", "1/2 in.") is a measurement and never a price.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from shelfwise.query.lexicon import UNITS, normalize_token

APPROX_TOLERANCE = 0.2  # "$50" alone means 40..60
CONFIDENCE_CURRENCY = 0.95  # "under $50", "$20-$30"
CONFIDENCE_KEYWORD = 0.75  # "under 50": the keyword says price, no currency confirms it
CONFIDENCE_SMALL_KEYWORD = 0.55  # "under 3": often an age or a count
CONFIDENCE_BETWEEN = 0.8  # "between 20 and 30"
CONFIDENCE_APPROX = 0.6  # "$50"
CONFIDENCE_APPROX_WORD = 0.65  # "around $50"
CONFIDENCE_POSTFIX = 0.9  # "$50 or less", "100元以下"
CONFIDENCE_BARE_POSTFIX = 0.75  # "500以内": the Chinese postfix says price, no currency confirms it

# After a bare number, a Chinese measure word or unit makes it a measurement ("不超过200克", "3岁以下").
ZH_UNITS = frozenset(
    "克千斤公毫升米厘寸尺码号瓦伏安度岁年月天日周时分秒"
    "个件只张片包瓶盒箱袋支双套台层人倍次页款英平立兆档级代核位"
)
_BARE_POSTFIX = frozenset({"以下", "以内", "以上"})

_NUM = r"(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+|[一二两三四五六七八九十][零一二两三四五六七八九十百千]*"
_ZH_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_UNITS = {"十": 10, "百": 100, "千": 1000}
_PRE = r"us\s?\$|\$|€|£|¥|usd\s?|eur\s?|gbp\s?"
_SUF = r"\s?(?:dollars?|bucks|usd|euros?|eur|gbp|quid|yuan|rmb|元|块)(?![a-z])"
_LEFT = r"(?<![a-z0-9/.,$€£¥])"


def _amount(tag: str) -> str:
    return rf"(?P<{tag}pre>{_PRE})?\s?(?P<{tag}num>{_NUM})(?P<{tag}k>k|万)?(?P<{tag}suf>{_SUF})?"


# keyword -> (bound it sets, whether a bare number is enough)
_BOUND_KEYWORDS: dict[str, tuple[str, bool]] = {
    "under": ("max", True),
    "below": ("max", True),
    "less than": ("max", True),
    "lower than": ("max", True),
    "cheaper than": ("max", True),
    "up to": ("max", True),
    "at most": ("max", True),
    "no more than": ("max", True),
    "not more than": ("max", True),
    "<": ("max", True),
    "<=": ("max", True),
    "≤": ("max", True),
    "低于": ("max", True),
    "少于": ("max", True),
    "不超过": ("max", True),
    "不要超过": ("max", True),
    "别超过": ("max", True),
    "不高于": ("max", True),
    "最多": ("max", True),
    "不低于": ("min", True),
    "不少于": ("min", True),
    "至少": ("min", True),
    "max": ("max", False),
    "maximum": ("max", False),
    "within": ("max", False),
    "over": ("min", True),
    "above": ("min", True),
    "more than": ("min", True),
    "greater than": ("min", True),
    "at least": ("min", True),
    ">": ("min", True),
    ">=": ("min", True),
    "≥": ("min", True),
    "高于": ("min", True),
    "超过": ("min", True),
    "from": ("min", False),
    "min": ("min", False),
    "minimum": ("min", False),
    "starting at": ("min", False),
}
_POSTFIX_KEYWORDS: dict[str, str] = {
    "or less": "max",
    "or under": "max",
    "and under": "max",
    "or below": "max",
    "or cheaper": "max",
    "max": "max",
    "以下": "max",
    "以内": "max",
    "or more": "min",
    "and up": "min",
    "and above": "min",
    "or above": "min",
    "or higher": "min",
    "+": "min",
    "以上": "min",
}


def _alternation(words: list[str]) -> str:
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in ordered)


_RANGE_RE = re.compile(
    rf"{_LEFT}(?:(?P<kw>between|from)\s+)?{_amount('a')}"
    rf"(?P<sep>\s*[-–—~]\s*|\s+(?:to|and)\s+|\s*[到至]\s*){_amount('b')}"
)
_BOUND_RE = re.compile(rf"(?<![a-z])(?P<kw>{_alternation(list(_BOUND_KEYWORDS))})\s*{_amount('a')}")
_POSTFIX_RE = re.compile(rf"{_LEFT}{_amount('a')}\s*(?P<kw>{_alternation(list(_POSTFIX_KEYWORDS))})(?![a-z])")
_APPROX_RE = re.compile(
    rf"{_LEFT}(?:(?P<kw>around|about|approx(?:imately)?|roughly|circa|~|大约|大概)\s*)?{_amount('a')}(?P<post>\s*左右)?"
)
_UNIT_AFTER_RE = re.compile(r"\s*-?\s*([^\W\d_]+|[\"'%°])")
_SPACE_RE = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class PriceMention:
    """One price phrase: its character span in the query and the bounds it sets."""

    start: int
    end: int
    price_min: float | None
    price_max: float | None
    confidence: float


@dataclass(frozen=True, slots=True)
class _Amount:
    value: float
    currency: bool


def chinese_number(text: str) -> float:
    """ "一百" -> 100, "两百五" -> 250 (the spoken shorthand), "一百零五" -> 105, "十五" -> 15."""
    total, digit, last_unit = 0, 0, 0
    for ch in text:
        if ch in _ZH_UNITS:
            last_unit = _ZH_UNITS[ch]
            total += (digit or 1) * last_unit
            digit = 0
        else:
            digit = _ZH_DIGITS[ch]
            if ch == "零":
                last_unit = 0
    if digit and last_unit >= 100 and text[-2] in _ZH_UNITS:
        digit *= last_unit // 10
    return float(total + digit)


def _amount_of(match: re.Match[str], tag: str) -> _Amount | None:
    currency = bool(match.group(f"{tag}pre") or match.group(f"{tag}suf"))
    number = match.group(f"{tag}num")
    value = float(number.replace(",", "")) if number[0] in "0123456789." else chinese_number(number)
    multiplier = match.group(f"{tag}k")
    if multiplier == "万":  # "2万以内": ten thousand, a price word in Chinese
        value *= 10_000
    elif multiplier:
        if not currency:
            return None  # "4k" is a resolution, "$4k" a price
        value *= 1000
    return _Amount(value, currency)


def _runs_on(text: str, end: int, currency: bool) -> bool:
    """True when the number ending at `end` continues as a code or a measurement ("2x4", "10 ft")."""
    nxt = text[end : end + 1]
    if nxt and ((nxt.isascii() and nxt.isalnum()) or nxt in "/×"):
        return True
    if currency:
        return False
    if text[end:].lstrip()[:1] in ZH_UNITS:
        return True
    unit = _UNIT_AFTER_RE.match(text, end)
    if unit is None:
        return False
    word = unit.group(1)
    return word in UNITS or normalize_token(word) in UNITS or word in "\"'%°"


def _range(text: str, m: re.Match[str]) -> PriceMention | None:
    a, b = _amount_of(m, "a"), _amount_of(m, "b")
    if a is None or b is None:
        return None
    kw, sep = m.group("kw"), m.group("sep").strip()
    currency = a.currency or b.currency
    if sep in ("到", "至") and not currency:
        kw = "between"  # "200到300": the Chinese range word reads as "between"
    if (not currency and kw != "between") or (sep == "and" and kw != "between"):
        return None
    if _runs_on(text, m.end(), b.currency):
        return None
    low, high = sorted((a.value, b.value))
    confidence = CONFIDENCE_CURRENCY if currency else CONFIDENCE_BETWEEN
    return PriceMention(m.start(), m.end(), low, high, confidence)


def _bound(text: str, m: re.Match[str]) -> PriceMention | None:
    a = _amount_of(m, "a")
    direction, bare_ok = _BOUND_KEYWORDS[_SPACE_RE.sub(" ", m.group("kw"))]
    if a is None or (not a.currency and not bare_ok) or _runs_on(text, m.end(), a.currency):
        return None
    if a.currency:
        confidence = CONFIDENCE_CURRENCY
    else:
        confidence = CONFIDENCE_KEYWORD if a.value >= 10 else CONFIDENCE_SMALL_KEYWORD
    if direction == "max":
        return PriceMention(m.start(), m.end(), None, a.value, confidence)
    return PriceMention(m.start(), m.end(), a.value, None, confidence)


def _postfix(text: str, m: re.Match[str]) -> PriceMention | None:
    a = _amount_of(m, "a")
    kw = _SPACE_RE.sub(" ", m.group("kw"))
    bare = a is not None and not a.currency and kw in _BARE_POSTFIX
    if a is None or not (a.currency or bare) or _runs_on(text, m.end(), True):
        return None
    if bare:
        confidence = CONFIDENCE_BARE_POSTFIX if a.value >= 10 else CONFIDENCE_SMALL_KEYWORD
    else:
        confidence = CONFIDENCE_POSTFIX
    if _POSTFIX_KEYWORDS[kw] == "max":
        return PriceMention(m.start(), m.end(), None, a.value, confidence)
    return PriceMention(m.start(), m.end(), a.value, None, confidence)


def _approx(text: str, m: re.Match[str]) -> PriceMention | None:
    a = _amount_of(m, "a")
    if a is None or not a.currency or _runs_on(text, m.end(), True):
        return None
    confidence = CONFIDENCE_APPROX_WORD if m.group("kw") or m.group("post") else CONFIDENCE_APPROX
    low = round(a.value * (1 - APPROX_TOLERANCE), 2)
    high = round(a.value * (1 + APPROX_TOLERANCE), 2)
    return PriceMention(m.start(), m.end(), low, high, confidence)


_GRAMMAR = ((_RANGE_RE, _range), (_BOUND_RE, _bound), (_POSTFIX_RE, _postfix), (_APPROX_RE, _approx))


def find_prices(lowered: str) -> list[PriceMention]:
    """Price phrases in a lower-cased query, left to right; earlier grammar rules win overlaps."""
    if not any(ch.isdigit() or ch in _ZH_DIGITS or ch in _ZH_UNITS for ch in lowered):
        return []
    found: list[PriceMention] = []
    for pattern, rule in _GRAMMAR:
        for match in pattern.finditer(lowered):
            mention = rule(lowered, match)
            if mention is None:
                continue
            if any(mention.start < other.end and other.start < mention.end for other in found):
                continue
            found.append(mention)
    return sorted(found, key=lambda mention: mention.start)

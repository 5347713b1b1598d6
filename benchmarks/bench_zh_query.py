"""Chinese query understanding: how many cases of a small phrase table read as expected, and
what the Chinese steps cost per query.

    PYTHONPATH=$PWD python benchmarks/bench_zh_query.py --rounds 200

The catalog is the 42-product Chinese test catalog (tests/zh_catalog.py). A case lists what the
reading must show (price bounds, filters, did-you-mean, searched text); the table includes forms
the grammar does not read yet (Chinese numerals), so not every case is expected to pass.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from shelfwise.query.understand import QueryReading, QueryUnderstanding
from shelfwise.query.zh_table import fold_keep_offsets
from tests.zh_catalog import products

Check = Callable[[QueryReading], Any]


def price(low: float | None, high: float | None) -> Check:
    return lambda r: r.filters.price is not None and (r.filters.price.min, r.filters.price.max) == (low, high)


def reported(low: float | None, high: float | None) -> Check:
    """A price read but below the filter confidence, as English "$50" and "around $50"."""
    return lambda r: (
        r.filters.price is None
        and any((c.price_min, c.price_max) == (low, high) for c in r.parsed.constraints if c.field == "price")
    )


def attr(name: str, first: str) -> Check:
    return lambda r: r.filters.attributes.get(name, ("",))[0] == first


def brand(name: str) -> Check:
    return lambda r: name in r.filters.brands


def text(searched: str) -> Check:
    return lambda r: r.text == searched


def fixed(word: str) -> Check:
    return lambda r: r.did_you_mean == word


def negated(term: str) -> Check:
    return lambda r: term in r.parsed.negative_terms()


def nothing() -> Check:
    return lambda r: r.filters.price is None and not r.filters.attributes and not r.filters.brands


CASES: list[tuple[str, list[Check]]] = [
    ("50元以下", [price(None, 50)]),
    ("100块以内", [price(None, 100)]),
    ("不超过200", [price(None, 200)]),
    ("200-300元", [price(200, 300)]),
    ("200到300元", [price(200, 300)]),
    ("200至300元的连衣裙", [price(200, 300), text("连衣裙")]),
    ("¥99", [reported(79.2, 118.8)]),
    ("100元左右的T恤", [reported(80, 120), text("T恤")]),
    ("500以内的耳机", [price(None, 500), text("耳机")]),
    ("至少1000元的耳机", [price(1000, None)]),
    ("不要超过200的耳机", [price(None, 200), text("耳机")]),
    ("200元以下的耳机", [price(None, 200), text("耳机")]),
    ("耳機 200元以下", [price(None, 200)]),
    ("一百元以下的耳机", [price(None, 100)]),  # Chinese numerals: not read yet
    ("两百块以内", [price(None, 200)]),  # Chinese numerals: not read yet
    ("不超过200克", [nothing()]),
    ("超过1000的耳机", [price(1000, None), lambda r: r.did_you_mean is None]),
    ("3岁以下", [nothing()]),
    ("红色连衣裙", [attr("color", "红色")]),
    ("紅色連衣裙", [attr("color", "红色")]),
    ("红的T恤", [attr("color", "红色")]),
    ("黑色 耳机", [attr("color", "黑色")]),
    ("白色的耳机", [attr("color", "白色")]),
    ("XL码 纯棉 T恤", [attr("size", "XL"), attr("material", "棉")]),
    ("ＸＬ码Ｔ恤", [attr("size", "XL")]),
    ("xl码t恤", [attr("size", "XL")]),
    ("38码 皮鞋", [attr("size", "38")]),
    ("42码跑步鞋", [attr("size", "42")]),
    ("大号T恤", [attr("size", "L")]),
    ("中号连衣裙", [attr("size", "M")]),
    ("真皮 皮鞋", [attr("material", "真皮")]),
    ("不锈钢炒锅", [attr("material", "不锈钢")]),
    ("小米耳机", [brand("小米")]),
    ("索尼耳机", [brand("索尼")]),
    ("Sony 耳机", [brand("索尼")]),
    ("sony降噪耳机", [brand("索尼")]),
    ("乐高积木", [brand("乐高")]),
    ("不要红色的连衣裙", [negated("红色"), text("连衣裙")]),
    ("不要苹果", [negated("苹果")]),
    ("连衣裙 不要黑色", [negated("黑色"), text("连衣裙")]),
    ("无糖饮料", [lambda r: [(n.term, n.form) for n in r.parsed.negations] == [("糖", "free")]]),
    ("无线耳机", [lambda r: not r.parsed.negations]),
    ("红米耳机", [nothing()]),
    ("便宜点的耳机", [lambda r: any(c.field == "price" for c in r.parsed.constraints), text("耳机")]),
    ("连衣群", [fixed("连衣裙")]),
    ("红色连衣群", [fixed("红色连衣裙")]),
    ("蓝芽耳机", [fixed("蓝牙耳机")]),
    ("lianyiqun", [fixed("连衣裙")]),
    ("lyq", [fixed("连衣裙")]),
    ("erji", [fixed("耳机")]),
    ("连衣裙", [lambda r: r.did_you_mean is None]),
    ("M码 红色 连衣裙 300元以内", [attr("size", "M"), attr("color", "红色"), price(None, 300)]),
    ("红色或黑色连衣裙", [lambda r: set(r.filters.attributes.get("color", ())) >= {"红色", "黑色"}]),
]

ENGLISH = ("red dress under $50", "wireless headphones", "xl cotton t shirt", "not red gloves")


def _per_query_us(fn: Callable[[str], object], queries: list[str], rounds: int) -> list[float]:
    times: list[float] = []
    for _ in range(rounds):
        for query in queries:
            started = time.perf_counter()
            fn(query)
            times.append((time.perf_counter() - started) * 1e6)
    return times


def _report(name: str, times: list[float]) -> None:
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    print(f"{name:<34} p50 {statistics.median(times):8.1f} us   p95 {p95:8.1f} us")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    understanding = QueryUnderstanding.build(products())
    failed = [q for q, checks in CASES if not all(check(understanding.read(q)) for check in checks)]
    print(f"phrase cases passing: {len(CASES) - len(failed)}/{len(CASES)}; failing: {failed}")
    chinese = [q for q, _ in CASES]
    pinyin = understanding.pinyin
    assert pinyin is not None
    _report("fold (width, traditional)", _per_query_us(fold_keep_offsets, chinese, args.rounds))
    _report(
        "pinyin + homophones",
        _per_query_us(lambda q: pinyin.changes(q, lambda w: False), chinese, args.rounds),
    )
    _report(
        "attribute parse, Chinese queries", _per_query_us(understanding.parser.parse, chinese, args.rounds)
    )
    _report(
        "attribute parse, English queries",
        _per_query_us(understanding.parser.parse, list(ENGLISH), args.rounds),
    )
    _report("whole reading, Chinese queries", _per_query_us(understanding.read, chinese, args.rounds))
    _report("whole reading, English queries", _per_query_us(understanding.read, list(ENGLISH), args.rounds))
    _report(
        "autocomplete, pinyin prefixes",
        _per_query_us(understanding.suggest, ["lyq", "lianyi", "erj"], args.rounds),
    )


if __name__ == "__main__":
    main()

"""Query understanding over the Chinese demo shop's judged query set, read by kind: how many
queries of each kind give the reading their kind calls for, and any spelling or pinyin correction
made where none was called for.

    PYTHONPATH=$PWD python benchmarks/zh_demo_understanding.py

Needs the Chinese demo catalog and query set (`shelfwise.demo.catalog_zh`, `shelfwise.demo.queries_zh`,
from the zh-demo branch of issue 27).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from shelfwise.query.understand import QueryReading, QueryUnderstanding


def _pinyin_read(r: QueryReading) -> bool:
    return r.did_you_mean is not None and not any(c.isascii() and c.isalpha() for c in r.did_you_mean)


EXPECTED: dict[str, Callable[[QueryReading], bool]] = {
    "pinyin": _pinyin_read,
    "colour": lambda r: "color" in r.filters.attributes,
    "material": lambda r: "material" in r.filters.attributes,
    "price": lambda r: r.filters.price is not None,
    "brand": lambda r: bool(r.filters.brands),
    "negation": lambda r: bool(r.parsed.negative_terms()),
    "size": lambda r: bool(r.filters.attributes),
    "mixed": lambda r: bool(r.filters.brands or r.filters.attributes),
}


def main() -> None:
    from shelfwise.demo.catalog_zh import generate_demo_catalog_zh  # type: ignore[import-not-found]
    from shelfwise.demo.queries_zh import build_zh_query_set  # type: ignore[import-not-found]

    products = generate_demo_catalog_zh(6000, 7)
    queries, _ = build_zh_query_set(products)
    understanding = QueryUnderstanding.build(products)
    by_kind: dict[str, list[tuple[str, QueryReading]]] = defaultdict(list)
    for query in queries:
        by_kind[query.kind].append((query.query, understanding.read(query.query)))
    for kind, readings in sorted(by_kind.items()):
        check = EXPECTED.get(kind)
        if check is not None:
            missed = [q for q, r in readings if not check(r)]
            print(f"{kind:<12} {len(readings) - len(missed)}/{len(readings)}  missed: {missed}")
        spurious = [(q, r.did_you_mean) for q, r in readings if kind != "pinyin" and r.did_you_mean]
        if kind not in EXPECTED or spurious:
            print(f"{kind:<12} {len(readings)} queries, corrections: {spurious}")


if __name__ == "__main__":
    main()

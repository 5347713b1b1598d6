"""A judged Chinese query set over the Chinese demo catalog, built from the generator's ground truth.

Every product's kind (its category leaf), brand and attributes (colour, material, size, feature)
and price are known, so each query's relevant products are computed, not guessed. Grades: 3 = the
product is what the query asks for; 2 = the right kind and part of the ask (mixed queries); 1 = the
right kind only, or a kind the query excludes by colour. Products of another kind are not listed.

Query kinds (the `kind` column of queries.tsv): type, traditional, pinyin, colour, material, size,
feature, brand, mixed (Latin brand or model words in a Chinese query), price (200元以下的耳机),
negation (不要红色的连衣裙).

    queries, judgments = build_zh_query_set(generate_demo_catalog_zh(2000))
    write_zh_query_set(out_dir, products, queries, judgments)
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shelfwise.demo.vocab import english_names_zh
from shelfwise.demo.vocab_zh import QUERY_WORDS
from shelfwise.records import CATEGORY_SEPARATOR, Product

QUERY_KINDS = (
    "type",
    "traditional",
    "pinyin",
    "colour",
    "material",
    "size",
    "feature",
    "brand",
    "mixed",
    "price",
    "negation",
)
_PRICE_STEPS = (30, 50, 100, 150, 200, 300, 500, 800, 1000, 2000, 3000, 5000, 8000)
_PRICE_PHRASES = ("{x}元以下的{leaf}", "{leaf} {x}块以内", "不超过{x}元的{leaf}")
_NEGATIONS = ("不要{value}的{leaf}", "{leaf} 不要{value}")

Grade = Callable[[Product], int]


@dataclass(frozen=True)
class ZhQuery:
    query_id: str
    query: str
    kind: str


@dataclass(frozen=True)
class ZhJudgment:
    query_id: str
    query: str
    product_id: str
    relevance: int


def _trad(text: str) -> str:
    return " ".join(QUERY_WORDS.get(word, (word, ""))[0] for word in text.split())


def _pinyin(text: str) -> str | None:
    words = [QUERY_WORDS[w][1] if w in QUERY_WORDS else None for w in text.split()]
    return None if None in words else " ".join(w for w in words if w)


def _attribute_is(name: str, value: str, hit: int = 3, miss: int = 1) -> Grade:
    """`hit` for a product whose attribute `name` is `value`, `miss` for the others."""

    def grade(p: Product) -> int:
        return hit if p.attributes.get(name) == value else miss

    return grade


def _brand_is(brand: str) -> Grade:
    """3 for the brand's products, 1 for the others."""

    def grade(p: Product) -> int:
        return 3 if p.brand == brand else 1

    return grade


def _values(products: Sequence[Product], name: str) -> list[str]:
    """The attribute's values in this kind, most frequent first (ties in first-seen order)."""
    seen = [p.attributes[name] for p in products if name in p.attributes]
    return sorted(dict.fromkeys(seen), key=lambda v: -seen.count(v))


class _Builder:
    """Collects queries and their graded judgments; a query without a grade-3 product is dropped."""

    def __init__(self) -> None:
        self.queries: list[ZhQuery] = []
        self.judgments: list[ZhJudgment] = []
        self._texts: set[str] = set()

    def add(self, text: str | None, kind: str, products: Sequence[Product], grade: Grade) -> None:
        if not text or text in self._texts:
            return
        graded = [(p.product_id, grade(p)) for p in products]
        if not any(g == 3 for _, g in graded):
            return
        self._texts.add(text)
        query_id = f"zh-{len(self.queries) + 1:04d}"
        self.queries.append(ZhQuery(query_id, text, kind))
        self.judgments.extend(ZhJudgment(query_id, text, pid, g) for pid, g in graded if g > 0)


def _attribute_queries(b: _Builder, leaf: str, items: Sequence[Product], at: int) -> None:
    colours = [c for c in _values(items, "color") if c in QUERY_WORDS]
    for i, colour in enumerate(colours[:2]):
        spaced = f"{colour} {leaf}"
        variants = (spaced, _trad(spaced), f"{colour}{leaf}", _pinyin(spaced))
        kinds = ("colour", "traditional", "colour", "pinyin")
        pick = (at + i) % 4
        b.add(variants[pick], kinds[pick], items, _attribute_is("color", colour))
        negation = _NEGATIONS[(at + i) % 2].format(value=colour, leaf=leaf)
        b.add(negation, "negation", items, _attribute_is("color", colour, hit=1, miss=3))
    for name, kind in (("material", "material"), ("size", "size"), ("feature", "feature")):
        for value in _values(items, name)[:2]:
            text = f"{value}{leaf}" if name != "size" else f"{value} {leaf}"
            b.add(text, kind, items, _attribute_is(name, value))


def _price_query(b: _Builder, leaf: str, items: Sequence[Product], at: int) -> None:
    prices = [p.price for p in items if p.price is not None]
    if not prices:
        return
    median = statistics.median(prices)
    ceiling = next((s for s in _PRICE_STEPS if s >= median), _PRICE_STEPS[-1])
    text = _PRICE_PHRASES[at % len(_PRICE_PHRASES)].format(x=ceiling, leaf=leaf)
    b.add(text, "price", items, lambda p: 3 if p.price is not None and p.price <= ceiling else 1)


def _brand_queries(b: _Builder, leaf: str, items: Sequence[Product], at: int) -> None:
    brands = list(dict.fromkeys(p.brand for p in items))
    chinese = [x for x in brands if not x.isascii()]
    latin = [x for x in brands if x.isascii()]
    if chinese:
        brand = chinese[at % len(chinese)]
        b.add(f"{brand} {leaf}", "brand", items, _brand_is(brand))
    features = _values(items, "feature")
    for brand in latin[:2]:
        if features:
            feature = features[0]

            def grade(p: Product, br: str = brand, f: str = feature) -> int:
                return 1 + (p.brand == br) + (p.attributes.get("feature") == f)

            b.add(f"{brand} {feature}{leaf}", "mixed", items, grade)
        else:
            b.add(f"{brand} {leaf}", "mixed", items, _brand_is(brand))
    for name in ("wattage", "storage", "case"):
        for value in _values(items, name)[:1]:
            b.add(f"{value} {leaf}", "mixed", items, _attribute_is(name, value))


def build_zh_query_set(products: Sequence[Product]) -> tuple[list[ZhQuery], list[ZhJudgment]]:
    """Queries over every kind (category leaf) of the catalog, with graded judgments."""
    by_leaf: dict[str, list[Product]] = {}
    for product in products:
        by_leaf.setdefault(product.category[-1], []).append(product)
    b = _Builder()
    for at, (leaf, items) in enumerate(by_leaf.items()):
        b.add(leaf, "type", items, lambda p: 3)
        b.add(_trad(leaf), "traditional", items, lambda p: 3)
        b.add(_pinyin(leaf), "pinyin", items, lambda p: 3)
        _attribute_queries(b, leaf, items, at)
        _price_query(b, leaf, items, at)
        _brand_queries(b, leaf, items, at)
    return b.queries, b.judgments


def write_zh_query_set(
    out_dir: str | Path,
    products: Sequence[Product],
    queries: Sequence[ZhQuery],
    judgments: Sequence[ZhJudgment],
) -> tuple[Path, Path, Path]:
    """queries.tsv (query_id, query, kind), judgments.tsv (query_id, query, product_id, relevance)
    and products.tsv (product_id, title, brand, category, description), the TSV shapes that
    `shelfwise bench search` and `shelfwise eval search` read."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = (out / "queries.tsv", out / "judgments.tsv", out / "products.tsv")
    rows_q = ["query_id\tquery\tkind"] + [f"{q.query_id}\t{q.query}\t{q.kind}" for q in queries]
    rows_j = ["query_id\tquery\tproduct_id\trelevance"] + [
        f"{j.query_id}\t{j.query}\t{j.product_id}\t{j.relevance}" for j in judgments
    ]
    rows_p = ["product_id\ttitle\tbrand\tcategory\tdescription"] + [
        "\t".join((p.product_id, p.title, p.brand, CATEGORY_SEPARATOR.join(p.category), p.description))
        for p in products
    ]
    for path, rows in zip(paths, (rows_q, rows_j, rows_p), strict=True):
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return paths


def build_english_query_set(products: Sequence[Product]) -> tuple[list[ZhQuery], list[ZhJudgment]]:
    """English queries over the Chinese demo catalog (kind 'english'), graded as their Chinese
    counterparts are: each kind's English name (every product of the kind is grade 3), and its
    two most frequent colours and materials with English names ("black headphones": grade 3 in
    that colour, 1 otherwise). Kinds without an English name are left out."""
    names = english_names_zh()
    by_leaf: dict[str, list[Product]] = {}
    for product in products:
        by_leaf.setdefault(product.category[-1], []).append(product)
    b = _Builder()
    for leaf, items in by_leaf.items():
        name = names.get(leaf)
        if name is None:
            continue
        b.add(name, "english", items, lambda p: 3)
        for attribute in ("color", "material"):
            values = [v for v in _values(items, attribute) if v in names][:2]
            for value in values:
                b.add(f"{names[value]} {name}", "english", items, _attribute_is(attribute, value))
    return b.queries, b.judgments

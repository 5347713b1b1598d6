"""The Chinese demo shop: a deterministic, well-formed catalog that ingests cleanly, shoppers who
search in Chinese, a judged query set drawn from the catalog's ground truth, and an English demo
whose output is byte for byte what it was before the Chinese one existed."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shelfwise.catalog import ingest_feed
from shelfwise.cli import app
from shelfwise.demo.catalog import demo_field_mapping, generate_demo_catalog, write_demo_feed
from shelfwise.demo.catalog_zh import generate_demo_catalog_zh
from shelfwise.demo.queries_zh import QUERY_KINDS, build_zh_query_set, write_zh_query_set
from shelfwise.demo.vocab_zh import DEPARTMENTS_ZH
from shelfwise.evaluate.tables import read_queries_tsv
from shelfwise.evaluate.trec import read_judgments
from shelfwise.records import Product
from shelfwise.simulate import ShopperSimulation, simulate_shoppers, write_events_jsonl
from shelfwise.store import MemoryStore

CJK = re.compile(r"[\u4e00-\u9fff]")
# sha256 of the English demo's feed and shopper events (n=800, seed 7; 120 shoppers) as written
# by main before the Chinese demo (commit 136990c): the English demo must not change.
ENGLISH_DIGESTS = {
    "feed.jsonl": "f8f383bd410eea5bed6b049ec235557267fd34dd8f57d48396b6abc26f3024c1",
    "feed.csv": "318aa625231283a6867dc4a5f1db2caa35c09f9610033aae5af4fc209f53977d",
    "events.jsonl": "eb1f259bbbf6e54f17a1317dcb6cacb258addb493327e9a8daac85f871ab5775",
}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_english_demo_output_is_unchanged(tmp_path: Path) -> None:
    for name in ("feed.jsonl", "feed.csv"):
        write_demo_feed(tmp_path / name, n=800, seed=7)
        assert _digest(tmp_path / name) == ENGLISH_DIGESTS[name], name
    history = simulate_shoppers(generate_demo_catalog(800, 7), ShopperSimulation(n_shoppers=120, seed=7))
    write_events_jsonl(history.events, tmp_path / "events.jsonl")
    assert _digest(tmp_path / "events.jsonl") == ENGLISH_DIGESTS["events.jsonl"]


def test_the_chinese_catalog_is_deterministic_and_spans_every_department() -> None:
    assert generate_demo_catalog_zh(200, seed=3) == generate_demo_catalog_zh(200, seed=3)
    assert generate_demo_catalog_zh(200, seed=3) != generate_demo_catalog_zh(200, seed=4)
    products = generate_demo_catalog_zh(120, seed=1)
    assert {p.category[0] for p in products} == {d.name for d in DEPARTMENTS_ZH}


def test_the_chinese_catalog_is_well_formed() -> None:
    products = generate_demo_catalog_zh(1500)
    assert len({p.product_id for p in products}) == 1500
    assert len({p.title for p in products}) > 0.95 * len(products)
    for product in products:
        assert Product.model_validate(product.model_dump()) == product
        assert CJK.search(product.title) and CJK.search(product.description)
        assert product.currency == "CNY" and product.price is not None and product.price > 0
        assert len(product.category) == 3 and product.brand
    brands = {p.brand for p in products}
    assert {"小米", "华为", "优衣库", "美的", "苏泊尔", "乐高", "Sony"} <= brands
    colours = Counter(p.attributes.get("color") for p in products)
    assert colours["红色"] > 20 and colours["黑色"] > 50
    assert {"纯棉", "真皮", "不锈钢"} <= {p.attributes.get("material") for p in products}
    assert {"XL码", "38码"} <= {p.attributes.get("size") for p in products}


@pytest.mark.parametrize("name", ["demo-zh.jsonl", "demo-zh.csv"])
def test_the_chinese_feed_ingests_with_only_its_bad_rows_rejected(tmp_path: Path, name: str) -> None:
    clean = write_demo_feed(tmp_path / name, n=400, seed=7, bad_rows=0, language="zh")
    store = MemoryStore()
    report = ingest_feed(clean.path, store, demo_field_mapping())
    assert (report.accepted, report.rejected) == (400, 0)
    assert list(store.iter_products()) == generate_demo_catalog_zh(400, seed=7)
    noisy = write_demo_feed(tmp_path / f"noisy-{name}", n=800, seed=7, language="zh")
    report = ingest_feed(noisy.path, MemoryStore(), demo_field_mapping())
    assert (report.accepted, report.rejected) == (800, noisy.bad_rows)


def test_an_unknown_demo_language_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="en or zh"):
        write_demo_feed(tmp_path / "demo.jsonl", n=10, language="fr")


def test_shoppers_of_the_chinese_shop_search_in_chinese() -> None:
    history = simulate_shoppers(generate_demo_catalog_zh(600), ShopperSimulation(n_shoppers=150, seed=7))
    queries = [e.query for e in history.events if e.query]
    assert len(queries) > 100
    chinese = [q for q in queries if CJK.search(q)]
    assert len(chinese) > 0.8 * len(queries)
    assert any(ch in q for q in queries for ch in "機鍋藍紅綠電")  # traditional characters
    assert any(q.isascii() and q.islower() for q in queries)  # pinyin
    assert any("元以下" in q or "便宜" in q for q in queries)  # price phrases
    purchases = [e for e in history.events if e.type == "purchase"]
    assert purchases


def test_the_query_set_has_200_queries_of_every_kind_judged_from_the_ground_truth() -> None:
    products = generate_demo_catalog_zh(1500)
    queries, judgments = build_zh_query_set(products)
    assert len(queries) >= 200
    kinds = Counter(q.kind for q in queries)
    assert set(kinds) == set(QUERY_KINDS) and min(kinds.values()) >= 2
    by_id = {p.product_id: p for p in products}
    texts = {q.query_id: q.query for q in queries}
    assert "Sony 降噪耳机" in texts.values() and "连衣裙" in texts.values()
    for query in queries:
        text = query.query
        if query.kind == "pinyin":
            assert text.isascii()
        if query.kind == "traditional":
            assert CJK.search(text) and text not in {q.query for q in queries if q.kind != "traditional"}
        if query.kind == "price":
            assert re.search(r"\d+(元以下|块以内|元的)", text)
        if query.kind == "negation":
            assert "不要" in text
        if query.kind == "mixed":
            assert re.search(r"[A-Za-z0-9]", text) and CJK.search(text)
    graded = Counter((j.query_id, j.relevance) for j in judgments)
    assert all(graded[(q.query_id, 3)] > 0 for q in queries)
    for judgment in judgments:
        assert judgment.relevance in (1, 2, 3)
        product = by_id[judgment.product_id]
        assert judgment.query == texts[judgment.query_id]
        if judgment.query.startswith("不要红色的"):
            assert (product.attributes.get("color") == "红色") == (judgment.relevance == 1)
        if judgment.query == "红色 连衣裙":
            assert (product.attributes.get("color") == "红色") == (judgment.relevance == 3)


def test_the_query_set_is_written_in_the_shapes_bench_and_eval_read(tmp_path: Path) -> None:
    products = generate_demo_catalog_zh(300)
    queries, judgments = build_zh_query_set(products)
    queries_path, judgments_path, products_path = write_zh_query_set(tmp_path, products, queries, judgments)
    assert [(r.query_id, r.query) for r in read_queries_tsv(queries_path)] == [
        (q.query_id, q.query) for q in queries
    ]
    read = read_judgments(judgments_path)
    assert sorted(read.grades) == sorted(q.query_id for q in queries)
    assert sum(len(g) for g in read.grades.values()) == len(judgments)
    assert len(products_path.read_text(encoding="utf-8").splitlines()) == 301


def test_the_demo_command_writes_the_query_set_for_a_chinese_shop_only(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["demo", "--language", "zh", "--products", "300", "--write-queries", str(tmp_path / "q")]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "q" / "queries.tsv").is_file() and (tmp_path / "q" / "judgments.tsv").is_file()
    refused = runner.invoke(app, ["demo", "--products", "30", "--write-queries", str(tmp_path / "en")])
    assert refused.exit_code != 0 and not (tmp_path / "en").exists()

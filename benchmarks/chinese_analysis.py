"""What Chinese lexical analysis costs, per title and per query, beside the English analyzer.

    PYTHONPATH=. .venv/bin/python benchmarks/chinese_analysis.py \
        --english ../shared/data/homedepot/products.tsv [--titles 5000] [--json runs/zh_analysis.json]

Chinese titles are generated from a seeded vocabulary of brands, product words, features, colours
and model numbers in the shape of marketplace titles ("小米 Redmi Buds 5 真无线蓝牙耳机 主动降噪
黑色"); about a tenth are in traditional characters and a tenth use full-width letters. Queries are
the Chinese queries of benchmarks/data/multilingual_queries.tsv. English titles are the first
`--titles` Home Depot titles, with its English judged-style short queries taken from their first
two words.

Reported (microseconds, mean over all texts, best of `--repeats` passes):
- `chinese.analyze` alone (fold + jieba with the catalog's words + bigrams) per title and per query;
- `LexicalIndex.analyze` (the whole index analysis, tantivy filters included) for Chinese and
  English titles and queries;
- index build (upsert in batches of 2,000) per title, Chinese and English;
- lexical search latency per query (p50, p95), Chinese and English;
- building the catalog's segmenter (jieba's dictionary plus the catalog words).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from shelfwise.config import LexicalConfig
from shelfwise.index.lexical import LexicalAnalysis, LexicalIndex
from shelfwise.language import chinese
from shelfwise.records import Product

QUERIES = Path(__file__).parent / "data" / "multilingual_queries.tsv"
BRANDS = [
    "小米",
    "华为",
    "索尼",
    "苏泊尔",
    "美的",
    "乐高",
    "优衣库",
    "安克",
    "李宁",
    "九阳",
    "罗技",
    "飞利浦",
]
NOUNS = [
    "真无线蓝牙耳机",
    "头戴式耳机",
    "连衣裙",
    "不粘炒锅",
    "积木玩具",
    "充电器",
    "运动鞋",
    "保温杯",
    "机械键盘",
    "电饭煲",
    "双肩包",
    "羽绒服",
    "智能手表",
    "电动牙刷",
    "空气炸锅",
    "床上四件套",
]
FEATURES = [
    "主动降噪",
    "长续航",
    "纯棉",
    "加厚",
    "防水",
    "快充",
    "大容量",
    "轻薄",
    "家用",
    "男女同款",
    "2024新款",
    "官方旗舰店",
    "夏季",
    "碎花",
    "燃气电磁炉通用",
    "拼装",
]
COLOURS = ["黑色", "白色", "红色", "蓝色", "灰色", "粉色", "银色"]
LATIN = ["Redmi Buds 5", "WH-1000XM5", "iPhone 15", "100W", "Type-C", "32cm", "500ml", "XL", "Pro Max",
         "G502", "GaN 65W", "M18"]  # fmt: skip


def chinese_titles(n: int, seed: int = 7) -> list[str]:
    """Seeded marketplace-style Chinese titles; some traditional, some full-width."""
    rng = random.Random(seed)
    titles = []
    for i in range(n):
        parts = [rng.choice(BRANDS), rng.choice(LATIN) if rng.random() < 0.6 else "", rng.choice(NOUNS),
                 " ".join(rng.sample(FEATURES, 2)), rng.choice(COLOURS)]  # fmt: skip
        title = " ".join(p for p in parts if p)
        if i % 10 == 3:
            title = title.translate(str.maketrans("机线锅电续长头装红蓝银", "機線鍋電續長頭裝紅藍銀"))
        elif i % 10 == 7:
            title = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in title)
        titles.append(title)
    return titles


def english_titles(path: Path, n: int) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.DictReader(handle, delimiter="\t")
        return [row["title"] for _, row in zip(range(n), rows, strict=False)]


def chinese_queries() -> list[str]:
    with QUERIES.open(newline="", encoding="utf-8") as handle:
        return [row["query"] for row in csv.DictReader(handle, delimiter="\t") if row["language"] == "zh"]


def per_text_us(function: Callable[[str], object], texts: Sequence[str], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        for text in texts:
            function(text)
        best = min(best, time.perf_counter() - started)
    return round(best / len(texts) * 1e6, 1)


def build(titles: Sequence[str], analysis: LexicalAnalysis) -> tuple[LexicalIndex, float]:
    products = [Product(product_id=str(i), title=t) for i, t in enumerate(titles)]
    started = time.perf_counter()
    index = LexicalIndex.create(None, LexicalConfig(), analysis)
    for start in range(0, len(products), 2000):
        index.upsert(products[start : start + 2000])
    return index, round((time.perf_counter() - started) / len(products) * 1e6, 1)


def search_ms(index: LexicalIndex, queries: Sequence[str], repeats: int) -> dict[str, float]:
    timings = []
    for _ in range(repeats):
        for query in queries:
            started = time.perf_counter()
            index.search(query, 10)
            timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    p95 = ordered[int(0.95 * (len(ordered) - 1))]
    return {"p50": round(statistics.median(ordered), 3), "p95": round(p95, 3)}


def run(english_path: Path, n: int, repeats: int) -> dict[str, object]:
    zh_titles, en_titles, zh_queries = chinese_titles(n), english_titles(english_path, n), chinese_queries()
    en_queries = [" ".join(t.split()[:2]) for t in en_titles[: len(zh_queries) * 4 : 4]]
    started = time.perf_counter()
    words = chinese.catalog_words(zh_titles, BRANDS)
    segmenter = chinese.ChineseSegmenter(words)
    segmenter_ms = round((time.perf_counter() - started) * 1000, 1)

    def analyze(text: str) -> list[str]:
        return chinese.analyze(text, segmenter)

    zh_index, zh_build = build(zh_titles, LexicalAnalysis("zh", tuple(words)))
    en_index, en_build = build(en_titles, LexicalAnalysis())
    return {
        "titles": n, "zh_queries": len(zh_queries), "catalog_words": len(words),
        "segmenter_build_ms": segmenter_ms,
        "chinese_analyze_us": {"title": per_text_us(analyze, zh_titles, repeats),
                               "query": per_text_us(analyze, zh_queries, repeats)},
        "index_analyze_us": {
            "zh_title": per_text_us(zh_index.analyze, zh_titles, repeats),
            "zh_query": per_text_us(zh_index.analyze, zh_queries, repeats),
            "en_title": per_text_us(en_index.analyze, en_titles, repeats),
            "en_query": per_text_us(en_index.analyze, en_queries, repeats),
        },
        "index_build_us_per_title": {"zh": zh_build, "en": en_build},
        "lexical_search_ms": {"zh": search_ms(zh_index, zh_queries, repeats),
                              "en": search_ms(en_index, en_queries, repeats)},
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--english", type=Path, required=True, help="Home Depot products.tsv")
    parser.add_argument("--titles", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    report = run(args.english, args.titles, args.repeats)
    text = json.dumps(report, ensure_ascii=False, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

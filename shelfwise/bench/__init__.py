"""Offline runs over data files, above the service: `bench search` (a TREC run and its latency),
`bench relevance` (a cross-encoder's grades), the recommendation benchmarks' item encoder, and
the file-driven fusion training that needs a shop over a products file. Scoring the runs is
`shelfwise.evaluate`'s (metrics only)."""

from shelfwise.bench.encoders import load_item_encoder
from shelfwise.bench.fusion import train_fusion
from shelfwise.bench.products import ProductsShop, open_products_shop
from shelfwise.bench.relevance import BenchRelevanceReport, run_relevance_benchmark
from shelfwise.bench.search import BenchSearchReport, run_search_benchmark

__all__ = [
    "BenchRelevanceReport",
    "BenchSearchReport",
    "ProductsShop",
    "load_item_encoder",
    "open_products_shop",
    "run_relevance_benchmark",
    "run_search_benchmark",
    "train_fusion",
]

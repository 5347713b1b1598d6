"""The demo shop of the sharded-search tests (issue 29 part 4): a small demo catalog, an encoder
without exact cosine ties, the demo queries, and what "the same answer" means (used by
tests/unit/test_sharded_search.py and, inside a Ray driver, tests/cluster/test_sharded_search_on_ray.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.models import CachedEncoder
from shelfwise.models.encoder import HashingEncoder, TextKind
from shelfwise.records import Filters, PriceRange, Product, SearchRequest, SearchResult
from shelfwise.search import SearchEngine
from shelfwise.store import MemoryEmbeddingCache, MemoryStore

FACETS = ["brand", "category", "price", "in_stock"]


class JitteredEncoder(HashingEncoder):
    """The hashing encoder plus a little noise seeded by the text: its integer trigram counts
    make exactly equal cosines common, and which of equally similar products faiss keeps at a
    cut-off is its own choice (a partial sort), not one a merge can reproduce."""

    @property
    def version(self) -> str:
        return "hashing-jittered"

    def encode(self, texts: Sequence[str], kind: TextKind = "document", progress: bool = False) -> np.ndarray:
        out = super().encode(texts, kind, progress)
        for row, text in enumerate(texts):
            seed = int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")
            out[row] += np.random.default_rng(seed).normal(0, 0.01, out.shape[1]).astype(np.float32)
        return out / np.linalg.norm(out, axis=1, keepdims=True)


CATALOG_SIZE = 500
TIE = 1e-6


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[SearchEngine, list[Product]]:
    products = generate_demo_catalog(CATALOG_SIZE, seed=7)
    store = MemoryStore()
    store.upsert(products)
    engine = SearchEngine(
        store, CachedEncoder(JitteredEncoder(), MemoryEmbeddingCache()), tmp_path_factory.mktemp("shop")
    )
    engine.open()
    return engine, products


def demo_requests(products: list[Product]) -> list[SearchRequest]:
    """Queries a demo shopper types: titles' words, a brand, a misspelling, price and colour
    phrases read as filters, explicit filters, each mode and a sort."""
    first, other = products[3], products[41]
    words = first.title.split()
    brand = other.brand
    category = " > ".join(products[10].category[:1])
    queries = [
        SearchRequest(query=" ".join(words[:3]), facets=FACETS),
        SearchRequest(query=other.title, facets=FACETS),
        SearchRequest(query=brand, facets=FACETS),
        SearchRequest(query=f"{words[-1]} under $50", facets=FACETS),
        SearchRequest(query="wireles headphnes", facets=FACETS),
        SearchRequest(query="red dress", facets=FACETS),
        SearchRequest(query="stainless steel", facets=FACETS, filters=Filters(category=category)),
        SearchRequest(query="organic", facets=FACETS, filters=Filters(price=PriceRange(max=30))),
        SearchRequest(query="running shoes", mode="lexical", facets=FACETS),
        SearchRequest(query="running shoes", mode="vector", facets=FACETS),
        SearchRequest(query="coffee", sort="price_asc", facets=FACETS),
        SearchRequest(query="black", page=2, facets=FACETS),
        SearchRequest(query="wireless headphones", fusion="rrf", explain=True, facets=FACETS),
    ]
    return queries


def tied(scores: Sequence[float], i: int, j: int) -> bool:
    return abs(scores[i] - scores[j]) <= TIE * abs(scores[i])


def same_answer(sharded: SearchResult, whole: SearchResult) -> None:
    """The same total and facets, the same hits in the same order with the same scores, to
    float32 rounding: scores within 1e-6 relative, and two hits of equal score in the one index
    may come in either order (a shard's BM25 equals the one index's to about 1e-7 relative, so an
    exact tie may come out a hair apart either way)."""
    assert sharded.total == whole.total
    assert sharded.facets == whole.facets
    got = [h.product.product_id for h in sharded.hits]
    want = [h.product.product_id for h in whole.hits]
    scores = [h.score for h in whole.hits]
    assert len(got) == len(want) and len(set(got)) == len(got)
    for i, (a, b) in enumerate(zip(sharded.hits, whole.hits, strict=True)):
        assert a.score == pytest.approx(b.score, rel=TIE, abs=1e-9), (whole.query, i)
        if got[i] != want[i]:  # only a swap of equal scores
            j = want.index(got[i]) if got[i] in want else None
            assert j is not None and tied(scores, i, j), (whole.query, i, got, want)


def demo_shop(folder: Path, size: int = CATALOG_SIZE) -> tuple[SearchEngine, list[Product]]:
    """The demo catalog of `size` products in an engine (one index) opened in `folder`."""
    products = generate_demo_catalog(size, seed=7)
    store = MemoryStore()
    store.upsert(products)
    engine = SearchEngine(store, CachedEncoder(JitteredEncoder(), MemoryEmbeddingCache()), folder)
    engine.open()
    return engine, products

"""A new index version built from the store's products, off to the side: their texts encoded, the
lexical and vector indexes written, the manifest that vouches for them, and the query
understanding saved with them. The lifecycle (lifecycle.py) publishes it and swaps it in."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from shelfwise.config import LexicalConfig, UnderstandingConfig, VectorConfig
from shelfwise.index import IndexManifest, IndexVersions, LexicalIndex, VectorIndex
from shelfwise.index.lexical import catalog_analysis
from shelfwise.language.scripts import title_scripts
from shelfwise.models import CachedEncoder
from shelfwise.progress import Progress, in_stage
from shelfwise.records import Product
from shelfwise.search.coverage import TitleTerms
from shelfwise.search.live_index import SCRIPTS_NOTE, LiveIndex, text_hashes
from shelfwise.search.saved_understanding import build_understanding
from shelfwise.search.table import ProductTable
from shelfwise.store import Store

_BUILD_BATCH = 2000


def build_version(
    store: Store,
    encoder: CachedEncoder,
    registry: IndexVersions,
    lexical_config: LexicalConfig,
    vector_config: VectorConfig,
    understanding: UnderstandingConfig,
    language: str,
    progress: Progress | None,
) -> LiveIndex:
    """A new version in `registry` of every product in `store`, not yet published; `language`
    is the catalog's (zh gets a Chinese lexical index)."""
    started = time.perf_counter()
    store_seq = store.last_seq()
    products = list(store.iter_products())
    version, path = registry.new_version()
    vectors = encoder.encode_products(products, progress=in_stage(progress, "encode") if progress else None)
    analysis = catalog_analysis(lexical_language(language), products)
    lexical = LexicalIndex.create(path / "lexical", lexical_config, analysis)
    for start in range(0, len(products), _BUILD_BATCH):
        lexical.upsert(products[start : start + _BUILD_BATCH])
        if progress:
            progress("lexical", min(start + _BUILD_BATCH, len(products)), len(products))
    ids = [p.product_id for p in products]
    vector = VectorIndex.build(ids, vectors, encoder.encoder.dim, vector_config)
    vector.save(path / "vector")
    manifest = IndexManifest(
        version=version,
        created_at=datetime.now(UTC).isoformat(),
        store_seq=store_seq,
        encoder=encoder.encoder.version,
        dim=encoder.encoder.dim,
        product_count=len(products),
        vector_kind=vector.kind,
        lexical_config=lexical_config.model_dump(),
        vector_config=vector_config.model_dump(),
        build_seconds=round(time.perf_counter() - started, 3),
        notes={SCRIPTS_NOTE: title_scripts(p.title for p in products)},
    )
    registry.write_manifest(path / "manifest.json", manifest)
    return LiveIndex(
        version,
        path,
        manifest,
        lexical,
        vector,
        ProductTable.build(products),
        terms=title_terms(lexical, products),
        text_hashes=text_hashes(products),
        understanding=build_understanding(products, understanding, path, store_seq),
        understanding_seq=store_seq,
    )


def lexical_language(language: str) -> str:
    """The lexical analysis a catalog language gets: zh its own, every other the English one."""
    return "zh" if language == "zh" else "en"


def title_terms(lexical: LexicalIndex, products: list[Product]) -> TitleTerms:
    """The analysed title terms of `products`, by the lexical index's analysis."""
    terms = TitleTerms(lexical.analyze)
    terms.update(products)
    return terms

"""Distributed encoding equals local (issue 29 parts 2 and 6): `shelfwise cluster encode` on the
two-node cluster (two encoder actors, one per node) fills the shop's pgvector cache with the
single-process encoder's vectors (cosine >= 0.9999 per product), and the index version it
publishes under the artifact root answers queries with the same hits as one built locally; with
--serving-version it publishes a Serve version's data folder that a replica serves as is."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from ray_harness import HEAD_IP, WORKER_IP, ShopCluster

from shelfwise.cluster.encoding import index_root
from shelfwise.cluster.publish import STAGING_PREFIX
from shelfwise.config import Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.index import IndexVersions
from shelfwise.models import CachedEncoder
from shelfwise.published_models import data_dir_encoder
from shelfwise.records import SearchRequest, text_hash
from shelfwise.search import SearchEngine
from shelfwise.serve_cluster.options import version_folder
from shelfwise.shop_server import ShopServer
from shelfwise.store.postgres import PostgresEmbeddingCache, PostgresStore

pytestmark = pytest.mark.slow

PRODUCTS = 300
CHUNK = 60  # five chunks, so that both actors encode; the local reference uses the same chunks
QUERIES = ("cordless drill", "red dress", "coffee maker", "running shoes", "wireless headphones", "desk lamp")


def _encode(shop_cluster: ShopCluster, database: str, *options: str) -> tuple[int, str, str]:
    cluster = shop_cluster.cluster
    env = {**cluster.env, "SHELFWISE_DATABASE_URL": shop_cluster.postgres.url(database)}
    argv = [sys.executable, "-m", "shelfwise.cli", "cluster", "encode", *options]
    argv += ["-d", str(cluster.head_data)]
    done = cluster.netns.run(cluster.netns.head, argv, env, timeout=300)
    return done.returncode, done.stdout, done.stderr


def _local_shop(tmp_path: Path, url: str, encoder: CachedEncoder) -> ShopServer:
    """A one-process shop on the same catalog with a cache of its own, filled by the
    single-process encoder in chunks of CHUNK."""
    settings = Settings(data_dir=tmp_path / "local", database_url=url,
                        embeddings_url=f"sqlite:///{tmp_path / 'embeddings.db'}")  # fmt: skip
    shop = ShopServer(settings, encoder=encoder.encoder)
    CachedEncoder(encoder.encoder, shop.encoder.cache, chunk_size=CHUNK).encode_products(
        list(shop.store.iter_products())
    )
    return shop


def _check_serving_version(shop_cluster: ShopCluster, database: str, local: ShopServer) -> None:
    """`cluster encode --serving-version` (the cache is full: nothing encoded) publishes a data
    folder `cluster serve --version` takes, whose ShopServer serves its own index (the refusal of
    an existing name: tests/unit/test_cluster_serving_version.py)."""
    code, output, errors = _encode(shop_cluster, database, "--serving-version", "enc-v1", "--json")
    assert code == 0, output + errors
    report = json.loads(output)
    assert report["texts_encoded"] == 0 and report["encoded_at_build"] == 0
    folder = version_folder(shop_cluster.cluster.artifact_root / "serving", "enc-v1")
    assert not (folder / "cluster").exists()  # the cluster's token and settings stay behind
    replica = ShopServer(Settings(data_dir=folder, database_url=shop_cluster.postgres.local_url(database)))
    try:
        assert replica.open_index().version == report["version"]  # what a replica opens: nothing built
        for query in QUERIES:
            request = SearchRequest(query=query, page_size=10)
            mine = [hit.product.product_id for hit in local.engine.search(request).hits]
            assert [hit.product.product_id for hit in replica.engine.search(request).hits] == mine, query
    finally:
        replica.close()
    assert IndexVersions(folder / "indexes").versions() == [report["version"]]


def test_cluster_encoding_equals_the_single_process_one(shop_cluster: ShopCluster, tmp_path: Path) -> None:
    database = shop_cluster.new_database()
    local_url = shop_cluster.postgres.local_url(database)
    store = PostgresStore(local_url)
    store.upsert(generate_demo_catalog(PRODUCTS, seed=11))
    store.close()
    code, output, errors = _encode(
        shop_cluster, database, "--actors", "2", "--chunk-size", str(CHUNK), "--json"
    )
    assert code == 0, output + errors
    report = json.loads(output)
    assert report["actors"] == 2 and report["chunks"] == 5 and report["encoded_at_build"] == 0
    assert set(report["chunks_by_node"]) == {HEAD_IP, WORKER_IP}  # an actor on each node

    encoder = data_dir_encoder(Settings().encoder, shop_cluster.cluster.head_data)  # the driver's files
    shop = _local_shop(tmp_path, local_url, CachedEncoder(encoder, PostgresEmbeddingCache(local_url)))
    try:
        products = list(shop.store.iter_products())
        hashes = sorted({text_hash(p.text()) for p in products})
        assert report["texts_encoded"] == report["rows_copied"] == len(hashes)
        distributed = PostgresEmbeddingCache(local_url)
        on_cluster = distributed.get(encoder.version, hashes)
        local = shop.encoder.cache.get(encoder.version, hashes)
        assert len(on_cluster) == len(local) == len(hashes)  # every text COPY'd into pgvector
        cosines = [float(np.dot(on_cluster[h], local[h])) for h in hashes]
        assert min(cosines) >= 0.9999, sorted(cosines)[:5]
        print(
            f"distributed vs single-process: min cosine {min(cosines):.7f} over {len(hashes)} texts; {report}"
        )

        registry = IndexVersions(index_root(shop_cluster.cluster.artifact_root))
        current = registry.current()
        assert current is not None and current[0] == report["version"]
        manifest = registry.read_manifest(current[1])
        assert manifest.product_count == PRODUCTS and manifest.encoder == encoder.version
        assert (current[1] / "lexical").is_dir() and (current[1] / "vector").is_dir()
        assert not [p for p in registry.versions_dir.iterdir() if p.name.startswith(STAGING_PREFIX)]

        shop.rebuild_index()  # the local build: the single-process vectors, no encoding left
        published = SearchEngine(
            shop.store, CachedEncoder(encoder, distributed), registry.root,
            lexical=shop.engine.lexical_config, vector=shop.engine.vector_config,
            fusion=shop.engine.fusion, reranker=shop.engine.reranker,
            understanding=shop.engine.understanding, language=shop.engine.language,
        )  # fmt: skip
        assert published.open(build=False) is not None
        for query in QUERIES:
            request = SearchRequest(query=query, page_size=10)
            mine = [hit.product.product_id for hit in shop.engine.search(request).hits]
            theirs = [hit.product.product_id for hit in published.search(request).hits]
            assert theirs == mine and mine, query
        published.close()
        distributed.close()
        started = time.perf_counter()
        _check_serving_version(shop_cluster, database, shop)
        seconds = time.perf_counter() - started
        print(f"--serving-version: encoded, published and opened in {seconds:.1f} s")
    finally:
        shop.close()

    code, output, errors = _encode(shop_cluster, "no_such_database", "--actors", "2")
    assert code == 1 and "no_such_database" in errors, output + errors
    assert registry.current() == current  # a failed job leaves the published version

"""What a serving process allocates (Python's own allocations, tracemalloc) opening its index,
building the personalization profiles and answering searches, whole against sharded (issue 29:
a sharded replica that opens only what it needs), without Ray: the synthetic catalog of
benchmarks/cluster_sharded_search.py in SQLite, one version (random document vectors, query
understanding off, as in cluster_sharded_serve.py), then a `ShopServer` over it whole and one
recalling through two shards built in the same process (before the measurement starts).
faiss's and tantivy's native memory is not counted.

    nice -n 10 python benchmarks/cluster_replica_memory.py --products 100000
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sys
import tempfile
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests" / "cluster"), str(ROOT / "benchmarks")]

from cluster_sharded_search import BLOCK, synthetic_products  # noqa: E402
from cluster_sharded_serve import RandomDocuments, requests  # noqa: E402

from shelfwise.config import EncoderConfig, Settings, UnderstandingConfig  # noqa: E402
from shelfwise.records import SearchRequest  # noqa: E402
from shelfwise.search.sharded import SearchShard  # noqa: E402
from shelfwise.store import MemoryEmbeddingCache  # noqa: E402


def build(products: int, folder: Path) -> Settings:
    from shelfwise.service import Shelfwise

    settings = Settings(data_dir=folder / "v1", encoder=EncoderConfig(name="hashing"),
                        understanding=UnderstandingConfig(enabled=False),
                        store_url=f"sqlite:///{folder}/catalog.db")  # fmt: skip
    shop = Shelfwise(settings, encoder=RandomDocuments(), embedding_cache=MemoryEmbeddingCache())
    try:
        remaining = synthetic_products(products)
        while block := list(itertools.islice(remaining, BLOCK)):
            shop.upsert_products(block)
        shop.open_index()
    finally:
        shop.close()
    return settings


def shards(settings: Settings) -> list[SearchShard]:
    from shelfwise.cluster.shard_source import VersionShard
    from shelfwise.index.lexical_shard import total_stats

    config = (settings.lexical, settings.vector)
    built = [
        VersionShard(settings.data_dir, settings.resolved_store_url(), s, 2, config).build() for s in range(2)
    ]
    total = total_stats(shard.stats() for shard in built)
    for shard in built:
        shard.pad(total)
    return built


def measure(settings: Settings, held: list[SearchShard], searches: int) -> dict[str, float]:
    from shelfwise.cluster.shard_source import version_index
    from shelfwise.index.lexical import LexicalAnalysis
    from shelfwise.search.sharded import InProcessFanout, ShardedRecall
    from shelfwise.shop_server import ShopServer

    gc.collect()
    tracemalloc.start(3)
    marks = [tracemalloc.take_snapshot()]
    recall = None
    if held:
        analysis = LexicalAnalysis.load(version_index(settings.data_dir)[1] / "lexical")
        recall = ShardedRecall.connect(InProcessFanout(held), settings.lexical, analysis)
    server = ShopServer(
        settings, recall=recall, encoder=RandomDocuments(), embedding_cache=MemoryEmbeddingCache()
    )
    try:
        server.load_index()
        marks.append(tracemalloc.take_snapshot())
        _ = server.profiles
        marks.append(tracemalloc.take_snapshot())
        for body in requests(searches):
            server.serve_search(SearchRequest.model_validate(body), "bench")
        marks.append(tracemalloc.take_snapshot())
    finally:
        server.close()
        tracemalloc.stop()
    steps = ("index_opened_mb", "profiles_mb", "searches_mb")
    return {
        step: round(sum(s.size_diff for s in after.compare_to(before, "filename")) / 1e6, 1)
        for step, before, after in zip(steps, marks[:-1], marks[1:], strict=True)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--searches", type=int, default=220)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="swmem") as folder:
        settings = build(args.products, Path(folder))
        print("whole", args.products, measure(settings, [], args.searches), flush=True)
        print("sharded", args.products, measure(settings, shards(settings), args.searches), flush=True)


if __name__ == "__main__":
    main()

"""Sharded search served over HTTP (issue 29: the shard actors joined to Serve): `cluster serve
--shards 2` starts named shard actors of the version, built from its folder and the shop's
PostgreSQL catalog, and the Serve replica recalls through them. Its answers equal the version's
one index (opened in this process over a copy of the same data folder and the same database):
the same hits in order (two hits of equal score may swap), scores within 1e-5, the same totals
and facet counts, nothing missing. A swap to v2 starts v2's shard actors and kills v1's; a shard
actor's process killed (its pid found through Ray, checked to descend from this cluster's nodes)
makes the HTTP answer name that shard in `missing_shards`, until `cluster serve` starts it again
and the replica finds it by name; `serve-stop` kills every shard actor.

One deployment for the module (one replica on the 1-CPU nodes); the tests run in this order.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ray_harness import HEAD_IP, WORKER_IP, ShopCluster
from serve_shop import ServedShop, build_shop, descends_from, finish

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.records import Filters, PriceRange, SearchRequest, SearchResult

pytestmark = pytest.mark.slow

FACETS = ["brand", "category", "price", "in_stock"]
TIE = 1e-5

SHARD_PROCESSES = """
import json, logging, ray
from shelfwise.cluster.shard_actors import NAMESPACE, shard_actor_names
ray.init(address=ADDRESS, logging_level=logging.ERROR, log_to_driver=False)
found = {}
for name in shard_actor_names():
    actor = ray.get_actor(name, namespace=NAMESPACE)
    found[name] = ray.get(actor.process.remote(), timeout=60)
print(json.dumps(found))
ray.shutdown()
"""


@pytest.fixture(scope="module")
def served(shop_cluster: ShopCluster) -> Iterator[ServedShop]:
    shop = build_shop(shop_cluster)
    try:
        deployed = shop.serve("v1", 1, "--shards", "2", "--shard-replicas", "1")
        assert "recalling through 2 shard actors (2 shards)" in deployed["output"], deployed["output"]
        yield shop
    finally:
        shop.stop()


def _requests() -> list[SearchRequest]:
    """What a demo shopper asks (the shop's catalog is `build_shop`'s): words of a title, a
    brand, a misspelling, a price filter, each mode."""
    products = generate_demo_catalog(200, seed=29)
    words = products[3].title.split()
    return [
        SearchRequest(query=" ".join(words[:3]), facets=FACETS),
        SearchRequest(query=products[41].brand or "acme", facets=FACETS),
        SearchRequest(query="wireles headphnes", facets=FACETS),
        SearchRequest(query="organic", facets=FACETS, filters=Filters(price=PriceRange(max=30))),
        SearchRequest(query="running shoes", mode="lexical", facets=FACETS),
        SearchRequest(query="running shoes", mode="vector", facets=FACETS),
        SearchRequest(query="kettle", facets=FACETS),
    ]


def _ask(served: ServedShop, requests: list[SearchRequest]) -> list[dict[str, Any]]:
    """POST the requests through the proxy from the worker's namespace."""
    bodies = [request.model_dump(mode="json", exclude_defaults=True) for request in requests]
    client = served.start_client(served.shop_cluster.cluster.netns.worker, "ask", requests=bodies)
    answers: list[dict[str, Any]] = finish(client, 300)["answers"]
    assert all(answer["status"] == 200 for answer in answers), answers
    return answers


def _one_index(
    served: ServedShop, version: str, requests: list[SearchRequest], folder: Path
) -> list[SearchResult]:
    """The answers of `version`'s one index, opened here over a copy of its data folder (the
    same index files and models) and the same database."""
    from shelfwise.service import Shelfwise

    shutil.copytree(served.versions_root / version, folder)
    settings = Settings(data_dir=folder, database_url=served.shop_cluster.postgres.local_url(served.database),
                        encoder=EncoderConfig(name="hashing"))  # fmt: skip
    shop = Shelfwise(settings)
    try:
        assert shop.open_index().version == served.index_versions[version]
        return [shop.serve_search(request, f"reference-{n}") for n, request in enumerate(requests)]
    finally:
        shop.close()


def _same(sharded: SearchResult, whole: SearchResult) -> None:
    """Equal totals and facets; the same hits in order with scores within TIE, two hits of equal
    score (within TIE) in either order."""
    assert sharded.missing_shards == [] and sharded.total == whole.total, (sharded.query, sharded.total)
    assert sharded.facets == whole.facets, sharded.query
    got = [hit.product.product_id for hit in sharded.hits]
    want = [hit.product.product_id for hit in whole.hits]
    scores = [hit.score for hit in whole.hits]
    assert len(got) == len(want) > 0 and len(set(got)) == len(got), (sharded.query, got, want)
    for i, (a, b) in enumerate(zip(sharded.hits, whole.hits, strict=True)):
        assert a.score == pytest.approx(b.score, rel=TIE, abs=TIE), (whole.query, i)
        if got[i] != want[i]:
            j = want.index(got[i]) if got[i] in want else None
            assert j is not None and abs(scores[i] - scores[j]) <= TIE * abs(scores[i]), (
                whole.query,
                got,
                want,
            )


def _shard_processes(served: ServedShop) -> dict[str, list[Any]]:
    """Every shard actor's name -> [pid, node address], as Ray reports them."""
    cluster = served.shop_cluster.cluster
    done = cluster.run_python(cluster.netns.head, SHARD_PROCESSES, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    found: dict[str, list[Any]] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def test_a_sharded_replica_answers_as_the_one_index(served: ServedShop, tmp_path: Path) -> None:
    shards = _shard_processes(served)
    assert sorted(shards) == ["shard:v1:0of2:r0", "shard:v1:1of2:r0"]
    assert sorted(node for _, node in shards.values()) == [HEAD_IP, WORKER_IP]  # shard s on node s
    requests = _requests()
    answers = _ask(served, requests)
    assert {answer["version"] for answer in answers} == {"v1"}
    for answer, whole in zip(answers, _one_index(served, "v1", requests, tmp_path / "v1"), strict=True):
        _same(SearchResult.model_validate(answer["body"]), whole)
    replica = served.replicas()[0]
    print(f"RSS: sharded replica {_rss_mb(replica['pid']):.0f} MB, shard actors "
          f"{[round(_rss_mb(pid)) for pid, _ in shards.values()]} MB")  # fmt: skip


def test_a_swap_to_v2_starts_its_shards_and_kills_v1s(served: ServedShop, tmp_path: Path) -> None:
    deployed = served.serve("v2", 1, "--shards", "2", "--shard-replicas", "1")
    assert "recalling through 2 shard actors" in deployed["output"]
    assert sorted(_shard_processes(served)) == ["shard:v2:0of2:r0", "shard:v2:1of2:r0"]
    requests = _requests()[:3]
    answers = _ask(served, requests)
    assert {answer["version"] for answer in answers} == {"v2"}
    for answer, whole in zip(answers, _one_index(served, "v2", requests, tmp_path / "v2"), strict=True):
        _same(SearchResult.model_validate(answer["body"]), whole)


def test_a_killed_shard_actor_is_named_in_the_answer(served: ServedShop) -> None:
    cluster = served.shop_cluster.cluster
    pid, node = _shard_processes(served)["shard:v2:1of2:r0"]
    assert node == WORKER_IP
    assert descends_from(pid, {process.pid for process in cluster.our_processes()}), pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}").exists()
    for answer in _ask(served, _requests()[:3]):
        result = SearchResult.model_validate(answer["body"])
        assert result.missing_shards == [1], (result.query, result.missing_shards)
        assert result.hits, result.query  # shard 0 still answers


def test_serving_the_version_again_starts_the_lost_shard_and_the_replica_finds_it(served: ServedShop) -> None:
    before = _shard_processes(served)
    assert sorted(before) == ["shard:v2:0of2:r0"]
    served.serve("v2", 1, "--shards", "2", "--shard-replicas", "1")  # the same user_config: no swap
    after = _shard_processes(served)
    assert sorted(after) == ["shard:v2:0of2:r0", "shard:v2:1of2:r0"]
    assert after["shard:v2:0of2:r0"] == before["shard:v2:0of2:r0"]  # the live one kept
    for answer in _ask(served, _requests()[:3]):
        assert SearchResult.model_validate(answer["body"]).missing_shards == [], answer["body"]["query"]


def test_serve_stop_kills_every_shard_actor(served: ServedShop) -> None:
    assert len(_shard_processes(served)) == 2
    served.stop()
    assert _shard_processes(served) == {}

"""Sharded search served over HTTP, the helpers of its tests (test_serve_replicas.py, issue 29:
the shard actors joined to Serve): the demo shopper's requests, asking them through the proxy,
the answers of a version's one index opened in the test process, what "the same answer" means,
new versions of the catalog as it is, and the shard actors' processes."""

from __future__ import annotations

import json
import re
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from serve_shop import ServedShop, finish

from shelfwise.config import EncoderConfig, Settings
from shelfwise.demo.catalog import generate_demo_catalog
from shelfwise.records import Filters, PriceRange, SearchRequest, SearchResult

FACETS = ["brand", "category", "price", "in_stock"]
TIE = 1e-5

SHARD_PROCESSES = """
import json, logging, ray
from shelfwise.cluster.shard_actors import NAMESPACE, shard_actor_names
ray.init(address=ADDRESS, logging_level=logging.ERROR, log_to_driver=False)
found, gone = {}, []
for name in shard_actor_names():
    try:
        found[name] = ray.get(ray.get_actor(name, namespace=NAMESPACE).process.remote(), timeout=60)
    except (ValueError, ray.exceptions.RayActorError):  # listed, but dead (its name not yet released)
        gone.append(name)
print(json.dumps({"alive": found, "gone": gone}))
ray.shutdown()
"""


def shop_requests() -> list[SearchRequest]:
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
        SearchRequest(query="", facets=FACETS, filters=Filters(price=PriceRange(max=60)), sort="price_asc"),
    ]


UNAVAILABLE = SearchRequest(query="无线耳机")
"""translated into the English catalog's words over its every title: refused by a sharded replica"""


def ask(served: ServedShop, requests: list[SearchRequest], refused: int = 0) -> list[dict[str, Any]]:
    """POST the requests through the proxy from the worker's namespace: each answer's status,
    body and version (all 200, but the last `refused`)."""
    bodies = [request.model_dump(mode="json", exclude_defaults=True) for request in requests]
    client = served.start_client(served.shop_cluster.cluster.netns.worker, "ask", requests=bodies)
    answers: list[dict[str, Any]] = finish(client, 300)["answers"]
    assert all(answer["status"] == 200 for answer in answers[: len(answers) - refused]), answers
    return answers


def mapped_files(pid: int, folder: Path) -> set[str]:
    """The files under `folder` that process `pid` has mapped (tantivy maps its index files)."""
    inside = str(folder) + "/"
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {
        line.split(maxsplit=5)[5] for line in lines if len(line.split(maxsplit=5)) == 6 and inside in line
    }


def one_index(
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


def same_answer(sharded: SearchResult, whole: SearchResult) -> None:
    """Nothing missing, equal totals and facets; the same hits in order with scores within TIE,
    two hits of equal score (within TIE) in either order."""
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


def publish_version(served: ServedShop, name: str) -> None:
    """Another version of the catalog as it is now, under the versions root (built here)."""
    from shelfwise.service import Shelfwise

    settings = Settings(data_dir=served.versions_root / name, encoder=EncoderConfig(name="hashing"),
                        database_url=served.shop_cluster.postgres.local_url(served.database))  # fmt: skip
    shop = Shelfwise(settings)
    try:
        served.index_versions[name] = shop.open_index().version
    finally:
        shop.close()


def deployed_shards(output: str) -> dict[str, tuple[int, str]]:
    """The shard actors `cluster serve` printed: name -> (pid, node address)."""
    found = re.findall(r"^  shard (\S+) pid (\d+) on (\S+)$", output, flags=re.M)
    return {name: (int(pid), node) for name, pid, node in found}


def gone(pids: list[int], seconds: float = 30) -> bool:
    """Whether these processes have all exited (waiting at most `seconds`)."""
    deadline = time.monotonic() + seconds
    while any(Path(f"/proc/{pid}").exists() for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


def shard_processes(served: ServedShop) -> dict[str, list[Any]]:
    """Every live shard actor's name -> [pid, node address], as Ray reports them."""
    cluster = served.shop_cluster.cluster
    done = cluster.run_python(cluster.netns.head, SHARD_PROCESSES, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    report = json.loads(next(line for line in reversed(done.stdout.splitlines()) if line.startswith("{")))
    print(f"shard actors: {report}")
    found: dict[str, list[Any]] = report["alive"]
    return found


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")

"""The shop's API on two Ray Serve replicas over the session's PostgreSQL (issue 29 parts 5 and 6):
a write through one replica reaches the other's index by the database's notification; a rolling
artifact swap under load fails no request and leaves every replica on the new version; a replica
killed under load loses no acknowledged event, and the client's retries all succeed.

Then sharded search served over HTTP (`cluster serve --shards 2`) of versions v3 and v4, built
from the catalog as the tests above left it: named shard actors of the version, built from its
folder and the shop's PostgreSQL catalog, and the replicas, reconfigured in place, recall through
them. Their answers equal the version's one index (opened in this process over a copy of the same
data folder and the same database: the same hits in order, two hits of equal score may swap,
scores within 1e-5, the same totals and facet counts, nothing missing); a swap to v4 starts its
shard actors and kills v3's; a shard actor's process killed (its pid from `cluster serve`'s
output, checked to descend from this cluster's nodes) makes the HTTP answers name that shard in
`missing_shards`, until `cluster serve` starts it again and the replicas find it by name;
`serve-stop` kills every shard actor (none left in Ray's list of named actors).

One deployment for the module (replicas take a while to start on the 1-CPU nodes); the tests run
in this order and leave it with two replicas. The clients run inside the worker's namespace and
reach only the proxy on HEAD_IP. Every wait is bounded; the replica killed is a pid Ray reports
for the deployment, checked to be a process of this cluster first.
"""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from ray_harness import HEAD_IP, WORKER_IP, ShopCluster
from serve_sharded import (
    UNAVAILABLE,
    ask,
    deployed_shards,
    gone,
    mapped_files,
    one_index,
    publish_version,
    rss_mb,
    same_answer,
    shard_processes,
    shop_requests,
)
from serve_shop import ServedShop, build_shop, descends_from, finish

from shelfwise.records import SearchResult

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(shop_cluster: ShopCluster) -> Iterator[ServedShop]:
    shop = build_shop(shop_cluster)
    try:
        deployed = shop.serve("v1")
        assert f"at http://{HEAD_IP}:8000/" in deployed["output"]
        yield shop
    finally:
        if shop.database not in STOPPED:  # the last test stops it itself
            shop.stop()


STOPPED: set[str] = set()
SHARDED = ("--shards", "2", "--shard-replicas", "1")


def _replica_ids(served: ServedShop) -> set[str]:
    """As the replicas' answers name them: replica id and pid."""
    return {f"{replica['replica']}:{replica['pid']}" for replica in served.replicas()}


def test_an_upsert_through_one_replica_reaches_every_replica(served: ServedShop) -> None:
    assert len(served.replicas()) == 2
    netns = served.shop_cluster.cluster.netns
    report = finish(served.start_client(netns.worker, "fresh", count=3, replicas=2, prefix="fresh"), 180)
    assert len(report["found_before"]) == 2 and not any(report["found_before"].values())
    # catch-up polling is off (600 s): only the catalog's NOTIFY refreshes the other replica
    assert all(seconds < 30 for seconds in report["seconds"]), report


def test_a_rolling_swap_to_a_new_version_fails_no_request(served: ServedShop, tmp_path: Path) -> None:
    netns, stop = served.shop_cluster.cluster.netns, tmp_path / "stop"
    before = _replica_ids(served)
    client = served.start_client(netns.worker, "search", query="kettle", stop_file=str(stop), max_seconds=200)
    try:
        time.sleep(3.0)  # the load is on before the swap starts
        served.serve("v2")  # same code and settings, another user_config: every replica reconfigures
        time.sleep(2.0)
    finally:
        stop.touch()
    report = finish(client, 300)
    assert report["stopped"] and report["errors"] == [], report["errors"][:5]
    runs = report["versions_in_order"]
    assert runs[0][0] == "v1" and runs[-1][0] == "v2", runs  # v1 answered, then v2, under the load
    replicas = {replica for replica, _, _ in report["sweep"]}
    assert replicas == before and len(replicas) == 2  # the same replicas (and pids): swapped in place
    assert {(version, index) for _, version, index in report["sweep"]} == {
        ("v2", served.index_versions["v2"])
    }


def test_a_killed_replica_loses_no_acknowledged_event(served: ServedShop, tmp_path: Path) -> None:
    cluster = served.shop_cluster.cluster
    before = served.replicas()
    ours = {process.pid for process in cluster.our_processes()}
    assert len(before) == 2 and all(descends_from(replica["pid"], ours) for replica in before), before
    victim = before[0]
    progress, count = tmp_path / "progress", 300
    client = served.start_client(cluster.netns.worker, "events", count=count, prefix="kill", threads=2,
                                 product_id="SW-000001", progress_file=str(progress))  # fmt: skip
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (int(progress.read_text() or 0) if progress.exists() else 0) < 60:
        time.sleep(0.05)
    os.kill(victim["pid"], signal.SIGKILL)
    assert int(progress.read_text() or 0) < count  # killed under the load, not after it
    report = finish(client, 400)
    assert report["gave_up"] == [] and report["acknowledged"] == count, report
    with psycopg.connect(served.shop_cluster.postgres.local_url(served.database)) as conn:
        stored = conn.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM events WHERE event_id LIKE 'kill-%'"
        ).fetchone()
    assert stored == (count, count)
    deadline = time.monotonic() + 120  # Serve replaces the lost replica
    while time.monotonic() < deadline and (len(after := served.replicas()) < 2 or victim in after):
        time.sleep(1.0)
    assert len(after) == 2 and victim["replica"] not in {replica["replica"] for replica in after}
    print(f"killed replica {victim}; failed tries the client retried: {len(report['failed_tries'])}")


def test_sharded_replicas_answer_as_the_one_index(served: ServedShop, tmp_path: Path) -> None:
    publish_version(served, "v3")  # the catalog as the tests above left it (the shards read it now)
    pids = [replica["pid"] for replica in served.replicas()]  # reconfigured in place: the same after
    unsharded = [round(rss_mb(pid)) for pid in pids]
    assert all(mapped_files(pid, served.versions_root / "v2" / "indexes") for pid in pids)  # v2's index
    deployed = served.serve("v3", 2, *SHARDED)  # another user_config: both replicas reconfigure
    assert "recalling through 2 shard actors (2 shards)" in deployed["output"], deployed["output"]
    shards = deployed_shards(deployed["output"])
    assert [shards[f"shard:v3:{s}of2:r0"][1] for s in (0, 1)] == [HEAD_IP, WORKER_IP]  # shard s on node s
    requests = shop_requests()
    answers = ask(served, [*requests, UNAVAILABLE], refused=1)
    assert {answer["version"] for answer in answers} == {"v3"}
    for answer, whole in zip(answers, one_index(served, "v3", requests, tmp_path / "v3"), strict=False):
        same_answer(SearchResult.model_validate(answer["body"]), whole)
    assert answers[-1]["status"] == 501 and "translating a query" in answers[-1]["body"]["error"], answers[-1]
    assert not any(mapped_files(pid, served.versions_root / "v3" / "indexes") for pid in pids)  # no index
    sharded, actors = [round(rss_mb(pid)) for pid in pids], [round(rss_mb(pid)) for pid, _ in shards.values()]
    print(f"RSS MB: replicas {unsharded} unsharded, then {sharded} sharded; shard actors {actors}")
    OLD_SHARDS.extend(pid for pid, _ in shards.values())


OLD_SHARDS: list[int] = []


def test_a_swap_starts_the_new_versions_shards_and_kills_the_old_ones(
    served: ServedShop, tmp_path: Path
) -> None:
    publish_version(served, "v4")
    shards = deployed_shards(served.serve("v4", 2, *SHARDED)["output"])
    assert sorted(shards) == ["shard:v4:0of2:r0", "shard:v4:1of2:r0"]
    assert len(OLD_SHARDS) == 2 and gone(OLD_SHARDS)  # v3's shard actors killed
    requests = shop_requests()[:3]
    answers = ask(served, requests)
    assert {answer["version"] for answer in answers} == {"v4"}
    for answer, whole in zip(answers, one_index(served, "v4", requests, tmp_path / "v4"), strict=True):
        same_answer(SearchResult.model_validate(answer["body"]), whole)
    cluster = served.shop_cluster.cluster
    pid, node = shards["shard:v4:1of2:r0"]
    assert node == WORKER_IP and descends_from(pid, {process.pid for process in cluster.our_processes()}), pid
    os.kill(pid, signal.SIGKILL)  # shard 1's only actor
    assert gone([pid])
    for answer in ask(served, requests):
        result = SearchResult.model_validate(answer["body"])
        assert result.missing_shards == [1] and result.hits, (result.query, result.missing_shards)
    OLD_SHARDS[:] = [pid, shards["shard:v4:0of2:r0"][0]]


def test_serving_again_restarts_a_lost_shard_and_serve_stop_kills_every_shard_actor(
    served: ServedShop,
) -> None:
    shards = deployed_shards(served.serve("v4", 2, *SHARDED)["output"])  # the same user_config
    killed, kept = OLD_SHARDS
    assert shards["shard:v4:0of2:r0"][0] == kept and shards["shard:v4:1of2:r0"][0] != killed
    for answer in ask(served, shop_requests()[:3]):  # the replicas found shard 1's new actor by name
        assert SearchResult.model_validate(answer["body"]).missing_shards == [], answer["body"]["query"]
    served.stop()
    STOPPED.add(served.database)
    assert gone([pid for pid, _ in shards.values()]) and shard_processes(served) == {}

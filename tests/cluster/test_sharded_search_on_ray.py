"""Sharded search on the two-node cluster (issue 29 parts 4 and 6): the demo shop's index split
into S = 2 and 3 shards held by actors on both nodes answers as one index does; a shard whose
only actor is killed (its pid, found through Ray and checked to be a worker of this cluster)
makes the answer partial, naming it; with two replicas per shard the killed one fails over and
the answer stays complete and equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ray_harness import HEAD_IP, WORKER_IP, ShopCluster

pytestmark = pytest.mark.slow

UNIT_TESTS = Path(__file__).resolve().parents[1] / "unit"

DRIVER = """
import json, logging, os, signal, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {unit!r})
import ray
from sharded_shop import demo_requests, demo_shop, same_answer
from shelfwise.cluster.sharded_search import start_shards
from shelfwise.search.sharded import ShardedRecall

ray.init(address=ADDRESS, logging_level=logging.ERROR, log_to_driver=False)
engine, products = demo_shop(Path(tempfile.mkdtemp(dir={root!r})), size=300)
ids, matrix = engine._require().vector.live_rows()
config = (engine.lexical_config, engine.vector_config)
requests = demo_requests(products)[:6]

def answers(recall):
    out = []
    for request in requests:
        engine.recall = None
        whole = engine.search(request)
        engine.recall = recall
        answer, missing = engine.search_reporting(request)
        engine.recall = None
        try:
            same_answer(answer, whole)
            equal = True
        except AssertionError as error:
            equal = repr(error)[:300]
        out.append({{"query": request.query, "equal": equal, "missing": sorted(missing),
                     "hits": len(answer.hits)}})
    return out

def ours(pid):
    # a Ray worker of this cluster: 'ray::ShardHost' whose ancestors include our raylet
    if "ShardHost" not in Path(f"/proc/{{pid}}/cmdline").read_bytes().decode(errors="replace"):
        return False
    at = pid
    while at > 1:
        line = Path(f"/proc/{{at}}/cmdline").read_bytes().decode(errors="replace")
        if "raylet" in line and {root!r} in line:
            return True
        at = int(Path(f"/proc/{{at}}/stat").read_text().rsplit(")", 1)[1].split()[1])
    return False

def kill(actor):
    pid, node = ray.get(actor.process.remote(), timeout=30)
    assert ours(pid), pid
    os.kill(pid, signal.SIGKILL)
    for _ in range(100):
        if not Path(f"/proc/{{pid}}").exists():
            break
        time.sleep(0.1)
    return pid, node

def nodes(fanout):
    return sorted({{ray.get(a.process.remote(), timeout=30)[1] for group in fanout.replicas for a in group}})

report = {{}}
three = start_shards(products, (ids, matrix), 3, 1, config)
report["three"] = {{"nodes": nodes(three), "answers": answers(ShardedRecall.connect(three, config[0]))}}
for group in three.replicas:
    ray.kill(group[0])
two = start_shards(products, (ids, matrix), 2, 1, config)
recall = ShardedRecall.connect(two, config[0])
report["two"] = {{"nodes": nodes(two), "answers": answers(recall)}}
report["killed"] = kill(two.replicas[1][0])
report["partial"] = answers(recall)
for group in two.replicas:
    for actor in group:
        ray.kill(actor)
replicated = start_shards(products, (ids, matrix), 2, 2, config)
report["replicated_nodes"] = nodes(replicated)
recall = ShardedRecall.connect(replicated, config[0])
report["killed_replica"] = kill(replicated.replicas[1][0])
report["failed_over"] = answers(recall)
report["replicas_left"] = [len(group) for group in replicated.replicas]
for group in replicated.replicas:
    for actor in group:
        ray.kill(actor)
print(json.dumps(report))
ray.shutdown()
"""


def test_sharded_search_on_two_nodes_equals_one_index_and_flags_a_lost_shard(
    shop_cluster: ShopCluster,
) -> None:
    cluster = shop_cluster.cluster
    code = DRIVER.format(unit=str(UNIT_TESTS), root=str(cluster.root))
    done = cluster.run_python(cluster.netns.head, code, timeout=240)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # the last JSON line: Ray's own notices (a killed worker) may come after it
    report = json.loads(next(line for line in reversed(done.stdout.splitlines()) if line.startswith("{")))
    both = sorted([HEAD_IP, WORKER_IP])
    for name in ("three", "two"):
        assert report[name]["nodes"] == both, report
        for answer in report[name]["answers"]:
            assert answer["equal"] is True, answer
            assert answer["missing"] == [] and answer["hits"] > 0
    pid, node = report["killed"]
    assert node in both and pid > 1
    for answer in report["partial"]:  # flagged, naming the lost shard, and still answered
        assert answer["missing"] == [1], answer
        assert answer["hits"] > 0
    assert report["replicated_nodes"] == both
    for answer in report["failed_over"]:
        assert answer["equal"] is True and answer["missing"] == [], answer
    assert report["replicas_left"] == [2, 1]

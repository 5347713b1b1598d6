"""The session's cluster with PostgreSQL: a task on the worker node reaches the database over the
namespaces' network with the URL `cluster up` recorded, and what it writes is read back here."""

from __future__ import annotations

import json

import psycopg
import pytest
from ray_harness import WORKER_IP, ShopCluster

pytestmark = pytest.mark.slow

WRITE_FROM_WORKER = """
import json, logging, os, ray
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

ray.init(address=ADDRESS, logging_level=logging.ERROR, log_to_driver=False)
worker = next(n["NodeID"] for n in ray.nodes() if n["Alive"] and n["NodeManagerAddress"] == "{worker_ip}")

@ray.remote(num_cpus=1)
def write(url):
    import psycopg
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE seen (node_ip text, recorded_url text)")
        conn.execute("INSERT INTO seen VALUES (%s, %s)",
                     (ray.util.get_node_ip_address(), os.environ["SHELFWISE_DATABASE_URL"]))
    return ray.util.get_node_ip_address()

strategy = NodeAffinitySchedulingStrategy(worker, soft=False)
print(json.dumps(ray.get(write.options(scheduling_strategy=strategy).remote({url!r}), timeout=90)))
ray.shutdown()
"""


def test_a_task_on_the_worker_writes_to_postgres(shop_cluster: ShopCluster) -> None:
    name = shop_cluster.new_database()
    url = shop_cluster.postgres.url(name)
    cluster = shop_cluster.cluster
    done = cluster.run_python(cluster.netns.head, WRITE_FROM_WORKER.format(worker_ip=WORKER_IP, url=url))
    assert done.returncode == 0, done.stdout + done.stderr
    assert json.loads(done.stdout.strip().splitlines()[-1]) == WORKER_IP
    with psycopg.connect(shop_cluster.postgres.local_url(name)) as conn:
        rows = conn.execute("SELECT node_ip, recorded_url FROM seen").fetchall()
    assert rows == [(WORKER_IP, shop_cluster.postgres.url())]

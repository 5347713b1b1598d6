"""Named shard actors of a serving version (issue 29: sharded search served over HTTP).

`shelfwise cluster serve --shards S --shard-replicas R` starts, before the Serve replicas, S x R
detached actors in the Ray namespace `shelfwise`, named by version, shard and replica
(`shard_name`); each builds its shard from the version's folder and the shop's catalog in its
own process (`shard_source.VersionShard`), and all are padded to the whole index's statistics.
Replica r of shard s runs on node (s + r) mod nodes, strictly. The Serve replicas find them by
name (`connect_version_shards`); an actor of the wanted name that is already alive is kept
(a redeployment of the same version), a lost one is started again. Once a deployment runs,
every shard actor it does not use (another version's, or another shard count's) is killed
(`kill_shard_actors`); `cluster serve-stop` kills them all. Every wait is bounded.

Ray is imported only inside functions."""

from __future__ import annotations

import re
from collections.abc import Collection
from pathlib import Path
from typing import Any

from shelfwise.cluster.shard_source import VersionShard
from shelfwise.cluster.sharded_search import (
    DEFAULT_TIMEOUT_S,
    RayFanout,
    ShardHost,
    alive_nodes,
    pad_shards,
    placement,
)
from shelfwise.config import LexicalConfig, VectorConfig

NAMESPACE = "shelfwise"
PREFIX = "shard:"
_NAME = re.compile(r"^shard:(?P<version>.+):(?P<number>\d+)of(?P<count>\d+):r(?P<replica>\d+)$")


def shard_name(version: str, number: int, count: int, replica: int) -> str:
    """The actor name of replica `replica` of shard `number` of `count` of `version`."""
    return f"{PREFIX}{version}:{number}of{count}:r{replica}"


def parse_shard_name(name: str) -> tuple[str, int, int, int] | None:
    """(version, shard, shard count, replica) of a shard actor's name; None for another name."""
    found = _NAME.match(name)
    if found is None:
        return None
    return found["version"], int(found["number"]), int(found["count"]), int(found["replica"])


def wanted_names(version: str, count: int, replicas: int) -> list[list[str]]:
    """`[s][r]`: the names of every shard actor a deployment of `version` uses."""
    return [[shard_name(version, s, count, r) for r in range(replicas)] for s in range(count)]


def start_version_shards(
    folder: Path,
    version: str,
    store_url: str,
    shape: tuple[int, int],
    config: tuple[LexicalConfig, VectorConfig],
    timeout_s: float = 300.0,
) -> dict[str, Any]:
    """Start (or keep) the `shape` = (shards, replicas) named actors of `version`, whose data
    folder is `folder`, and pad them; waits (at most `timeout_s` for the builds, again for the
    padding) until every one answers. A report: the actors' names, which were started, the
    whole index's document count. Call from a connected driver."""
    import ray

    count, replicas = shape
    host = ray.remote(num_cpus=0, max_restarts=0)(ShardHost)
    nodes = alive_nodes()
    groups: list[list[Any]] = []
    started: list[str] = []
    for number, names in enumerate(wanted_names(version, count, replicas)):
        group = []
        for replica, name in enumerate(names):
            actor = _existing(name)
            if actor is None:
                source = VersionShard(folder, store_url, number, count, config)
                where = placement(nodes, number, replica)
                actor = host.options(
                    name=name, namespace=NAMESPACE, lifetime="detached", scheduling_strategy=where
                ).remote(source)
                started.append(name)
            group.append(actor)
        groups.append(group)
    try:
        total = pad_shards(groups, timeout_s)
    except Exception:
        for name in started:  # a half-started version leaves no actor behind
            kill_named(name)
        raise
    return {"shards": [n for names in wanted_names(version, count, replicas) for n in names],
            "started": started, "docs": total.docs}  # fmt: skip


def connect_version_shards(
    version: str, count: int, replicas: int, timeout_s: float = DEFAULT_TIMEOUT_S
) -> RayFanout:
    """A fanout over `version`'s named shard actors (looked up by name: a replica missing is
    left out, and a shard with none is reported missing by the searches, and looked up again
    now and then: a shard actor `cluster serve` started again is found)."""
    names = wanted_names(version, count, replicas)

    def lookup(shard: int) -> list[Any]:
        return [actor for actor in map(_existing, names[shard]) if actor is not None]

    return RayFanout([lookup(s) for s in range(count)], timeout_s, lookup=lookup)


def shard_processes(names: Collection[str], timeout_s: float = DEFAULT_TIMEOUT_S) -> list[dict[str, Any]]:
    """Each named shard actor's process id and node address (what `cluster serve` prints); one
    that does not answer within `timeout_s` is listed with pid None."""
    import ray
    from ray.exceptions import GetTimeoutError, RayActorError

    found = []
    for name in names:
        actor = _existing(name)
        try:
            pid, node = ray.get(actor.process.remote(), timeout=timeout_s) if actor else (None, None)
        except (RayActorError, GetTimeoutError):
            pid, node = None, None
        found.append({"name": name, "pid": pid, "node_ip": node})
    return found


def shard_actor_names() -> list[str]:
    """The names of every shard actor in the cluster's `shelfwise` namespace."""
    import ray

    found = ray.util.list_named_actors(all_namespaces=True)
    return sorted(a["name"] for a in found if a.get("namespace") == NAMESPACE and parse_shard_name(a["name"]))


def kill_shard_actors(keep: Collection[str] = ()) -> list[str]:
    """Kill every shard actor whose name is not in `keep`; the names killed."""
    killed = [name for name in shard_actor_names() if name not in keep]
    for name in killed:
        kill_named(name)
    return killed


def kill_named(name: str) -> None:
    import ray

    actor = _existing(name)
    if actor is not None:
        ray.kill(actor, no_restart=True)


def _existing(name: str) -> Any | None:
    import ray

    try:
        return ray.get_actor(name, namespace=NAMESPACE)
    except ValueError:
        return None

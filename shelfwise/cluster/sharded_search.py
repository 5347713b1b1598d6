"""Sharded search on Ray (issue 29 part 4): each shard of the index (`shelfwise.search.sharded`)
held by R actors (replicas), spread over the nodes; a query goes to one replica of every shard.

`start_shards` builds the actors from a catalog and its vectors the driver hands over, and
`shard_actors.start_version_shards` named ones from a published serving version
(`shard_source.py`); every replica is padded to the whole index's statistics. `RayFanout` is
the `ShardFanout` that `ShardedRecall` queries through. A replica that fails (its process or
node lost, or no answer within `timeout_s`) is dropped and the same call goes to the shard's
next replica; a shard with none left is missing from the answer (`SearchEngine.
search_reporting` names it) until its actors are started again.

Ray is imported only inside functions: the actors run in Ray's worker processes."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.index.lexical import ENGLISH, LexicalAnalysis
from shelfwise.index.lexical_shard import LexicalStats, total_stats
from shelfwise.index.shards import partition
from shelfwise.records import Product
from shelfwise.search.sharded import SearchShard

DEFAULT_TIMEOUT_S = 30.0


class ShardSource(Protocol):
    """What a shard actor builds its `SearchShard` from, in its own process: the products and
    vectors handed over (`HandedShard`), or a published serving version and the shop's catalog
    (`shard_source.VersionShard`)."""

    def build(self) -> SearchShard: ...


@dataclass(frozen=True)
class HandedShard:
    """Shard `number`'s products and vectors, sent by the driver (`start_shards`)."""

    number: int
    products: list[Product]
    ordinals: list[int]
    vectors: tuple[list[str], np.ndarray, list[int]]
    config: tuple[LexicalConfig, VectorConfig]
    analysis: LexicalAnalysis = ENGLISH

    def build(self) -> SearchShard:
        from shelfwise.index.lexical_shard import LexicalShard
        from shelfwise.index.vector_shard import VectorShard
        from shelfwise.search.shard_catalog import ShardCatalog

        lexical = LexicalShard.build(self.products, self.ordinals, self.config[0], self.analysis)
        vector = VectorShard.build(*self.vectors, self.config[1])
        return SearchShard(self.number, lexical, vector, ShardCatalog(self.products, self.ordinals))


class ShardHost:
    """What a shard actor runs: one `SearchShard`, built in the actor's process from `source`."""

    def __init__(self, source: ShardSource) -> None:
        self.shard = source.build()

    def process(self) -> tuple[int, str]:
        """This replica's process id and node address (what a test kills, and checks)."""
        import ray

        return os.getpid(), ray.util.get_node_ip_address()

    def pad_once(self, total: LexicalStats) -> bool:
        """Pad to `total` unless padded already (to it: another total is a ValueError); whether
        this call padded. A named actor kept over a redeployment is padded once."""
        padded = self.shard.lexical.padded_to
        if padded is None:
            self.shard.pad(total)
            return True
        if padded != total:
            raise ValueError(f"shard {self.shard.number} is padded to {padded}, not {total}")
        return False

    def call(self, method: str, *args: object) -> object:
        if method not in (
            "stats",
            "fuzzy_terms",
            "pad",
            "doc_freqs",
            "search",
            "vocabulary",
            "browse",
            "products",
        ):
            raise ValueError(f"a shard has no method {method!r}")
        return getattr(self.shard, method)(*args)


@dataclass
class RayFanout:
    """Calls one replica of each shard, taking a shard's replicas in turn; `replicas[s]` lists
    shard s's live actors (one that fails is removed, and the call goes to the next). With
    `lookup`, a shard none of whose actors is left is looked up again (`lookup(s)`: its actors
    found by name), at most once every `lookup_every_s` seconds: a shard actor started again
    (`cluster serve` restarts a lost one) is used from then on."""

    replicas: list[list[Any]]
    timeout_s: float = DEFAULT_TIMEOUT_S
    turns: int = 0
    lookup: Callable[[int], list[Any]] | None = None
    lookup_every_s: float = 5.0
    looked_at: dict[int, float] = field(default_factory=dict)

    @property
    def shards(self) -> int:
        return len(self.replicas)

    def call(self, method: str, args: Mapping[int, tuple[object, ...]]) -> dict[int, object]:
        self.turns += 1
        pending = {s: self._submit(s, method, a) for s, a in args.items()}
        out: dict[int, object] = {}
        for s, asked in pending.items():
            while asked is not None:
                done, value = self._wait(s, *asked)
                if done:
                    out[s] = value
                    break
                asked = self._submit(s, method, args[s])
        return out

    def call_every_replica(self, method: str, args: Mapping[int, tuple[object, ...]]) -> None:
        """`method(*args[s])` on every replica of each shard s (padding); a failure raises."""
        import ray

        refs = [actor.call.remote(method, *a) for s, a in args.items() for actor in self.replicas[s]]
        ray.get(refs, timeout=self.timeout_s)

    def _submit(self, shard: int, method: str, args: tuple[object, ...]) -> tuple[Any, Any] | None:
        """(the replica asked, its answer's reference); None when the shard has no replica left."""
        live = self.replicas[shard]
        if not live and self.lookup is not None:
            now = time.monotonic()
            if now - self.looked_at.get(shard, -self.lookup_every_s) >= self.lookup_every_s:
                self.looked_at[shard] = now
                live = self.replicas[shard] = self.lookup(shard)
        if not live:
            return None
        actor = live[self.turns % len(live)]
        return actor, actor.call.remote(method, *args)

    def _wait(self, shard: int, actor: Any, ref: Any) -> tuple[bool, object]:
        """(True, result), or (False, None) after dropping the replica that failed to answer."""
        import ray
        from ray.exceptions import GetTimeoutError, RayActorError

        try:
            return True, ray.get(ref, timeout=self.timeout_s)
        except (RayActorError, GetTimeoutError):
            self.replicas[shard] = [a for a in self.replicas[shard] if a is not actor]
            return False, None


def start_shards(
    products: Sequence[Product],
    vectors: tuple[Sequence[str], np.ndarray],
    shards: int,
    replicas: int,
    config: tuple[LexicalConfig, VectorConfig],
    analysis: LexicalAnalysis = ENGLISH,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> RayFanout:
    """`shards` x `replicas` anonymous actors over the catalog handed over (ids hashed to
    shards; `vectors` as in `build_shards`), padded to the whole index's statistics. Needs a
    connected Ray driver (`ray.init`). `shard_actors.start_version_shards` builds named ones
    from a published serving version instead."""
    import ray

    host = ray.remote(num_cpus=0, max_restarts=0)(ShardHost)
    nodes = alive_nodes()
    vector_ids, matrix = vectors
    by_shard = partition(list(vector_ids), shards)
    groups: list[list[Any]] = []
    for number, positions in enumerate(partition([p.product_id for p in products], shards)):
        rows = by_shard[number]
        part = ([vector_ids[i] for i in rows], np.asarray(matrix[rows]).reshape(len(rows), -1), rows)
        source = HandedShard(number, [products[i] for i in positions], positions, part, config, analysis)
        groups.append(
            [
                host.options(scheduling_strategy=placement(nodes, number, r)).remote(source)
                for r in range(replicas)
            ]
        )
    pad_shards(groups, timeout_s * 4)
    return RayFanout(groups, timeout_s)


def alive_nodes() -> list[str]:
    """The ids of the cluster's live nodes, ordered by address (what `placement` counts on)."""
    import ray

    return [
        node for _, node in sorted((n["NodeManagerAddress"], n["NodeID"]) for n in ray.nodes() if n["Alive"])
    ]


def placement(nodes: Sequence[str], number: int, replica: int) -> Any:
    """Replica r of shard s on node (s + r) mod the number of nodes (by address), so a shard's
    replicas sit on different nodes while there are enough."""
    return _on(nodes[(number + replica) % len(nodes)])


def pad_shards(groups: Sequence[Sequence[Any]], timeout_s: float) -> LexicalStats:
    """Pad every replica of every shard (`groups[s]`, shard s's actors, each answering once it
    is built) to the whole index's statistics, the sum of each shard's own; bounded by
    `timeout_s` for the builds and again for the padding. The total."""
    import ray

    total = total_stats(ray.get([group[0].call.remote("stats") for group in groups], timeout=timeout_s))
    ray.get([actor.pad_once.remote(total) for group in groups for actor in group], timeout=timeout_s)
    return total


def _on(node_id: str) -> Any:
    """Scheduling on that node, strictly: a soft affinity let Ray place every replica on the
    driver's node after Serve had run on the cluster (seen in the test suite), so a shard's
    replicas no longer sat on different nodes. A node listed alive that is then lost makes the
    actor's creation fail (its calls time out and the shard is reported missing)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(node_id, soft=False)

"""Sharded search on Ray (issue 29 part 4): each shard of the index (`shelfwise.search.sharded`)
held by R actors (replicas), spread over the nodes; a query goes to one replica of every shard.

`start_shards` builds the actors from a catalog and its vectors and pads every replica to the
whole index's statistics; `RayFanout` is the `ShardFanout` that `ShardedRecall` queries through.
A replica that fails (its process or node lost, or no answer within `timeout_s`) is dropped and
the same call goes to the shard's next replica; a shard with none left is missing from the
answer (`SearchEngine.search_reporting` names it) until `start_shards` builds it again.

Ray is imported only inside functions: the actors run in Ray's worker processes."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.index.lexical import ENGLISH, LexicalAnalysis
from shelfwise.index.lexical_shard import total_stats
from shelfwise.index.shards import partition
from shelfwise.records import Product
from shelfwise.search.sharded import SearchShard

DEFAULT_TIMEOUT_S = 30.0


class ShardHost:
    """What a shard actor runs: one `SearchShard` (built in the actor's process)."""

    def __init__(
        self,
        number: int,
        products: list[Product],
        ordinals: list[int],
        vectors: tuple[list[str], np.ndarray, list[int]],
        config: tuple[LexicalConfig, VectorConfig],
        analysis: LexicalAnalysis = ENGLISH,
    ) -> None:
        ids, matrix, rows = vectors
        from shelfwise.index.lexical_shard import LexicalShard
        from shelfwise.index.vector_shard import VectorShard

        lexical = LexicalShard.build(products, ordinals, config[0], analysis)
        self.shard = SearchShard(number, lexical, VectorShard.build(ids, matrix, rows, config[1]))

    def process(self) -> tuple[int, str]:
        """This replica's process id and node address (what a test kills, and checks)."""
        import ray

        return os.getpid(), ray.util.get_node_ip_address()

    def call(self, method: str, *args: object) -> object:
        if method not in ("stats", "fuzzy_terms", "pad", "doc_freqs", "search"):
            raise ValueError(f"a shard has no method {method!r}")
        return getattr(self.shard, method)(*args)


@dataclass
class RayFanout:
    """Calls one replica of each shard, taking a shard's replicas in turn; `replicas[s]` lists
    shard s's live actors (one that fails is removed, and the call goes to the next)."""

    replicas: list[list[Any]]
    timeout_s: float = DEFAULT_TIMEOUT_S
    turns: int = 0

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
    """`shards` x `replicas` actors over the catalog (ids hashed to shards; `vectors` as in
    `build_shards`), all padded to the whole index's statistics. Replica r of shard s goes to
    node (s + r) mod the number of nodes (by address), so a shard's replicas sit on different
    nodes while there are enough. Needs a connected Ray driver (`ray.init`)."""
    import ray

    host = ray.remote(num_cpus=0, max_restarts=0)(ShardHost)
    alive = sorted((n["NodeManagerAddress"], n["NodeID"]) for n in ray.nodes() if n["Alive"])
    nodes = [node for _, node in alive]
    vector_ids, matrix = vectors
    by_shard = partition(list(vector_ids), shards)
    groups: list[list[Any]] = []
    for number, positions in enumerate(partition([p.product_id for p in products], shards)):
        rows = by_shard[number]
        part = ([vector_ids[i] for i in rows], np.asarray(matrix[rows]).reshape(len(rows), -1), rows)
        mine = [products[i] for i in positions]
        made = [
            host.options(scheduling_strategy=_on(nodes[(number + r) % len(nodes)])).remote(
                number, mine, positions, part, config, analysis
            )
            for r in range(replicas)
        ]
        groups.append(made)
    fanout = RayFanout(groups, timeout_s)
    stats = ray.get([group[0].call.remote("stats") for group in groups], timeout=timeout_s * 4)
    total = total_stats(stats)
    fanout.call_every_replica("pad", {s: (total,) for s in range(shards)})
    return fanout


def _on(node_id: str) -> Any:
    """Scheduling on that node, strictly: a soft affinity let Ray place every replica on the
    driver's node after Serve had run on the cluster (seen in the test suite), so a shard's
    replicas no longer sat on different nodes. A node listed alive that is then lost makes the
    actor's creation fail (its calls time out and the shard is reported missing)."""
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    return NodeAffinitySchedulingStrategy(node_id, soft=False)

"""Recall from an index split into shards (no Ray here: shards are reached through a
`ShardFanout`, in this process or on Ray actors, `shelfwise.cluster.sharded_search`).

A query costs two rounds. First the lexical plan's document frequencies (`QueryReader.
frequencies_needed`) are asked of every shard and summed, and the clauses are planned with them
exactly as one index plans them (typo neighbours from the union of the shards' vocabularies).
Then every shard gets the clauses with their global frequencies, the query vector and, when
filters apply, the filters (it applies them to its own products, `shard_catalog.py`); it
answers its best lexical and vector candidates (`lexical_shard`, `vector_shard`) and the
cosines of its lexical ones. The merged lists are one index's
(`merge_top_k`). A shard that does not answer is left out and named in `Recalled.missing`: the
answer says it is partial rather than silently shrinking."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from shelfwise.config import LexicalConfig, VectorConfig
from shelfwise.index.lexical import ENGLISH, FuzzyVocabulary, LexicalAnalysis, LexicalIndex
from shelfwise.index.lexical_plan import QueryReader, TermClause
from shelfwise.index.lexical_shard import LexicalShard, LexicalStats, total_stats
from shelfwise.index.shards import Scored, merge_top_k, partition
from shelfwise.index.vector_shard import VectorShard
from shelfwise.records import Filters, Product
from shelfwise.search.live_index import LiveIndex
from shelfwise.search.retrieval import Recalled, RecallRequest
from shelfwise.search.shard_catalog import Appearance, BrowsePart, BrowseQuery, ShardCatalog


@dataclass(frozen=True)
class ShardQuery:
    """What one shard is asked for one query (see `SearchShard.search`)."""

    clauses: list[TermClause]
    doc_freqs: list[int]
    lexical_depth: int
    query_vector: np.ndarray | None
    vector_depth: int
    filters: Filters | None = None
    """when filters apply: the shard adds the best of its products that pass them"""


@dataclass(frozen=True)
class ShardAnswer:
    lexical: list[Scored]
    vector: list[Scored]
    allowed: list[Scored]
    """the best among the allowed products (empty without filters)"""
    similarities: dict[str, float]
    """the cosine of each lexical candidate holding a vector here"""


class SearchShard:
    """One shard: the lexical and vector index of the products whose id hashes to `number`,
    and those products (`ShardCatalog`: filters, facets, browsing)."""

    def __init__(
        self, number: int, lexical: LexicalShard, vector: VectorShard, catalog: ShardCatalog
    ) -> None:
        self.number = number
        self.lexical = lexical
        self.vector = vector
        self.catalog = catalog

    @classmethod
    def build(
        cls,
        number: int,
        products: Sequence[Product],
        vectors: np.ndarray,
        ordinals: Sequence[int],
        config: tuple[LexicalConfig, VectorConfig],
        analysis: LexicalAnalysis = ENGLISH,
    ) -> SearchShard:
        """`vectors[i]` is `products[i]`'s (normalised) vector; `ordinals` their catalog positions."""
        ids = [p.product_id for p in products]
        lexical = LexicalShard.build(products, ordinals, config[0], analysis)
        vector = VectorShard.build(ids, vectors, ordinals, config[1])
        return cls(number, lexical, vector, ShardCatalog(products, ordinals))

    def stats(self) -> LexicalStats:
        return self.lexical.stats

    def fuzzy_terms(self) -> list[str]:
        return self.lexical.fuzzy_terms()

    def pad(self, total: LexicalStats) -> None:
        self.lexical.pad(total)

    def doc_freqs(self, pairs: Sequence[tuple[str, str]]) -> list[int]:
        return self.lexical.doc_freqs(pairs)

    def vocabulary(self) -> dict[str, dict[str, Appearance]]:
        return self.catalog.vocabulary()

    def browse(self, query: BrowseQuery) -> BrowsePart:
        return self.catalog.browse(query)

    def products(self, product_ids: Sequence[str]) -> dict[str, Product]:
        """These products of the shard (without descriptions: `shard_catalog.slim`)."""
        return self.catalog.products_of(product_ids)

    def search(self, query: ShardQuery) -> ShardAnswer:
        lexical = self.lexical.search(query.clauses, query.doc_freqs, query.lexical_depth)
        vector = query.query_vector
        best: list[Scored] = []
        allowed: list[Scored] = []
        sims: dict[str, float] = {}
        if vector is not None:
            best = self.vector.search(vector, query.vector_depth)
            if query.filters is not None:
                allowed = self.vector.search(vector, query.vector_depth, self.catalog.allowed(query.filters))
            sims = self.vector.similarities(vector, [c.product_id for c in lexical])
        return ShardAnswer(lexical, best, allowed, sims)


class ShardFanout(Protocol):
    """Calls a method of one copy of each shard (with failover between a shard's replicas)."""

    @property
    def shards(self) -> int: ...

    def call(self, method: str, args: Mapping[int, tuple[object, ...]]) -> dict[int, object]:
        """`method(*args[s])` on each shard s of `args`, at once; the results of the shards that
        answered (a shard none of whose replicas answers is absent)."""
        ...


class InProcessFanout:
    """Shards held by this process (tests, and one machine); `down` ones never answer."""

    def __init__(self, shards: Sequence[SearchShard], down: frozenset[int] = frozenset()) -> None:
        self._shards = list(shards)
        self.down = down

    @property
    def shards(self) -> int:
        return len(self._shards)

    def call(self, method: str, args: Mapping[int, tuple[object, ...]]) -> dict[int, object]:
        return {s: getattr(self._shards[s], method)(*a) for s, a in args.items() if s not in self.down}


def build_shards(
    products: Sequence[Product],
    vectors: tuple[Sequence[str], np.ndarray],
    count: int,
    config: tuple[LexicalConfig, VectorConfig],
    analysis: LexicalAnalysis = ENGLISH,
) -> list[SearchShard]:
    """`count` shards of the catalog, padded to its statistics: each product in the shard its
    id hashes to. `vectors`: the (normalised) vectors' ids and matrix in the order one vector
    index holds them (their ordinals), the catalog's order being the lexical index's."""
    vector_ids, matrix = vectors
    by_shard = partition(list(vector_ids), count)
    shards = []
    for number, positions in enumerate(partition([p.product_id for p in products], count)):
        mine = [products[i] for i in positions]
        lexical = LexicalShard.build(mine, positions, config[0], analysis)
        rows = by_shard[number]
        ids = [vector_ids[i] for i in rows]
        vector = VectorShard.build(ids, matrix[rows].reshape(len(rows), -1), rows, config[1])
        shards.append(SearchShard(number, lexical, vector, ShardCatalog(mine, positions)))
    total = total_stats(s.stats() for s in shards)
    for shard in shards:
        shard.pad(total)
    return shards


class ShardedRecall:
    """Recall over the shards behind `fanout` (see the module's docstring)."""

    def __init__(self, fanout: ShardFanout, reader: QueryReader) -> None:
        self.fanout = fanout
        self.reader = reader

    @classmethod
    def connect(
        cls, fanout: ShardFanout, config: LexicalConfig, analysis: LexicalAnalysis = ENGLISH
    ) -> ShardedRecall:
        """The recall of padded shards: their typo vocabularies joined (every shard must answer)."""
        every = {s: () for s in range(fanout.shards)}
        terms = fanout.call("fuzzy_terms", every)
        if len(terms) != fanout.shards:
            raise RuntimeError(f"shards {sorted(set(every) - set(terms))} did not answer")
        vocabulary = FuzzyVocabulary(config.fuzzy_min_length)
        for s in sorted(terms):
            vocabulary.add(terms[s])  # type: ignore[arg-type]
        reader = replace(
            LexicalIndex.create(None, config, analysis).reader(), neighbours=vocabulary.neighbours
        )
        return cls(fanout, reader)

    def recall(self, live: LiveIndex, request: RecallRequest) -> Recalled:
        every = range(self.fanout.shards)
        missing: set[int] = set()
        clauses: list[TermClause] = []
        doc_freqs: list[int] = []
        if request.lexical_depth > 0:
            clauses, doc_freqs, lost = self._plan(request.query, request.alternatives)
            missing |= lost
        filters = request.filters if request.query_vector is not None else None
        query = ShardQuery(clauses, doc_freqs, request.lexical_depth, request.query_vector,
                           request.vector_depth, filters)  # fmt: skip
        asked = {s: (query,) for s in every if s not in missing}
        answers = {s: a for s, a in self.fanout.call("search", asked).items() if isinstance(a, ShardAnswer)}
        missing |= set(every) - set(answers)
        return _merged(list(answers.values()), request, frozenset(missing))

    def doc_freqs(self, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], int]:
        """Each (field, term)'s document frequency over every shard that answers."""
        totals = np.zeros(len(pairs), dtype=np.int64)
        for counts in self.fanout.call(
            "doc_freqs", {s: (list(pairs),) for s in range(self.fanout.shards)}
        ).values():
            totals += np.asarray(counts, dtype=np.int64)
        return dict(zip(pairs, totals.tolist(), strict=True))

    def _plan(
        self, query: str, alternatives: Sequence[tuple[str, float]]
    ) -> tuple[list[TermClause], list[int], set[int]]:
        """The clauses with their global frequencies, and the shards that did not answer."""
        pairs = self.reader.frequencies_needed(query, alternatives)
        if not pairs:
            return [], [], set()
        answers = self.fanout.call("doc_freqs", {s: (pairs,) for s in range(self.fanout.shards)})
        totals = np.zeros(len(pairs), dtype=np.int64)
        for counts in answers.values():
            totals += np.asarray(counts, dtype=np.int64)
        freq = dict(zip(pairs, totals.tolist(), strict=True))
        clauses = self.reader.clauses(query, alternatives, lambda f, term: freq[(f, term)])
        lost = set(range(self.fanout.shards)) - set(answers)
        return clauses, [freq[(c.field, c.token)] for c in clauses], lost


def _merged(answers: list[ShardAnswer], request: RecallRequest, missing: frozenset[int]) -> Recalled:
    lexical = [
        (c.product_id, c.score) for c in merge_top_k((a.lexical for a in answers), request.lexical_depth)
    ]
    if request.query_vector is None:
        return Recalled(lexical, [], {}, missing)
    depth = request.vector_depth
    vector = [
        (c.product_id, c.score) for c in merge_top_k((a.vector for a in answers), depth, later_first=True)
    ]
    if request.filters is not None:
        seen = {pid for pid, _ in vector}
        extra = merge_top_k((a.allowed for a in answers), depth, later_first=True)
        vector += [(c.product_id, c.score) for c in extra if c.product_id not in seen]
    seen = {pid for pid, _ in vector}
    sims = {k: v for a in answers for k, v in a.similarities.items()}
    similarities = {pid: sims[pid] for pid, _ in lexical if pid not in seen and pid in sims}
    return Recalled(lexical, vector, similarities, missing)

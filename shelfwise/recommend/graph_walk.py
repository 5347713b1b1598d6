"""Random walks over the knowledge graph: a recall channel (`graph_walk`, off by default).

The graph: items, the shoppers who interacted with them (the training sequences), the catalog's
entities (a brand; every level of a category path, "A", "A > B", ...) and catalog links
(also bought, also viewed), the nodes and edges of the product knowledge graph (graph/).
A walker at item i takes one step out and one step back to an item:

    i -> a shopper who had i -> one of that shopper's items            (weight `shopper_weight`)
    i -> one of i's brands or category levels -> an item of that entity (weight `entity_weight`)
    i -> an item the catalog links to i                                 (weight `link_weight`)

each step uniform over the node's edges, the kinds mixed by their weights (renormalised over
the kinds item i has). That is P3 (Cooper et al. 2014) over a heterogeneous graph; as in
RP3beta (Paudel et al. 2016) each transition probability is raised to `alpha` and divided by
the target item's degree ** `beta`, which keeps the walk from always ending on the most
popular items. Each row keeps its `top_n` strongest transitions. A history scores an item by
its recent items' transitions (the j-th most recent votes 1 / j ** `history_decay`).

Measured (`benchmarks/graph_walk.py`, 2026-12-08, shared 2-core machine under load): on Gift
Cards (458 shoppers, catalog brand, category and links; 3 seeds) the default recommender's
NDCG@10 0.1705 becomes 0.1725 with this channel (the catalog-links `graph` channel: 0.1741; both:
0.1778), within the seeds' spread of about 0.003; on Beauty (no catalog facts, so shopper walks
only; co-occurrence, popularity and ALS fused by the ranker, the sequential channel left out for
time) 0.0695 becomes 0.0698 and Recall@10 0.1137 becomes 0.1130. Alone it trails co-occurrence
(Beauty 0.0551 against 0.0672). No measurable help: the channel stays off by default
(`ChannelsConfig.enabled`), for shops to try on their own data.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import (
    load_csr,
    read_channel_manifest,
    save_csr,
    shape_of,
    write_channel_manifest,
)
from shelfwise.recommend.channel import ItemInfo, Recalled, TrainingData, recency_votes, top_of_sparse_rows
from shelfwise.recommend.reasons import Reason
from shelfwise.records import CATEGORY_SEPARATOR


class GraphWalkConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    shopper_weight: float = Field(default=1.0, ge=0, description="item -> shopper -> item")
    entity_weight: float = Field(default=0.1, ge=0, description="item -> brand or category -> item")
    link_weight: float = Field(default=0.2, ge=0, description="item -> catalog-linked item")
    alpha: float = Field(default=1.0, gt=0, description="transition probabilities ** alpha")
    beta: float = Field(
        default=0.0, ge=0, description="divided by the target's degree ** beta (0.5 lost on Gift Cards)"
    )
    top_n: int = Field(default=200, ge=1, description="strongest transitions kept per item")
    history_length: int = Field(default=10, ge=1, description="most recent history items that vote")
    history_decay: float = Field(default=1.0, ge=0, description="vote of the j-th most recent")


def _row_normalised(matrix: sp.csr_matrix) -> sp.csr_matrix:
    sums = np.asarray(matrix.sum(axis=1)).ravel()
    inverse = np.divide(1.0, sums, out=np.zeros_like(sums, dtype=np.float64), where=sums > 0)
    return sp.csr_matrix(sp.diags(inverse) @ matrix)


def _bipartite(rows: list[np.ndarray], n_items: int) -> sp.csr_matrix:
    """items x nodes (shoppers or entities), 1 where the item is one of the node's."""
    if not rows:
        return sp.csr_matrix((n_items, 0), dtype=np.float64)
    items = np.concatenate(rows)
    nodes = np.concatenate([np.full(len(r), k, dtype=np.int64) for k, r in enumerate(rows)])
    matrix = sp.csr_matrix((np.ones(len(items)), (items, nodes)), shape=(n_items, len(rows)))
    matrix.data[:] = 1.0  # an item listed twice by one node is one edge
    return matrix


def _two_steps(item_node: sp.csr_matrix) -> sp.csr_matrix:
    """P(item -> node) P(node -> item): each step uniform over the node's edges."""
    return sp.csr_matrix(_row_normalised(item_node) @ _row_normalised(item_node.T.tocsr()))


def _entity_rows(info: Sequence[ItemInfo | None]) -> list[np.ndarray]:
    """The items of each brand and each category level (entities of two or more items)."""
    members: dict[str, list[int]] = {}
    for i, facts in enumerate(info):
        if facts is None:
            continue
        if facts.brand.strip():
            members.setdefault("brand:" + facts.brand.strip().casefold(), []).append(i)
        levels = [level.strip() for level in facts.category.split(CATEGORY_SEPARATOR.strip())]
        for depth in range(1, len(levels) + 1):
            if levels[depth - 1]:
                key = "category:" + ">".join(levels[:depth]).casefold()
                members.setdefault(key, []).append(i)
    return [np.array(items, dtype=np.int64) for items in members.values() if len(items) >= 2]


def _links(info: Sequence[ItemInfo | None], index: dict[str, int]) -> sp.csr_matrix:
    pairs = [
        (i, index[other])
        for i, facts in enumerate(info)
        if facts is not None
        for other in (*facts.also_bought, *facts.also_viewed)
        if other in index and index[other] != i
    ]
    n = len(index)
    if not pairs:
        return sp.csr_matrix((n, n), dtype=np.float64)
    a, b = np.array(pairs, dtype=np.int64).T
    links = sp.csr_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    links = links.maximum(links.T).tocsr()  # a link listed on one side walks both ways
    links.data[:] = 1.0
    return links


def _top_per_row(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    matrix = matrix.tocsr()
    counts = np.diff(matrix.indptr)
    if counts.max(initial=0) <= k:
        return matrix
    keep = np.zeros(len(matrix.data), dtype=bool)
    for row in np.flatnonzero(counts > 0):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values = matrix.data[start:end]
        top = np.argpartition(-values, k - 1)[:k] if len(values) > k else np.arange(len(values))
        keep[start + top] = True
    matrix.data = np.where(keep, matrix.data, 0.0)
    matrix.eliminate_zeros()
    return matrix


def walk_matrix(data: TrainingData, config: GraphWalkConfig) -> sp.csr_matrix:
    """items x items: the RP3beta transition of the module's graph, `top_n` per row."""
    n = data.n_items
    infos = [data.item_info.get(item) for item in data.item_ids]
    index = {item: i for i, item in enumerate(data.item_ids)}
    kinds = [
        (config.shopper_weight, _two_steps(_bipartite([np.unique(s) for s in data.sequences if len(s)], n))),
        (config.entity_weight, _two_steps(_bipartite(_entity_rows(infos), n))),
        (config.link_weight, _row_normalised(_links(infos, index))),
    ]
    mass = np.zeros(n)
    total = sp.csr_matrix((n, n), dtype=np.float64)
    for weight, step in kinds:
        if weight <= 0 or step.nnz == 0:
            continue
        has = (np.diff(step.indptr) > 0).astype(np.float64)
        total = total + sp.diags(weight * has) @ step
        mass += weight * has
    total = sp.csr_matrix(sp.diags(np.divide(1.0, mass, out=np.zeros(n), where=mass > 0)) @ total)
    total.setdiag(0)
    total.eliminate_zeros()
    total.data **= config.alpha
    degree = np.maximum(data.item_counts().astype(np.float64), 1.0)
    total = sp.csr_matrix(total @ sp.diags(degree**-config.beta))
    return _top_per_row(total, config.top_n).astype(np.float32)


class GraphWalkChannel:
    name = "graph_walk"

    def __init__(self, config: GraphWalkConfig | None = None) -> None:
        self.config = config or GraphWalkConfig()
        self.matrix: sp.csr_matrix | None = None

    def fit(self, data: TrainingData) -> None:
        self.matrix = walk_matrix(data, self.config)
        self.matrix.sort_indices()

    def _scores(self, histories: Sequence[np.ndarray]) -> sp.csr_matrix:
        assert self.matrix is not None, "fit the channel first"
        cfg = self.config
        votes = recency_votes(histories, self.matrix.shape[0], cfg.history_length, cfg.history_decay)
        return sp.csr_matrix(votes @ self.matrix)

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        return np.asarray(self._scores(histories).toarray(), dtype=np.float32)

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled:
        """Only the transition rows of the histories' recent items are read."""
        scores = self._scores(histories)
        return Recalled(
            *top_of_sparse_rows(scores, histories, depth),
            lambda rows, items: np.asarray(scores[rows, items], dtype=np.float32).ravel(),
        )

    def score_pairs(self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return np.asarray(self._scores(histories)[rows, items], dtype=np.float32).ravel()

    def reason(self, history: np.ndarray, item: int) -> Reason | None:
        """The recent history item whose walks end on `item` most often."""
        assert self.matrix is not None, "fit the channel first"
        recent = np.asarray(history, dtype=np.int64)[-self.config.history_length :]
        if len(recent) == 0:
            return None
        strengths = np.asarray(self.matrix[recent, item].toarray()).ravel() * (recent != item)
        best = int(np.argmax(strengths))
        return Reason("graph_walk", int(recent[best])) if strengths[best] > 0 else None

    def prepare_recall(self) -> None:
        """Nothing to build: recall reads the transition rows of the histories' items."""

    def save(self, folder: Path) -> None:
        assert self.matrix is not None, "fit the channel first"
        folder.mkdir(parents=True, exist_ok=True)
        save_csr(folder, "matrix", self.matrix)
        write_channel_manifest(folder, self.name, self.config, {"matrix": list(self.matrix.shape)})

    @classmethod
    def load(cls, folder: Path) -> GraphWalkChannel:
        manifest = read_channel_manifest(folder, cls.name)
        channel = cls(GraphWalkConfig.model_validate(manifest["config"]))
        channel.matrix = load_csr(folder, "matrix", shape_of(manifest, "matrix"))
        return channel

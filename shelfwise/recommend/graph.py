"""Neighbours in the product graph the catalog itself provides: "also bought" and "also viewed"
links and items sharing a brand or a (leaf) category.

A history votes through its `history_length` most recent items (the j-th most recent with
1 / j ** `history_decay`); an item scores the votes of its neighbours times the link weight.
A link listed on one item's page only also counts backwards, at `reverse_weight` of its weight.
Two items of one brand (or one category string, the full path if the catalog gives one, so
equal strings mean the same leaf) are linked with `brand_weight / group size ** group_size_power`:
a brand of 5,000 items lends each member almost nothing, so it cannot flood the list. Links to
ids outside `item_ids` are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.channel import TrainingData, recency_votes
from shelfwise.recommend.reasons import Reason


class GraphConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    bought_weight: float = Field(default=1.0, ge=0)
    viewed_weight: float = Field(default=0.5, ge=0)
    brand_weight: float = Field(default=0.3, ge=0)
    category_weight: float = Field(default=0.1, ge=0)
    reverse_weight: float = Field(default=0.5, ge=0, le=1, description="of a link listed on one side only")
    group_size_power: float = Field(default=1.0, ge=0, description="brand/category link / size ** power")
    history_length: int = Field(default=10, ge=1, description="most recent history items that vote")
    history_decay: float = Field(
        default=1.0, ge=0, description="vote of the j-th most recent = 1 / j ** decay"
    )


class _Groups:
    """Items sharing a label: a membership matrix (items x groups, only groups of two or more)
    and each group's link weight."""

    def __init__(self, labels: Sequence[str], weight: float, power: float) -> None:
        names, codes, sizes = np.unique(
            np.asarray(labels, dtype=object), return_inverse=True, return_counts=True
        )
        kept = (sizes >= 2) & (names != "")
        renumber = np.cumsum(kept) - 1
        self.of_item = np.where(kept[codes], renumber[codes], -1)
        members = np.flatnonzero(self.of_item >= 0)
        self.member = sp.csr_matrix(
            (np.ones(len(members), dtype=np.float32), (members, self.of_item[members])),
            shape=(len(labels), int(kept.sum())),
        )
        self.weight = (weight / sizes[kept].astype(np.float64) ** power).astype(np.float32)

    def spread(self, votes: sp.csr_matrix) -> sp.csr_matrix:
        """Each history's votes passed to every member of its items' groups."""
        return (votes @ self.member @ sp.diags(self.weight)) @ self.member.T

    def link(self, anchors: np.ndarray, item: int) -> np.ndarray:
        group = self.of_item[item]
        if group < 0:
            return np.zeros(len(anchors), dtype=np.float32)
        return np.where(self.of_item[anchors] == group, self.weight[group], 0.0).astype(np.float32)


class GraphChannel:
    name = "graph"

    def __init__(self, config: GraphConfig | None = None) -> None:
        self.config = config or GraphConfig()
        self.bought: sp.csr_matrix | None = None
        self.viewed: sp.csr_matrix | None = None
        self.brands: _Groups | None = None
        self.categories: _Groups | None = None

    def fit(self, data: TrainingData) -> None:
        cfg = self.config
        index = {item: i for i, item in enumerate(data.item_ids)}
        infos = [data.item_info.get(item) for item in data.item_ids]
        bought = [info.also_bought if info else () for info in infos]
        viewed = [info.also_viewed if info else () for info in infos]
        self.bought = self._links(bought, index) * np.float32(cfg.bought_weight)
        self.viewed = self._links(viewed, index) * np.float32(cfg.viewed_weight)
        power = cfg.group_size_power
        self.brands = _Groups([info.brand.strip() if info else "" for info in infos], cfg.brand_weight, power)
        self.categories = _Groups(
            [info.category.strip() if info else "" for info in infos], cfg.category_weight, power
        )

    def _links(self, neighbours: list[tuple[str, ...]], index: dict[str, int]) -> sp.csr_matrix:
        """1 for a link listed on the source's page, `reverse_weight` for one listed only on
        the target's; no self links."""
        pairs = np.array(
            [(i, index[other]) for i, others in enumerate(neighbours) for other in others if other in index],
            dtype=np.int64,
        ).reshape(-1, 2)
        n = len(index)
        listed = sp.csr_matrix(
            (np.ones(len(pairs), dtype=np.float32), (pairs[:, 0], pairs[:, 1])), shape=(n, n)
        )
        listed.data[:] = 1.0  # a link listed twice is still one link
        links = listed.maximum(listed.T * np.float32(self.config.reverse_weight)).tocsr()
        links.setdiag(0)
        links.eliminate_zeros()
        return links.astype(np.float32)

    def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
        assert self.bought is not None and self.viewed is not None, "fit the channel first"
        assert self.brands is not None and self.categories is not None
        cfg = self.config
        votes = recency_votes(histories, self.bought.shape[0], cfg.history_length, cfg.history_decay)
        total = (
            votes @ (self.bought + self.viewed) + self.brands.spread(votes) + self.categories.spread(votes)
        )
        return np.asarray(total.toarray(), dtype=np.float32)

    def reason(self, history: np.ndarray, item: int) -> Reason | None:
        """The recent history item and link kind that give the item the largest share of its score."""
        assert self.bought is not None and self.viewed is not None, "fit the channel first"
        assert self.brands is not None and self.categories is not None
        cfg = self.config
        recent = np.asarray(history, dtype=np.int64)[-cfg.history_length :][::-1]
        if len(recent) == 0:
            return None
        vote = 1.0 / np.arange(1, len(recent) + 1, dtype=np.float64) ** cfg.history_decay
        shares = (
            np.stack(
                [
                    self.bought[recent, item].toarray().ravel(),
                    self.viewed[recent, item].toarray().ravel(),
                    self.brands.link(recent, item),
                    self.categories.link(recent, item),
                ]
            )
            * vote
            * (recent != item)
        )
        kind, best = np.unravel_index(int(np.argmax(shares)), shares.shape)
        if shares[kind, best] <= 0:
            return None
        kinds = ("bought_with", "viewed_with", "same_brand", "same_category")
        return Reason(kinds[kind], int(recent[best]))

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
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import (
    load_array,
    load_csr,
    read_channel_manifest,
    save_array,
    save_csr,
    shape_of,
    write_channel_manifest,
)
from shelfwise.recommend.channel import Recalled, TrainingData, dense_recall, recency_votes
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


@dataclass(frozen=True)
class _Groups:
    """Items sharing a label: a membership matrix (items x groups, only groups of two or more),
    each item's group (-1 for none) and each group's link weight."""

    of_item: np.ndarray
    member: sp.csr_matrix
    weight: np.ndarray

    @classmethod
    def of_labels(cls, labels: Sequence[str], weight: float, power: float) -> _Groups:
        names, codes, sizes = np.unique(
            np.asarray(labels, dtype=object), return_inverse=True, return_counts=True
        )
        kept = (sizes >= 2) & (names != "")
        renumber = np.cumsum(kept) - 1
        of_item = np.where(kept[codes], renumber[codes], -1)
        members = np.flatnonzero(of_item >= 0)
        member = sp.csr_matrix(
            (np.ones(len(members), dtype=np.float32), (members, of_item[members])),
            shape=(len(labels), int(kept.sum())),
        )
        return cls(of_item, member, (weight / sizes[kept].astype(np.float64) ** power).astype(np.float32))

    def save(self, folder: Path, name: str) -> None:
        save_array(folder, f"{name}.of_item", self.of_item)
        save_array(folder, f"{name}.weight", self.weight)
        save_csr(folder, f"{name}.member", self.member)

    @classmethod
    def load(cls, folder: Path, name: str) -> _Groups:
        of_item, weight = load_array(folder, f"{name}.of_item"), load_array(folder, f"{name}.weight")
        member = load_csr(folder, f"{name}.member", (len(of_item), len(weight)))
        return cls(of_item, member, weight)

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
        brands = [info.brand.strip() if info else "" for info in infos]
        self.brands = _Groups.of_labels(brands, cfg.brand_weight, power)
        self.categories = _Groups.of_labels(
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

    def recall(self, histories: Sequence[np.ndarray], depth: int) -> Recalled:
        """By scoring every item: the graph has no faster way to its best items."""
        return dense_recall(self, histories, depth)

    def score_pairs(self, histories: Sequence[np.ndarray], rows: np.ndarray, items: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        return self.score(histories)[rows, items]

    def prepare_recall(self) -> None:
        """Nothing to build: recall scores every item."""

    def save(self, folder: Path) -> None:
        """manifest.json, the link matrices and the brand and category groups (CSR and .npy)."""
        assert self.bought is not None and self.viewed is not None, "fit the channel first"
        assert self.brands is not None and self.categories is not None
        folder.mkdir(parents=True, exist_ok=True)
        save_csr(folder, "bought", self.bought)
        save_csr(folder, "viewed", self.viewed)
        self.brands.save(folder, "brands")
        self.categories.save(folder, "categories")
        sizes = {"links": list(self.bought.shape), "brands": len(self.brands.weight),
                 "categories": len(self.categories.weight)}  # fmt: skip
        write_channel_manifest(folder, self.name, self.config, sizes)

    @classmethod
    def load(cls, folder: Path) -> GraphChannel:
        manifest = read_channel_manifest(folder, cls.name)
        channel = cls(GraphConfig.model_validate(manifest["config"]))
        shape = shape_of(manifest, "links")
        channel.bought, channel.viewed = load_csr(folder, "bought", shape), load_csr(folder, "viewed", shape)
        channel.brands = _Groups.load(folder, "brands")
        channel.categories = _Groups.load(folder, "categories")
        return channel

"""The learned ranker over recall channels: LightGBM LambdaMART on candidate features.

Candidates are the union of each channel's top items for a history (its own items excluded).
Features: each channel's score and rank (absent = one past the channel's depth), the item's
popularity, the history's length, the text similarity of the candidate to the latest item, how
many channels proposed it, and whether the item has no events at all (a cold item, which only
text can reach; the recommender shows the ranker such items by hiding some items' events). The
ranker learns from next-item targets: histories whose true next item was held out of every
channel's training data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import lightgbm as lgb
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import load_array, save_array
from shelfwise.recommend.channel import RecallChannel, row_dots, top_k
from shelfwise.recommend.review_features import REVIEW_FEATURE_NAMES

RANKER_MODEL_FILE = "ranker.lgb.txt"
RANKER_SETTINGS_FILE = "ranker.json"


class ChannelRankerConfig(BaseModel):
    """How the recommender's LightGBM ranker that fuses the recall channels' candidates is trained."""

    model_config = ConfigDict(frozen=True)

    depth: int = Field(default=100, ge=1, description="candidates taken from each channel")
    trees: int = Field(default=400, ge=1, description="at most this many boosting rounds")
    learning_rate: float = Field(default=0.05, gt=0)
    leaves: int = Field(default=31, ge=2)
    min_data_in_leaf: int = Field(default=20, ge=1)
    early_stopping_rounds: int = Field(default=30, ge=1)
    validation_fraction: float = Field(default=0.2, gt=0, lt=1)
    threads: int = Field(default=2, ge=1)
    seed: int = 0
    review_features: bool = Field(
        default=False,
        description="add each item's review count, Bayesian and sentiment-weighted rating (when the "
        "data has reviews); off by default: kept only where it measurably helps (docs/benchmarks.md)",
    )


@dataclass
class Candidates:
    """Candidates of a batch of histories: `group[i]` rows belong to history i, in order."""

    items: np.ndarray  # (rows,) item indices
    features: np.ndarray  # (rows, n_features) float32
    group: np.ndarray  # (n_histories,) row counts


class CandidateBuilder:
    """Turns channel scores into candidate rows with features."""

    def __init__(
        self,
        channels: Sequence[RecallChannel],
        item_counts: np.ndarray,
        item_vectors: np.ndarray | None,
        depth: int,
        sparse: bool = False,
        item_reviews: np.ndarray | None = None,
    ) -> None:
        self.channels = list(channels)
        self.item_reviews = item_reviews  # (items, 3): `review_features.item_review_features`
        self.sparse = sparse  # candidates from each channel's recall, not from scoring every item
        self.item_counts = np.asarray(item_counts)
        self.log_popularity = np.log1p(item_counts.astype(np.float32))
        self.is_cold = np.asarray(item_counts) == 0
        self.item_vectors = item_vectors
        self.depth = depth

    @property
    def feature_names(self) -> list[str]:
        names = []
        for channel in self.channels:
            names += [f"{channel.name}_score", f"{channel.name}_rank"]
        names += ["log_popularity", "history_length", "text_sim_last", "channels_proposing", "is_cold"]
        return names + ([] if self.item_reviews is None else list(REVIEW_FEATURE_NAMES))

    def build(self, histories: Sequence[np.ndarray]) -> Candidates:
        if self.sparse:
            rows, cols, all_scores, ranks = self._sparse_candidates(histories)
        else:
            rows, cols, all_scores, ranks = self._dense_candidates(histories)
        proposing = np.sum([rank < self.depth for rank in ranks], axis=0) if ranks else np.zeros(len(rows))
        features = []
        for chosen, rank in zip(all_scores, ranks, strict=True):
            features += [chosen, rank]
        lengths = np.array([len(h) for h in histories], dtype=np.float32)
        features += [self.log_popularity[cols], lengths[rows], self._text_similarity(histories, rows, cols)]
        features.append(proposing.astype(np.float32))
        features.append(self.is_cold[cols].astype(np.float32))
        if self.item_reviews is not None:
            features += list(self.item_reviews[cols].T)
        return Candidates(
            items=cols.astype(np.int64),
            features=np.stack(features, axis=1).astype(np.float32),
            group=np.bincount(rows, minlength=len(histories)).astype(np.int64),
        )

    def _dense_candidates(
        self, histories: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """Candidate (row, item) pairs, row-major, from every channel's scores of every item,
        with each channel's score and rank of them."""
        all_scores = [channel.score(histories) for channel in self.channels]
        full_ranks = []
        for scores in all_scores:
            for row, history in enumerate(histories):
                scores[row, history] = -np.inf
            top, _ = top_k(scores, self.depth)
            rank = np.full(scores.shape, self.depth, dtype=np.float32)
            np.put_along_axis(rank, top, np.arange(top.shape[1], dtype=np.float32)[None, :], axis=1)
            # an item a channel has no opinion on is not its candidate, whatever its rank
            rank[~np.isfinite(scores) | (scores == 0)] = self.depth
            full_ranks.append(rank)
        if not full_ranks:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty, [], []
        rows, cols = np.nonzero(np.any([rank < self.depth for rank in full_ranks], axis=0))
        chosen = []
        for scores in all_scores:
            picked = scores[rows, cols]
            chosen.append(np.where(np.isfinite(picked), picked, 0.0).astype(np.float32))
        return rows, cols, chosen, [rank[rows, cols] for rank in full_ranks]

    def _sparse_candidates(
        self, histories: Sequence[np.ndarray]
    ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
        """The same candidates from each channel's recall of its `depth` best items (never a
        score for every item), in the same row-major order."""
        n_items = np.int64(len(self.log_popularity))
        keyed = []
        recalled = [channel.recall(histories, self.depth) for channel in self.channels]
        for found_by in recalled:
            items = found_by.items
            found = items >= 0
            rows = np.broadcast_to(np.arange(len(histories))[:, None], items.shape)[found]
            places = np.arange(items.shape[1], dtype=np.float32)
            positions = np.broadcast_to(places[None, :], items.shape)[found]
            keys = rows.astype(np.int64) * n_items + items[found]
            order = np.argsort(keys)
            keyed.append((keys[order], positions[order]))
        keys = np.unique(np.concatenate([np.zeros(0, dtype=np.int64)] + [k for k, _ in keyed]))
        rows, cols = keys // n_items, keys % n_items
        ranks = []
        for channel_keys, positions in keyed:
            at = np.minimum(np.searchsorted(channel_keys, keys), max(0, len(channel_keys) - 1))
            hit = channel_keys[at] == keys if len(channel_keys) else np.zeros(len(keys), dtype=bool)
            ranks.append(np.where(hit, positions[at] if len(positions) else 0, self.depth).astype(np.float32))
        scores = [found_by.pair_scores(rows, cols) for found_by in recalled]  # the recall's own queries
        return rows, cols, scores, ranks

    def _text_similarity(
        self, histories: Sequence[np.ndarray], rows: np.ndarray, cols: np.ndarray
    ) -> np.ndarray:
        if self.item_vectors is None:
            return np.zeros(len(rows), dtype=np.float32)
        last = np.array([h[-1] if len(h) else -1 for h in histories], dtype=np.int64)
        sims = row_dots(self.item_vectors[np.maximum(last, 0)], rows, self.item_vectors, cols)
        return np.where(last[rows] >= 0, sims, 0.0).astype(np.float32)


class LearnedRanker:
    """LambdaMART over candidate features, early-stopped on held-out histories."""

    def __init__(self, config: ChannelRankerConfig | None = None) -> None:
        self.config = config or ChannelRankerConfig()
        self.booster: lgb.Booster | None = None
        self.validation_groups = np.zeros(0, dtype=np.int64)  # histories held out of training

    def fit(self, candidates: Candidates, targets: np.ndarray, feature_names: list[str]) -> None:
        """`targets[i]` is history i's true next item."""
        cfg = self.config
        starts = np.concatenate([[0], np.cumsum(candidates.group)[:-1]])
        history_of_row = np.repeat(np.arange(len(candidates.group)), candidates.group)
        labels = (candidates.items == targets[history_of_row]).astype(np.float32)
        has_target = np.bincount(history_of_row, weights=labels, minlength=len(candidates.group)) > 0
        useful = np.flatnonzero(has_target & (candidates.group > 1))
        if len(useful) < 10:
            raise ValueError(
                f"only {len(useful)} held-out next items are among the candidates: too few to rank"
            )
        rng = np.random.default_rng(cfg.seed)
        shuffled = rng.permutation(useful)
        n_valid = max(1, int(len(shuffled) * cfg.validation_fraction))
        parts = []
        for chosen in (np.sort(shuffled[n_valid:]), np.sort(shuffled[:n_valid])):
            index = np.concatenate([np.arange(starts[i], starts[i] + candidates.group[i]) for i in chosen])
            parts.append(
                lgb.Dataset(
                    candidates.features[index],
                    labels[index],
                    group=candidates.group[chosen],
                    feature_name=feature_names,
                    free_raw_data=False,
                )
            )
        params = {
            "objective": "lambdarank",
            "metric": "ndcg",
            "eval_at": [10],
            "learning_rate": cfg.learning_rate,
            "num_leaves": cfg.leaves,
            "min_data_in_leaf": cfg.min_data_in_leaf,
            "num_threads": cfg.threads,
            "seed": cfg.seed,
            "deterministic": True,
            "force_row_wise": True,
            "verbose": -1,
        }
        self.validation_groups = np.sort(shuffled[:n_valid])
        self.booster = lgb.train(
            params,
            parts[0],
            num_boost_round=cfg.trees,
            valid_sets=[parts[1]],
            callbacks=[lgb.early_stopping(cfg.early_stopping_rounds, verbose=False)],
        )

    def predict(self, candidates: Candidates) -> np.ndarray:
        assert self.booster is not None, "fit the ranker first"
        scores = self.booster.predict(candidates.features, num_iteration=self.booster.best_iteration)
        return np.asarray(scores)

    def save(self, folder: Path) -> None:
        """LightGBM's own text model (every tree; the best iteration beside it in ranker.json)
        and the held-out histories."""
        assert self.booster is not None, "fit the ranker first"
        folder.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(folder / RANKER_MODEL_FILE), num_iteration=-1)
        save_array(folder, "validation_groups", self.validation_groups)
        best = self.booster.best_iteration
        settings = {"config": self.config.model_dump(mode="json"), "best_iteration": best}
        (folder / RANKER_SETTINGS_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> LearnedRanker:
        settings = json.loads((folder / RANKER_SETTINGS_FILE).read_text(encoding="utf-8"))
        ranker = cls(ChannelRankerConfig.model_validate(settings["config"]))
        ranker.booster = lgb.Booster(model_file=str(folder / RANKER_MODEL_FILE))
        ranker.booster.best_iteration = int(settings["best_iteration"])
        ranker.validation_groups = load_array(folder, "validation_groups")
        return ranker


def reciprocal_rank_scores(candidates: Candidates, n_channels: int, depth: int) -> np.ndarray:
    """Reciprocal rank fusion of the channels' ranks (features 1, 3, 5...): the fallback fusion."""
    ranks = candidates.features[:, 1 : 2 * n_channels : 2]
    return ((ranks < depth) / (60.0 + ranks)).sum(axis=1)


def ndcg_at_10(candidates: Candidates, scores: np.ndarray, targets: np.ndarray, groups: np.ndarray) -> float:
    """Mean NDCG@10 of the true next items over the chosen histories (0 where not a candidate)."""
    starts = np.concatenate([[0], np.cumsum(candidates.group)[:-1]])
    total = 0.0
    for g in groups:
        rows = slice(starts[g], starts[g] + candidates.group[g])
        hit = np.flatnonzero(candidates.items[rows] == targets[g])
        if len(hit):
            mine = scores[rows][hit[0]]
            # ties share the places they span: a constant scorer must not look perfect
            rank = int((scores[rows] > mine).sum() + ((scores[rows] == mine).sum() - 1) / 2)
            total += 1.0 / np.log2(rank + 2.0) if rank < 10 else 0.0
    return total / max(1, len(groups))

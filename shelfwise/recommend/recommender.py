"""The Recommender: recall channels fused by a learned ranker, fitted on interaction sequences.

Fitting holds out the latest item of a share of the shoppers (`ranker_fraction`) from every
channel's training data; those (history, next item) pairs teach the ranker how to weigh the
channels, and a sample of them stops the sequential model's training early. Channels see
everything else. When the data is too small to learn a ranker, channels are fused by reciprocal
rank instead, and the fit report says so.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.channel import RecallChannel, TrainingData
from shelfwise.recommend.channels import ChannelsConfig, build_channels
from shelfwise.recommend.ranker import (
    CandidateBuilder,
    Candidates,
    LearnedRanker,
    RankerConfig,
    ndcg_at_10,
    reciprocal_rank_scores,
)
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig

logger = logging.getLogger(__name__)

Progress = Callable[[str], None]


class RecommenderConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    ranker: RankerConfig = Field(default_factory=RankerConfig)
    ranker_fraction: float = Field(
        default=0.3, gt=0, lt=1, description="share of shoppers whose latest item teaches the ranker"
    )
    early_stopping_histories: int = Field(
        default=3000, ge=100, description="held-out histories that stop the sequential model"
    )
    batch_size: int = Field(default=1024, ge=1, description="histories scored at once")
    min_ranker_validation: int = Field(
        default=100, ge=1, description="held-out histories needed to trust the ranker over rank fusion"
    )
    seed: int = 0


def recommender_config(channels: str, threads: int = 2, seed: int = 0) -> RecommenderConfig:
    """A config from command-line options: comma-separated channel names, threads and a seed."""
    names = tuple(name.strip() for name in channels.split(",") if name.strip())
    return RecommenderConfig(
        channels=ChannelsConfig.model_validate(
            {"enabled": names, "sequential": SequentialConfig(threads=threads, seed=seed)}
        ),
        ranker=RankerConfig(threads=threads, seed=seed),
        seed=seed,
    )


@dataclass
class FitReport:
    channels: list[str]
    ranker_histories: int
    fused_by: str  # "ranker" or "reciprocal-rank"
    seconds: dict[str, float] = field(default_factory=dict)
    sequential_epochs: int | None = None
    sequential_validation_ndcg: float | None = None
    validation_ndcg: dict[str, float] = field(default_factory=dict)  # fusion -> held-out NDCG@10


def hold_out_latest(
    data: TrainingData, fraction: float, seed: int
) -> tuple[TrainingData, np.ndarray, np.ndarray]:
    """Channel training data without the latest item of a random `fraction` of the shoppers
    with at least 3 items, and those shoppers' indices and held-out items."""
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero([len(s) >= 3 for s in data.sequences])
    chosen = np.sort(rng.choice(eligible, size=int(len(eligible) * fraction), replace=False))
    sequences = list(data.sequences)
    timestamps = None if data.timestamps is None else list(data.timestamps)
    targets = np.array([sequences[u][-1] for u in chosen], dtype=np.int64)
    for u in chosen:
        sequences[u] = sequences[u][:-1]
        if timestamps is not None:
            timestamps[u] = timestamps[u][:-1]
    held = TrainingData(data.item_ids, sequences, timestamps, data.item_vectors, data.item_info)
    return held, chosen, targets


class Recommender:
    def __init__(self, config: RecommenderConfig | None = None) -> None:
        self.config = config or RecommenderConfig()
        self.channels: list[RecallChannel] = []
        self.builder: CandidateBuilder | None = None
        self.ranker: LearnedRanker | None = None

    def fit(self, data: TrainingData, progress: Progress | None = None) -> FitReport:
        cfg = self.config
        say = progress or (lambda message: None)
        seconds: dict[str, float] = {}
        channel_data, ranker_users, targets = hold_out_latest(data, cfg.ranker_fraction, cfg.seed)
        histories = [channel_data.sequences[u] for u in ranker_users]
        self.channels = build_channels(cfg.channels, data)
        report = FitReport([c.name for c in self.channels], len(ranker_users), "ranker", seconds)
        for channel in self.channels:
            started = time.perf_counter()
            if isinstance(channel, SequentialChannel) and len(histories) >= 10:
                sample = np.random.default_rng(cfg.seed).permutation(len(histories))
                sample = np.sort(sample[: cfg.early_stopping_histories])
                channel.fit(
                    channel_data,
                    validation=([histories[i] for i in sample], targets[sample]),
                    report=lambda epoch, loss, ndcg, secs: say(
                        f"sequential epoch {epoch}: loss {loss:.3f}, held-out NDCG@10 "
                        f"{'-' if ndcg is None else f'{ndcg:.4f}'} ({secs:.0f} s)"
                    ),
                )
                report.sequential_epochs = channel.epochs_trained
                report.sequential_validation_ndcg = channel.best_validation
            else:
                channel.fit(channel_data)
            seconds[channel.name] = time.perf_counter() - started
            say(f"fitted {channel.name} in {seconds[channel.name]:.1f} s")
        self.builder = CandidateBuilder(
            self.channels, channel_data.item_counts(), data.item_vectors, cfg.ranker.depth
        )
        started = time.perf_counter()
        candidates = self._candidates(histories)
        ranker = LearnedRanker(cfg.ranker)
        self.ranker = None
        report.fused_by = "reciprocal-rank"
        try:
            ranker.fit(candidates, targets, self.builder.feature_names)
        except ValueError as error:
            logger.info("no learned ranker: %s", error)
        else:
            # the learned ranker must beat plain reciprocal rank fusion on histories it did not see
            groups = ranker.validation_groups
            learned = ndcg_at_10(candidates, ranker.predict(candidates), targets, groups)
            fallback = ndcg_at_10(candidates, self._reciprocal_rank(candidates), targets, groups)
            report.validation_ndcg = {"ranker": learned, "reciprocal-rank": fallback}
            if learned > fallback and len(groups) >= cfg.min_ranker_validation:
                self.ranker, report.fused_by = ranker, "ranker"
        seconds["ranker"] = time.perf_counter() - started
        say(f"ranker ({report.fused_by}) in {seconds['ranker']:.1f} s")
        return report

    def _candidates(self, histories: Sequence[np.ndarray]) -> Candidates:
        assert self.builder is not None
        parts = [
            self.builder.build(histories[start : start + self.config.batch_size])
            for start in range(0, len(histories), self.config.batch_size)
        ]
        return Candidates(
            items=np.concatenate([p.items for p in parts]) if parts else np.zeros(0, np.int64),
            features=np.concatenate([p.features for p in parts]) if parts else np.zeros((0, 0), np.float32),
            group=np.concatenate([p.group for p in parts]) if parts else np.zeros(0, np.int64),
        )

    def recommend(self, histories: Sequence[np.ndarray], k: int) -> list[list[tuple[int, float]]]:
        """The k best items for each history (its own items excluded), best first, with scores."""
        assert self.builder is not None, "fit the recommender first"
        out: list[list[tuple[int, float]]] = []
        for start in range(0, len(histories), self.config.batch_size):
            batch = histories[start : start + self.config.batch_size]
            candidates = self.builder.build(batch)
            scores = self._fuse(candidates)
            offset = 0
            for count in candidates.group:
                items = candidates.items[offset : offset + count]
                item_scores = scores[offset : offset + count]
                order = np.argsort(-item_scores, kind="stable")[:k]
                out.append([(int(items[i]), float(item_scores[i])) for i in order])
                offset += count
        return out

    def recommend_one(self, history: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The k best items for one history, their scores, and each channel's rank of them
        (rows of `(k, n_channels)`; the channel depth where a channel did not propose it)."""
        assert self.builder is not None, "fit the recommender first"
        candidates = self.builder.build([history])
        scores = self._fuse(candidates)
        order = np.argsort(-scores, kind="stable")[:k]
        ranks = candidates.features[order][:, 1 : 2 * len(self.builder.channels) : 2]
        return candidates.items[order], scores[order], ranks

    def _fuse(self, candidates: Candidates) -> np.ndarray:
        if self.ranker is not None:
            return self.ranker.predict(candidates)
        return self._reciprocal_rank(candidates)

    def _reciprocal_rank(self, candidates: Candidates) -> np.ndarray:
        assert self.builder is not None
        return reciprocal_rank_scores(candidates, len(self.builder.channels), self.builder.depth)

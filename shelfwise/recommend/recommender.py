"""The Recommender: recall channels fused by a learned ranker, fitted on interaction sequences.

Fitting holds out the latest item of a share of the shoppers (`ranker_fraction`) from every
channel's training data; those (history, next item) pairs teach the ranker how to weigh the
channels, and a sample of them stops the sequential model's training early. Channels see
everything else. When the data is too small to learn a ranker, channels are fused by reciprocal
rank instead, and the fit report says so.

Cold items (no events, only a text) would never be a ranker's positive example, so the ranker
would learn that an item without popularity or co-occurrence is never the next one. To teach it
otherwise, every event of a random `cold_item_share` of the items with events is hidden while
the channels are fitted and the ranker's candidates are built: the ranker's examples whose true
next item is one of them look exactly like a shopper reaching for a new item (zero popularity,
`is_cold` set, only text-based channels proposing it). After the ranker is fitted, every channel
except the sequential model (the slow one) is fitted again with those events put back, so the
hidden items are not treated as new in production; the sequential model knows them by their
text only.

`cold_slots` is a second, explicit policy: that many places of each list are kept for the best
items without events (see `diversity.reserve_cold_slots`); 0 leaves the ranking alone.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import ArtifactError, load_array, read_manifest, save_array, write_manifest
from shelfwise.recommend.channel import RecallChannel, TrainingData
from shelfwise.recommend.channels import ChannelsConfig, build_channels, load_channel
from shelfwise.recommend.content import ContentChannel
from shelfwise.recommend.diversity import reserve_cold_slots
from shelfwise.recommend.ranker import (
    CandidateBuilder,
    Candidates,
    ChannelRankerConfig,
    LearnedRanker,
    ndcg_at_10,
    reciprocal_rank_scores,
)
from shelfwise.recommend.review_features import item_review_features
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig, SequentialFit

logger = logging.getLogger(__name__)

FORMAT = "shelfwise-fused-recommender/1"

Log = Callable[[str], None]


class RecommenderTrainingConfig(BaseModel):
    """How the recommender is trained: its recall channels, their ranker and the held-out shares
    (`shelfwise train recommender`). How it is served is `config.RecommendServingConfig`."""

    model_config = ConfigDict(frozen=True)

    channels: ChannelsConfig = Field(default_factory=ChannelsConfig)
    ranker: ChannelRankerConfig = Field(default_factory=ChannelRankerConfig)
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
    cold_item_share: float = Field(
        default=0.05,
        ge=0,
        lt=1,
        description="share of items with events whose events are hidden while the ranker learns",
    )
    refit_after_cold: bool = Field(
        default=True, description="refit the channels but the sequential one with those events back"
    )
    min_cold_examples: int = Field(
        default=20,
        ge=1,
        description="hide nothing when fewer ranker examples than this would have a cold next item",
    )
    cold_slots: int = Field(default=0, ge=0, description="places per list kept for items without events")
    sparse_recall_from: int = Field(
        default=50_000,
        ge=1,
        description="from this many items, candidates come from each channel's recall, not from scoring all",
    )
    max_ranker_histories: int = Field(
        default=50_000, ge=1, description="at most this many shoppers' latest items teach the ranker"
    )
    seed: int = 0


DEFAULT_CHANNELS = "cooccurrence,sequential,popularity"  # `shelfwise train recommender`'s default


def recommender_config(
    channels: str, threads: int = 2, seed: int = 0, cold_item_share: float | None = None
) -> RecommenderTrainingConfig:
    """A config from command-line options: comma-separated channel names, threads, a seed and
    the share of items made cold while the ranker learns (None: the default)."""
    names = tuple(name.strip() for name in channels.split(",") if name.strip())
    extra = {} if cold_item_share is None else {"cold_item_share": cold_item_share}
    return RecommenderTrainingConfig.model_validate(
        {
            "channels": ChannelsConfig.model_validate(
                {"enabled": names, "sequential": SequentialConfig(threads=threads, seed=seed)}
            ),
            "ranker": ChannelRankerConfig(threads=threads, seed=seed),
            "seed": seed,
            **extra,
        }
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
    cold_items: int = 0  # items whose events were hidden while the ranker learned
    cold_examples: int = 0  # ranker histories whose next item was one of them


def hold_out_latest(
    data: TrainingData, fraction: float, seed: int, at_most: int | None = None
) -> tuple[TrainingData, np.ndarray, np.ndarray]:
    """Channel training data without the latest item of a random `fraction` (but at most
    `at_most`) of the shoppers with at least 3 items, and those shoppers' indices and held-out
    items."""
    rng = np.random.default_rng(seed)
    eligible = np.flatnonzero([len(s) >= 3 for s in data.sequences])
    size = int(len(eligible) * fraction) if at_most is None else min(at_most, int(len(eligible) * fraction))
    chosen = np.sort(rng.choice(eligible, size=size, replace=False))
    sequences = list(data.sequences)
    timestamps = None if data.timestamps is None else list(data.timestamps)
    reviews = None if data.reviews is None else list(data.reviews)
    targets = np.array([sequences[u][-1] for u in chosen], dtype=np.int64)
    for u in chosen:
        sequences[u] = sequences[u][:-1]
        if timestamps is not None:
            timestamps[u] = timestamps[u][:-1]
        if reviews is not None:
            reviews[u] = reviews[u][:-1]
    held = replace(data, sequences=sequences, timestamps=timestamps, reviews=reviews)
    return held, chosen, targets


def choose_cold_items(data: TrainingData, share: float, seed: int) -> np.ndarray:
    """A random `share` of the items that have events (sorted indices)."""
    with_events = np.flatnonzero(data.item_counts() > 0)
    size = int(len(with_events) * share)
    if size == 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(with_events, size=size, replace=False))


def without_items(data: TrainingData, items: np.ndarray) -> TrainingData:
    """The same shoppers, in the same order, with every event of `items` removed (a sequence
    may become empty)."""
    if len(items) == 0:
        return data
    hidden = np.zeros(data.n_items, dtype=bool)
    hidden[items] = True
    keep = [~hidden[np.asarray(s, dtype=np.int64)] for s in data.sequences]
    sequences = [np.asarray(s)[k] for s, k in zip(data.sequences, keep, strict=True)]
    timestamps = reviews = None
    if data.timestamps is not None:
        timestamps = [np.asarray(t)[k] for t, k in zip(data.timestamps, keep, strict=True)]
    if data.reviews is not None:
        reviews = [r[k] for r, k in zip(data.reviews, keep, strict=True)]
    return replace(data, sequences=sequences, timestamps=timestamps, reviews=reviews)


def _nonempty(data: TrainingData) -> TrainingData:
    kept = [u for u, s in enumerate(data.sequences) if len(s)]
    if len(kept) == len(data.sequences):
        return data
    timestamps = None if data.timestamps is None else [data.timestamps[u] for u in kept]
    reviews = None if data.reviews is None else [data.reviews[u] for u in kept]
    return replace(data, sequences=[data.sequences[u] for u in kept], timestamps=timestamps, reviews=reviews)


class Recommender:
    def __init__(
        self, config: RecommenderTrainingConfig | None = None, sequential_fit: SequentialFit | None = None
    ) -> None:
        self.config = config or RecommenderTrainingConfig()
        self.sequential_fit = sequential_fit  # None: the sequential channel trains in this process
        self.channels: list[RecallChannel] = []
        self.builder: CandidateBuilder | None = None
        self.ranker: LearnedRanker | None = None

    def fit(self, data: TrainingData, progress: Log | None = None) -> FitReport:
        cfg = self.config
        say = progress or (lambda message: None)
        seconds: dict[str, float] = {}
        channel_data, ranker_users, targets = hold_out_latest(
            data, cfg.ranker_fraction, cfg.seed, cfg.max_ranker_histories
        )
        sparse = data.n_items >= cfg.sparse_recall_from
        cold = choose_cold_items(channel_data, cfg.cold_item_share, cfg.seed + 1)
        cold_examples = int(np.isin(targets, cold).sum())
        if 0 < cold_examples < cfg.min_cold_examples:
            # too few to teach the ranker anything, and hiding items costs the channels their events
            say(f"no cold-item simulation: only {cold_examples} ranker examples would be cold")
            cold, cold_examples = cold[:0], 0
        learning_data = without_items(channel_data, cold)
        histories = [learning_data.sequences[u] for u in ranker_users]
        self.channels = build_channels(cfg.channels, data)
        report = FitReport([c.name for c in self.channels], len(ranker_users), "ranker", seconds)
        report.cold_items, report.cold_examples = len(cold), cold_examples
        if len(cold):
            say(f"hiding the events of {len(cold)} items: {cold_examples} ranker examples are cold")
        self._fit_channels(_nonempty(learning_data), histories, targets, report, say)
        self.builder = CandidateBuilder(
            self.channels, learning_data.item_counts(), data.item_vectors, cfg.ranker.depth, sparse,
            self._review_features(learning_data),
        )  # fmt: skip
        started = time.perf_counter()
        self._fit_ranker(self._candidates(histories), targets, report)
        seconds["ranker"] = time.perf_counter() - started
        say(f"ranker ({report.fused_by}) in {seconds['ranker']:.1f} s")
        if len(cold) and cfg.refit_after_cold:
            started = time.perf_counter()
            restored = _nonempty(channel_data)
            for channel in self.channels:
                if not isinstance(channel, SequentialChannel):
                    channel.fit(restored)
            self.builder = CandidateBuilder(
                self.channels, channel_data.item_counts(), data.item_vectors, cfg.ranker.depth, sparse,
                self._review_features(channel_data),
            )  # fmt: skip
            seconds["refit"] = time.perf_counter() - started
            say(f"refitted the channels with the hidden events in {seconds['refit']:.1f} s")
        if sparse:  # a saved recommender carries its item indexes: no request waits for one
            for channel in self.channels:
                channel.prepare_recall()
        return report

    def _review_features(self, data: TrainingData) -> np.ndarray | None:
        """The items' review features from `data`'s reviews, when the ranker is to use them."""
        return item_review_features(data) if self.config.ranker.review_features else None

    def _fit_channels(
        self,
        data: TrainingData,
        histories: Sequence[np.ndarray],
        targets: np.ndarray,
        report: FitReport,
        say: Log,
    ) -> None:
        cfg = self.config
        for channel in self.channels:
            started = time.perf_counter()
            if isinstance(channel, SequentialChannel) and len(histories) >= 10:
                sample = np.random.default_rng(cfg.seed).permutation(len(histories))
                sample = np.sort(sample[: cfg.early_stopping_histories])
                (self.sequential_fit or SequentialChannel.fit)(
                    channel,
                    data,
                    ([histories[i] for i in sample], targets[sample]),
                    lambda epoch, loss, ndcg, secs: say(
                        f"sequential epoch {epoch}: loss {loss:.3f}, held-out NDCG@10 "
                        f"{'-' if ndcg is None else f'{ndcg:.4f}'} ({secs:.0f} s)"
                    ),
                )
                report.sequential_epochs = channel.epochs_trained
                report.sequential_validation_ndcg = channel.best_validation
            else:
                channel.fit(data)
            report.seconds[channel.name] = time.perf_counter() - started
            say(f"fitted {channel.name} in {report.seconds[channel.name]:.1f} s")

    def _fit_ranker(self, candidates: Candidates, targets: np.ndarray, report: FitReport) -> None:
        ranker = LearnedRanker(self.config.ranker)
        self.ranker = None
        report.fused_by = "reciprocal-rank"
        try:
            assert self.builder is not None
            ranker.fit(candidates, targets, self.builder.feature_names)
        except ValueError as error:
            logger.info("no learned ranker: %s", error)
            return
        # the learned ranker must beat plain reciprocal rank fusion on histories it did not see
        groups = ranker.validation_groups
        learned = ndcg_at_10(candidates, ranker.predict(candidates), targets, groups)
        fallback = ndcg_at_10(candidates, self._reciprocal_rank(candidates), targets, groups)
        report.validation_ndcg = {"ranker": learned, "reciprocal-rank": fallback}
        if learned > fallback and len(groups) >= self.config.min_ranker_validation:
            self.ranker, report.fused_by = ranker, "ranker"

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

    def recommend(
        self, histories: Sequence[np.ndarray], k: int, cold_slots: int | None = None
    ) -> list[list[tuple[int, float]]]:
        """The k best items for each history (its own items excluded), best first, with scores.
        `cold_slots` overrides the config's places kept for items without events."""
        assert self.builder is not None, "fit the recommender first"
        slots = self.config.cold_slots if cold_slots is None else cold_slots
        out: list[list[tuple[int, float]]] = []
        for start in range(0, len(histories), self.config.batch_size):
            batch = histories[start : start + self.config.batch_size]
            candidates = self.builder.build(batch)
            scores = self._fuse(candidates)
            offset = 0
            for count in candidates.group:
                items = candidates.items[offset : offset + count]
                item_scores = scores[offset : offset + count]
                order = self._order(items, item_scores, k, slots)
                out.append([(int(items[i]), float(item_scores[i])) for i in order])
                offset += count
        return out

    def recommend_one(self, history: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The k best items for one history, their scores, and each channel's rank of them
        (rows of `(k, n_channels)`; the channel depth where a channel did not propose it)."""
        assert self.builder is not None, "fit the recommender first"
        candidates = self.builder.build([history])
        scores = self._fuse(candidates)
        order = self._order(candidates.items, scores, k, self.config.cold_slots)
        ranks = candidates.features[order][:, 1 : 2 * len(self.builder.channels) : 2]
        return candidates.items[order], scores[order], ranks

    def _order(self, items: np.ndarray, scores: np.ndarray, k: int, cold_slots: int) -> np.ndarray:
        """Positions of the k best candidates, with `cold_slots` places kept for cold items."""
        assert self.builder is not None
        ranked = np.argsort(-scores, kind="stable")
        if cold_slots == 0:
            return ranked[:k]
        return ranked[reserve_cold_slots(self.builder.is_cold[items[ranked]], k, cold_slots)]

    def _fuse(self, candidates: Candidates) -> np.ndarray:
        if self.ranker is not None:
            return self.ranker.predict(candidates)
        return self._reciprocal_rank(candidates)

    def _reciprocal_rank(self, candidates: Candidates) -> np.ndarray:
        assert self.builder is not None
        return reciprocal_rank_scores(candidates, len(self.builder.channels), self.builder.depth)

    # ----- artifacts --------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """A folder: manifest.json (format, config, channel folders, sizes), a folder per
        channel, the candidate builder's item counts and text vectors (.npy; not written twice
        when a content channel saves the same vectors: the manifest names that channel) and the
        learned ranker's folder when one fuses the channels."""
        builder = self.builder
        assert builder is not None, "fit the recommender first"
        folder.mkdir(parents=True, exist_ok=True)
        names = [f"{i:02d}-{channel.name}" for i, channel in enumerate(self.channels)]
        for name, channel in zip(names, self.channels, strict=True):
            channel.save(folder / "channels" / name)
        save_array(folder, "item_counts", builder.item_counts)
        if builder.item_reviews is not None:
            save_array(folder, "item_reviews", builder.item_reviews)
        vectors_from = _vectors_source(names, self.channels, builder.item_vectors)
        if vectors_from == OWN_VECTORS and builder.item_vectors is not None:
            save_array(folder, "item_vectors", builder.item_vectors)
        if self.ranker is not None:
            self.ranker.save(folder / "ranker")
        write_manifest(folder, {
            "format": FORMAT, "config": self.config.model_dump(mode="json"), "channels": names,
            "depth": builder.depth, "sparse": builder.sparse, "ranker": self.ranker is not None,
            "item_vectors": vectors_from, "item_reviews": builder.item_reviews is not None,
            "sizes": {"items": len(builder.item_counts), "channels": len(names),
                      "vector_dim": None if builder.item_vectors is None else builder.item_vectors.shape[1]},
        })  # fmt: skip

    @classmethod
    def load(cls, folder: Path) -> Recommender:
        manifest = read_manifest(folder, FORMAT)
        recommender = cls(RecommenderTrainingConfig.model_validate(manifest["config"]))
        recommender.channels = [load_channel(folder / "channels" / name) for name in manifest["channels"]]
        vectors = _load_vectors(folder, manifest, recommender.channels)
        reviews = load_array(folder, "item_reviews") if manifest.get("item_reviews") else None
        recommender.builder = CandidateBuilder(
            recommender.channels, load_array(folder, "item_counts"), vectors, int(manifest["depth"]),
            bool(manifest["sparse"]), reviews,
        )  # fmt: skip
        recommender.ranker = LearnedRanker.load(folder / "ranker") if manifest["ranker"] else None
        return recommender


OWN_VECTORS = "item_vectors.npy"


def _vectors_source(
    names: Sequence[str], channels: Sequence[RecallChannel], vectors: np.ndarray | None
) -> str | None:
    """Where the builder's text vectors are saved: None without any, the folder of a content
    channel holding equal vectors, else the recommender's own file."""
    if vectors is None:
        return None
    for name, channel in zip(names, channels, strict=True):
        own = channel.vectors if isinstance(channel, ContentChannel) else None
        if own is not None and own.dtype == vectors.dtype and np.array_equal(own, vectors):
            return f"channels/{name}"
    return OWN_VECTORS


def _load_vectors(
    folder: Path, manifest: dict[str, Any], channels: Sequence[RecallChannel]
) -> np.ndarray | None:
    """The builder's text vectors as `save` placed them (one array shared with the content
    channel that saved them, as in the fitted recommender)."""
    source = manifest["item_vectors"]
    if source is None:
        return None
    if source == OWN_VECTORS:
        return load_array(folder, "item_vectors")
    channel = channels[manifest["channels"].index(source.removeprefix("channels/"))]
    if not isinstance(channel, ContentChannel) or channel.vectors is None:
        raise ArtifactError(f"{folder / 'manifest.json'}: {source} holds no text vectors")
    return channel.vectors

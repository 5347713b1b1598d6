"""The recommendation benchmark: train from scratch on sequences and item texts, then write
every shopper's predicted next items (`shelfwise bench recommend`). Items may carry catalog facts
(brand, category, also bought / viewed) for the product-graph channel; with `mmr_lambda` each
list is re-ranked by maximal marginal relevance over the items' text vectors, from the fused top
`mmr_pool`."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.config import ExposureConfig
from shelfwise.recommend.channel import ItemInfo, TrainingData
from shelfwise.recommend.diversity import mmr_order
from shelfwise.recommend.exposure import popularity_tiers
from shelfwise.recommend.exposure_ledger import budgeted_pick, new_ledger
from shelfwise.recommend.recommender import FitReport, Recommender, RecommenderTrainingConfig

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class BenchReport:
    users: int
    items: int
    interactions: int
    fit: FitReport
    seconds: dict[str, float]


def training_data(
    sequences: Mapping[str, Sequence[str]],
    item_texts: Mapping[str, str],
    encode: Encode | None,
    item_info: Mapping[str, ItemInfo] | None = None,
) -> tuple[TrainingData, dict[str, int]]:
    """Dense indices for every item named in the texts or the sequences (sorted ids), the
    items' text vectors when `encode` is given (items without text get a zero vector) and their
    catalog facts when `item_info` is given."""
    item_ids = tuple(sorted(set(item_texts) | {i for seq in sequences.values() for i in seq}))
    index = {item: i for i, item in enumerate(item_ids)}
    encoded = [np.array([index[i] for i in seq], dtype=np.int64) for seq in sequences.values()]
    vectors = None
    texts = [item_texts.get(item, "") for item in item_ids]
    with_text = [i for i, text in enumerate(texts) if text.strip()]
    if encode is not None and with_text:
        raw = np.asarray(encode([texts[i] for i in with_text]), dtype=np.float32)
        vectors = np.zeros((len(item_ids), raw.shape[1]), dtype=np.float32)
        vectors[with_text] = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
    info = {item: item_info[item] for item in item_ids if item in item_info} if item_info else {}
    return TrainingData(item_ids, encoded, None, vectors, info), index


def predict_next_items(
    sequences: Mapping[str, Sequence[str]],
    item_texts: Mapping[str, str],
    encode: Encode | None,
    k: int,
    config: RecommenderTrainingConfig | None = None,
    progress: Callable[[str], None] | None = None,
    item_info: Mapping[str, ItemInfo] | None = None,
    mmr_lambda: float | None = None,
    mmr_pool: int = 100,
    exposure: ExposureConfig | None = None,
) -> tuple[dict[str, list[str]], BenchReport]:
    """Fit a recommender on `sequences` and predict each shopper's next k items (none already
    in their sequence), best first; with `mmr_lambda` (below 1, text vectors needed) the k are
    picked by maximal marginal relevance from the fused top `mmr_pool`; with an enabled
    `exposure` policy, from the fused (and MMR-ordered) top `exposure.depth * k` within its bounds."""
    say = progress or (lambda message: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    data, _ = training_data(sequences, item_texts, encode, item_info)
    diversify = mmr_lambda is not None and mmr_lambda < 1.0
    if diversify and data.item_vectors is None:
        raise ValueError("MMR re-ranking needs item text vectors: give items with texts and an encoder")
    seconds["encode"] = time.perf_counter() - started
    say(f"{data.n_items} items, {len(data.sequences)} shoppers ({seconds['encode']:.1f} s)")
    recommender = Recommender(config)
    started = time.perf_counter()
    fit = recommender.fit(data, say)
    seconds["fit"] = time.perf_counter() - started
    started = time.perf_counter()
    bounded = exposure is not None and exposure.enabled
    depth = max(k, mmr_pool if diversify else 0, exposure.depth * k if exposure and bounded else 0)
    lists = recommender.recommend(data.sequences, depth)
    if diversify:
        assert data.item_vectors is not None and mmr_lambda is not None
        vectors = data.item_vectors
        picked = depth if bounded else k
        lists = [
            [ranked[i] for i in mmr_order(vectors[[item for item, _ in ranked]], picked, mmr_lambda)]
            for ranked in lists
        ]
    if exposure is not None and bounded:
        assert recommender.builder is not None
        tiers = popularity_tiers(recommender.builder.item_counts, exposure)
        ledger = new_ledger(exposure, data.n_items)  # the shoppers' lists counted in their order
        lists = [
            [ranked[i] for i in budgeted_pick([item for item, _ in ranked], tiers, k, exposure, user, ledger)]
            for user, ranked in zip(sequences, lists, strict=True)
        ]
    seconds["predict"] = time.perf_counter() - started
    say(f"predicted {len(lists)} lists in {seconds['predict']:.1f} s")
    predictions = {
        user: [data.item_ids[i] for i, _ in items] for user, items in zip(sequences, lists, strict=True)
    }
    report = BenchReport(len(sequences), data.n_items, int(sum(len(s) for s in data.sequences)), fit, seconds)
    return predictions, report

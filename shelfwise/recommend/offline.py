"""The recommendation benchmark: train from scratch on sequences and item texts, then write
every shopper's predicted next items (`shelfwise bench recommend`)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from shelfwise.recommend.channel import TrainingData
from shelfwise.recommend.recommender import FitReport, Recommender, RecommenderConfig

Encode = Callable[[list[str]], np.ndarray]


@dataclass
class BenchReport:
    users: int
    items: int
    interactions: int
    fit: FitReport
    seconds: dict[str, float]


def training_data(
    sequences: Mapping[str, Sequence[str]], item_texts: Mapping[str, str], encode: Encode | None
) -> tuple[TrainingData, dict[str, int]]:
    """Dense indices for every item named in the texts or the sequences (sorted ids), and the
    items' text vectors when `encode` is given (items without text get a zero vector)."""
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
    return TrainingData(item_ids, encoded, None, vectors), index


def predict_next_items(
    sequences: Mapping[str, Sequence[str]],
    item_texts: Mapping[str, str],
    encode: Encode | None,
    k: int,
    config: RecommenderConfig | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[dict[str, list[str]], BenchReport]:
    """Fit a recommender on `sequences` and predict each shopper's next k items (none already
    in their sequence), best first."""
    say = progress or (lambda message: None)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    data, _ = training_data(sequences, item_texts, encode)
    seconds["encode"] = time.perf_counter() - started
    say(f"{data.n_items} items, {len(data.sequences)} shoppers ({seconds['encode']:.1f} s)")
    recommender = Recommender(config)
    started = time.perf_counter()
    fit = recommender.fit(data, say)
    seconds["fit"] = time.perf_counter() - started
    started = time.perf_counter()
    lists = recommender.recommend(data.sequences, k)
    seconds["predict"] = time.perf_counter() - started
    say(f"predicted {len(lists)} lists in {seconds['predict']:.1f} s")
    predictions = {
        user: [data.item_ids[i] for i, _ in items] for user, items in zip(sequences, lists, strict=True)
    }
    report = BenchReport(len(sequences), data.n_items, int(sum(len(s) for s in data.sequences)), fit, seconds)
    return predictions, report

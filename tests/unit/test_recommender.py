"""Co-occurrence and sequential channels on data with a known answer; the learned ranker beats
its best single channel on a fixed synthetic set; the bench command end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest

from shelfwise.recommend import (
    ChannelRankerConfig,
    ChannelsConfig,
    CooccurrenceChannel,
    CooccurrenceConfig,
    RecallChannel,
    Recommender,
    RecommenderTrainingConfig,
    SequentialChannel,
    SequentialConfig,
    TrainingData,
    hold_out_latest,
    top_k,
)
from shelfwise.recommend.ranker import CandidateBuilder


def _data(sequences: list[list[int]], n_items: int, vectors: np.ndarray | None = None) -> TrainingData:
    ids = tuple(f"i{k}" for k in range(n_items))
    return TrainingData(ids, [np.array(s, dtype=np.int64) for s in sequences], None, vectors)


def test_cooccurrence_counts_forward_pairs_more_and_decays_with_distance() -> None:
    channel = CooccurrenceChannel(
        CooccurrenceConfig(distance_decay=1.0, backward_weight=0.5, history_decay=0.0)
    )
    channel.fit(_data([[0, 1, 2], [0, 1]], 4))
    assert isinstance(channel, RecallChannel)
    matrix = channel.matrix.toarray()
    assert matrix[0, 1] == pytest.approx(2.0)  # forward, distance 1, twice
    assert matrix[1, 0] == pytest.approx(1.0)  # backward pairs count half
    assert matrix[0, 2] == pytest.approx(0.5)  # distance 2
    assert matrix[0, 0] == 0 and matrix[:, 3].sum() == 0
    scores = channel.score([np.array([0]), np.array([], dtype=np.int64)])
    assert scores.shape == (2, 4) and scores.dtype == np.float32
    assert np.argmax(scores[0]) == 1
    assert not scores[1].any()  # an empty history has no co-occurrences
    reason = channel.reason(np.array([3, 0]), 1)
    assert reason is not None and reason.anchor == 0


def test_cooccurrence_votes_of_recent_items_weigh_more() -> None:
    channel = CooccurrenceChannel(CooccurrenceConfig(history_decay=1.0, backward_weight=0.0))
    channel.fit(_data([[0, 2], [1, 3]], 4))
    scores = channel.score([np.array([0, 1])])[0]  # 1 is the latest item
    assert scores[3] > scores[2] > 0


def test_sequential_model_learns_a_cycle_and_uses_text_vectors() -> None:
    n = 12
    rng = np.random.default_rng(0)
    sequences = []
    for _ in range(300):
        start, length = rng.integers(n), rng.integers(4, 9)
        sequences.append([(start + j) % n for j in range(length)])
    vectors = np.eye(n, 16, dtype=np.float32)
    data = _data(sequences, n, vectors)
    channel = SequentialChannel(
        SequentialConfig(epochs=25, patience=25, dim=16, heads=1, layers=1, dropout=0.0)
    )
    histories = [np.array([5, 6, 7]), np.array([10, 11])]
    epochs: list[int] = []
    channel.fit(data, validation=(histories, np.array([8, 0])), report=lambda e, *_: epochs.append(e))
    assert epochs and channel.best_validation is not None and channel.best_validation > 0.5
    scores = channel.score(histories)
    for row, history in enumerate(histories):
        scores[row, history] = -np.inf
    predicted, _ = top_k(scores, 1)
    assert predicted[:, 0].tolist() == [8, 0]
    assert channel.model is not None and channel.model.text_projection is not None
    assert not channel.score([np.array([], dtype=np.int64)]).any()


def test_sequential_model_learns_with_sampled_negatives() -> None:
    """Above `full_softmax_below` items the model learns from random negatives."""
    n = 40
    rng = np.random.default_rng(1)
    sequences = []
    for _ in range(400):
        start, length = rng.integers(n), rng.integers(3, 7)
        sequences.append([(start + j) % n for j in range(length)])
    data = _data(sequences, n, np.eye(n, 48, dtype=np.float32))
    channel = SequentialChannel(
        SequentialConfig(
            epochs=30, patience=30, dim=16, heads=1, layers=1, dropout=0.0, max_length=8,
            full_softmax_below=10, sampled_negatives=8,
        )
    )  # fmt: skip
    histories = [np.array([5, 6, 7]), np.array([30, 31, 32, 33])]
    channel.fit(data, validation=(histories, np.array([8, 34])))
    assert channel.best_validation is not None and channel.best_validation > 0.5
    scores = channel.score(histories)
    for row, history in enumerate(histories):
        scores[row, history] = -np.inf
    assert top_k(scores, 1)[0][:, 0].tolist() == [8, 34]


def test_hold_out_latest_removes_the_last_item_of_a_share_of_long_sequences() -> None:
    data = _data([[0, 1, 2], [1, 2], [2, 3, 0, 1]] * 10, 4)
    held, users, targets = hold_out_latest(data, 0.5, seed=3)
    assert len(users) == 10  # half of the 20 sequences with at least 3 items
    for user, target in zip(users, targets, strict=True):
        assert len(held.sequences[user]) == len(data.sequences[user]) - 1
        assert data.sequences[user][-1] == target
    untouched = sorted(set(range(30)) - set(users.tolist()))
    assert all(len(held.sequences[u]) == len(data.sequences[u]) for u in untouched)


class _Fixed:
    """A channel whose scores are given: for ranker tests."""

    def __init__(self, name: str, scores: np.ndarray) -> None:
        self.name = name
        self._scores = scores

    def fit(self, data: TrainingData) -> None:
        return None

    def score(self, histories):  # noqa: ANN001, ANN201
        return np.stack([self._scores[int(h[-1])] for h in histories]).astype(np.float32)


def test_learned_ranker_beats_its_best_single_channel_on_a_fixed_synthetic_set() -> None:
    """Two noisy channels, each right about a different half of the items: the ranker learns
    which channel to trust for which kind of history, which neither channel can do alone."""
    rng = np.random.default_rng(7)
    n_items = 80
    true_next = rng.permutation(n_items)
    a = rng.random((n_items, n_items)) * 0.9
    b = rng.random((n_items, n_items)) * 0.9
    even = np.arange(n_items) % 2 == 0
    a[even, true_next[even]] += 0.6  # channel a knows what follows even items
    b[~even, true_next[~even]] += 0.6  # channel b what follows odd ones
    from shelfwise.recommend.ranker import LearnedRanker, ndcg_at_10

    channels = [_Fixed("a", a), _Fixed("b", b)]
    builder = CandidateBuilder(channels, np.ones(n_items), None, depth=20)
    last = rng.integers(n_items, size=3000)
    histories = [np.array([(x + 1) % n_items, x]) for x in last]
    candidates = builder.build(histories)
    targets = true_next[last]
    ranker = LearnedRanker(ChannelRankerConfig(trees=200))
    features = builder.feature_names + ["last_is_even"]
    rows_last = np.repeat(last, candidates.group)
    candidates.features = np.column_stack([candidates.features, (rows_last % 2 == 0).astype(np.float32)])
    ranker.fit(candidates, targets, features)
    held = ranker.validation_groups
    learned = ndcg_at_10(candidates, ranker.predict(candidates), targets, held)
    single = max(
        ndcg_at_10(candidates, candidates.features[:, 2 * c], targets, held) for c in range(len(channels))
    )
    assert learned > single + 0.1


def test_recommender_excludes_history_and_falls_back_to_reciprocal_rank_on_tiny_data() -> None:
    sequences = [[0, 1, 2], [1, 2, 3], [2, 3, 4]]
    recommender = Recommender(
        RecommenderTrainingConfig(channels=ChannelsConfig(enabled=("cooccurrence",)), ranker_fraction=0.5)
    )
    report = recommender.fit(_data(sequences, 6))
    assert report.fused_by == "reciprocal-rank"  # three shoppers cannot teach a ranker
    lists = recommender.recommend([np.array([1, 2])], k=3)
    items = [item for item, _ in lists[0]]
    assert items and not {1, 2} & set(items)
    assert items[0] == 3


def test_bench_recommend_command_writes_a_prediction_per_user(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    from typer.testing import CliRunner

    from shelfwise.cli import app

    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    rng = np.random.default_rng(1)
    (tmp_path / "items.tsv").write_text(
        "item_id\ttext\n" + "".join(f"p{k}\t{'red' if k < 20 else 'blue'} item {k}\n" for k in range(40))
    )
    lines = ["user_id\titems"]
    for user in range(300):
        base, start = 20 * (user % 2), int(rng.integers(20))
        lines.append(
            f"u{user}\t" + " ".join(f"p{base + (start + j) % 20}" for j in range(int(rng.integers(3, 7))))
        )
    (tmp_path / "seq.tsv").write_text("\n".join(lines) + "\n")
    out = tmp_path / "pred.jsonl"
    result = CliRunner().invoke(
        app,
        [
            "bench", "recommend", "--items", str(tmp_path / "items.tsv"),
            "--sequences", str(tmp_path / "seq.tsv"), "--out", str(out), "--k", "5",
            "--channels", "cooccurrence,sequential", "-d", str(tmp_path / "data"),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    predictions = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(predictions) == 300
    first = predictions[0]
    history = lines[1].split("\t")[1].split()
    assert len(first["items"]) == 5 and not set(first["items"]) & set(history)
    last = int(history[-1][1:])
    assert first["items"][0] == f"p{20 * (last // 20) + (last % 20 + 1) % 20}"

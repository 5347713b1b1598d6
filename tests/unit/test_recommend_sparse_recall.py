"""Sparse recall: every channel's `recall` finds what scoring every item finds, `score_pairs`
scores what `score` scores, the candidate builder gives the same candidates and features either
way, and the IVF item index finds nearly what exact search finds and survives saving."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pytest

from shelfwise.recommend.als import AlsChannel, AlsConfig
from shelfwise.recommend.channel import RecallChannel, TrainingData, dense_recall
from shelfwise.recommend.content import ContentChannel, ContentConfig
from shelfwise.recommend.cooccurrence import CooccurrenceChannel
from shelfwise.recommend.item_index import ItemIndex, ItemIndexConfig, recall_against_exact
from shelfwise.recommend.popularity import PopularityChannel, PopularityConfig
from shelfwise.recommend.ranker import CandidateBuilder
from shelfwise.recommend.recommender import Recommender, RecommenderConfig
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig

N_ITEMS = 120
DEPTH = 15
IVF = ItemIndexConfig(exact_below=50, nprobe=8)


def _clustered_vectors(n: int, dim: int, clusters: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim))
    vectors = centres[rng.integers(0, clusters, n)] + 0.3 * rng.normal(size=(n, dim))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    rng = np.random.default_rng(3)
    vectors = _clustered_vectors(N_ITEMS, 16, 6, seed=4)
    sequences = []
    for _ in range(300):
        start = int(rng.integers(0, N_ITEMS))
        steps = rng.integers(-6, 7, size=int(rng.integers(2, 9)))
        sequences.append(np.unique(np.clip(start + np.cumsum(steps), 0, N_ITEMS - 1)))
    ids = tuple(f"p{i}" for i in range(N_ITEMS))
    return TrainingData(ids, sequences, None, vectors)


CHANNELS: dict[str, Callable[[], RecallChannel]] = {
    "cooccurrence": CooccurrenceChannel,
    "popularity": lambda: PopularityChannel(PopularityConfig(position_half_life=2.0)),
    "als": lambda: AlsChannel(AlsConfig(factors=8, iterations=5, num_threads=1)),
    "content": ContentChannel,
    "sequential": lambda: SequentialChannel(SequentialConfig(dim=16, epochs=1, max_length=8, threads=1)),
}


@pytest.fixture(scope="module")
def fitted(data: TrainingData) -> dict[str, RecallChannel]:
    channels = {}
    for name, make in CHANNELS.items():
        channel = make()
        channel.fit(data)
        channels[name] = channel
    return channels


def _histories(data: TrainingData) -> list[np.ndarray]:
    return [data.sequences[u] for u in range(0, 60, 3)] + [np.zeros(0, dtype=np.int64)]


@pytest.mark.parametrize("name", list(CHANNELS))
def test_recall_finds_the_best_scores_of_scoring_every_item(
    name: str, fitted: dict[str, RecallChannel], data: TrainingData
) -> None:
    channel = fitted[name]
    assert isinstance(channel, RecallChannel)
    histories = _histories(data)
    dense = channel.score(histories)
    recalled = channel.recall(histories, DEPTH)
    items, scores = recalled.items, recalled.scores
    assert items.shape == scores.shape == (len(histories), DEPTH)
    for row, history in enumerate(histories):
        expected = dense[row].copy()
        expected[history] = -np.inf
        expected = expected[np.isfinite(expected) & (expected != 0)]
        best = np.sort(expected)[::-1][:DEPTH]
        found = items[row][items[row] >= 0]
        assert not set(found.tolist()) & set(history.tolist()), "a history's own items are not recalled"
        assert len(found) == len(best)
        np.testing.assert_allclose(np.sort(dense[row, found])[::-1], best, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(scores[row, : len(found)], dense[row, found], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(CHANNELS))
def test_pair_scores_are_the_full_scores(
    name: str, fitted: dict[str, RecallChannel], data: TrainingData
) -> None:
    channel = fitted[name]
    assert isinstance(channel, RecallChannel)
    histories = _histories(data)
    rng = np.random.default_rng(0)
    rows = rng.integers(0, len(histories), 200)
    items = rng.integers(0, N_ITEMS, 200)
    np.testing.assert_allclose(
        channel.score_pairs(histories, rows, items),
        channel.score(histories)[rows, items],
        rtol=1e-5,
        atol=1e-6,
    )
    assert channel.score_pairs(histories, rows[:0], items[:0]).shape == (0,)
    # the recall's own scorer reuses its queries and gives the same scores
    np.testing.assert_allclose(
        channel.recall(histories, DEPTH).score_pairs(rows, items),
        channel.score(histories)[rows, items],
        rtol=1e-5,
        atol=1e-6,
    )


def test_sparse_builder_gives_the_dense_builders_candidates_and_features(
    fitted: dict[str, RecallChannel], data: TrainingData
) -> None:
    channels = list(fitted.values())
    counts = data.item_counts()
    # depth = every item, so no boundary tie can make the two ways pick different candidates
    dense = CandidateBuilder(channels, counts, data.item_vectors, N_ITEMS, sparse=False)
    sparse = CandidateBuilder(channels, counts, data.item_vectors, N_ITEMS, sparse=True)
    histories = _histories(data)
    a, b = dense.build(histories), sparse.build(histories)
    np.testing.assert_array_equal(a.group, b.group)
    np.testing.assert_array_equal(a.items, b.items)
    scores = [2 * c for c in range(len(channels))]
    ranks = [2 * c + 1 for c in range(len(channels))]
    rest = list(range(2 * len(channels), a.features.shape[1]))
    np.testing.assert_allclose(a.features[:, scores], b.features[:, scores], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(a.features[:, rest], b.features[:, rest], rtol=1e-5, atol=1e-6)
    # ranks agree up to the order of items with equal scores
    history_of_row = np.repeat(np.arange(len(histories)), a.group)
    for c, channel in enumerate(channels):
        full = channel.score(histories)
        for row, history in enumerate(histories):
            full[row, history] = -np.inf
        for r in range(len(a.items)):
            if b.features[r, ranks[c]] >= N_ITEMS:
                assert a.features[r, ranks[c]] >= N_ITEMS
                continue
            mine = full[history_of_row[r], a.items[r]]
            above = int((full[history_of_row[r]] > mine).sum())
            tied = int((full[history_of_row[r]] == mine).sum())
            assert above <= b.features[r, ranks[c]] <= above + tied - 1


def test_the_dense_fallback_keeps_the_recall_contract(
    fitted: dict[str, RecallChannel], data: TrainingData
) -> None:
    class DenseOnly:
        name = "dense"

        def fit(self, data: TrainingData) -> None: ...

        def score(self, histories: Sequence[np.ndarray]) -> np.ndarray:
            return fitted["content"].score(histories)

    histories = _histories(data)
    dense = dense_recall(DenseOnly(), histories, DEPTH)
    items, scores = dense.items, dense.scores
    expected = fitted["content"].recall(histories, DEPTH)
    expected_items, expected_scores = expected.items, expected.scores
    rows, cols = np.array([0, 1, 1]), np.array([histories[0][0], 3, 5])  # an own item too: its score
    np.testing.assert_allclose(dense.score_pairs(rows, cols), fitted["content"].score(histories)[rows, cols])
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-5, atol=1e-6)
    assert all(set(i.tolist()) == set(e.tolist()) for i, e in zip(items, expected_items, strict=True))


def test_ivf_index_is_close_to_exact_and_survives_saving(tmp_path: Path) -> None:
    vectors = _clustered_vectors(4000, 32, 40, seed=1)
    queries = _clustered_vectors(200, 32, 40, seed=1)[:200]
    flat = ItemIndex(vectors, "flat", ItemIndexConfig(exact_below=1000, nprobe=16))
    sq8 = ItemIndex(vectors, "sq8", ItemIndexConfig(exact_below=1000, nprobe=16))
    exact = ItemIndex(vectors, "flat", ItemIndexConfig(exact_below=10_000))
    assert not flat.exact and not sq8.exact and exact.exact
    assert recall_against_exact(exact, vectors, queries) == 1.0
    assert recall_against_exact(flat, vectors, queries) >= 0.95
    assert recall_against_exact(sq8, vectors, queries) >= 0.9
    sq8.save(tmp_path / "sq8")
    copy = ItemIndex.load(tmp_path / "sq8")
    assert not copy.exact and copy.codes == "sq8"
    np.testing.assert_array_equal(copy.search(queries, 10)[0], sq8.search(queries, 10)[0])
    items, scores = exact.search(queries[:3], 5000)
    assert items.shape == (3, 4000) and np.all(np.diff(scores, axis=1) <= 1e-6)


def test_recommender_trains_and_serves_through_sparse_recall(data: TrainingData, tmp_path: Path) -> None:
    config = RecommenderConfig.model_validate(
        {
            "channels": {
                "enabled": ("cooccurrence", "als", "content", "popularity"),
            },
            "ranker": {"depth": 20, "threads": 1},
            "sparse_recall_from": 1,
            "min_ranker_validation": 5,
        }
    )
    recommender = Recommender(config)
    recommender.fit(data)
    assert recommender.builder is not None and recommender.builder.sparse
    indexed = [c for c in recommender.channels if isinstance(c, AlsChannel | ContentChannel)]
    assert {c.name for c in indexed} == {"als", "content"}
    assert all(c._item_index is not None for c in indexed), "fitting builds the indexes requests search"
    for channel in indexed:
        channel.config = channel.config.model_copy(update={"item_index": IVF})
        channel._item_index = None
        channel.prepare_recall()
    recommender.save(tmp_path / "recommender")
    restored = Recommender.load(tmp_path / "recommender")
    history = data.sequences[5]
    items, scores, ranks = restored.recommend_one(history, 10)
    assert len(items) == 10 and not set(items.tolist()) & set(history.tolist())
    assert np.all(np.diff(scores) <= 1e-9) and ranks.shape == (10, len(recommender.channels))
    content = next(c for c in restored.channels if isinstance(c, ContentChannel))
    assert content._item_index is not None and not content._item_index.exact
    assert isinstance(content.config, ContentConfig)


def test_channel_candidates_are_each_channels_own_recall(data: TrainingData) -> None:
    from shelfwise.recommend.cooccurrence import CooccurrenceChannel as Together
    from shelfwise.recommend.live import LiveRecommender

    config = RecommenderConfig.model_validate(
        {"channels": {"enabled": ("cooccurrence", "content", "popularity")}, "cold_item_share": 0}
    )
    recommender = Recommender(config)
    recommender.fit(data)
    live = LiveRecommender(recommender, data.item_ids, {}, {}, Together())
    history = data.sequences[7]
    found = live.channel_candidates(history, 5)
    assert list(found) == ["cooccurrence", "content", "popularity"]
    for channel in recommender.channels:
        recalled = channel.recall([history], 5)
        pairs = zip(recalled.items[0], recalled.scores[0], strict=True)
        expected = [(data.item_ids[i], pytest.approx(float(s))) for i, s in pairs if i >= 0]
        assert found[channel.name] == expected
    assert all(pid not in {data.item_ids[i] for i in history} for items in found.values() for pid, _ in items)

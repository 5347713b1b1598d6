"""The contract every recall channel keeps (`RecallChannel`): known answers on a data set where
the right recall is obvious, and a save / load round trip that answers exactly the same.

The data: ten items in two disjoint clusters, 0-4 ("north") and 5-9 ("south"). Thirty shoppers
buy four items of the north cluster in a cycle (s, s+1, s+2, s+3 mod 5), twenty do the same in
the south: a north item's neighbours are the other north items (co-bought, similar text, same
brand, listed as also bought), and the north items are the popular ones.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from shelfwise.recommend.als import AlsChannel, AlsConfig
from shelfwise.recommend.artifact import ArtifactError
from shelfwise.recommend.channel import ItemInfo, RecallChannel, TrainingData
from shelfwise.recommend.channels import load_channel
from shelfwise.recommend.content import ContentChannel
from shelfwise.recommend.cooccurrence import CooccurrenceChannel
from shelfwise.recommend.graph import GraphChannel
from shelfwise.recommend.graph_walk import GraphWalkChannel
from shelfwise.recommend.popularity import PopularityChannel, PopularityConfig
from shelfwise.recommend.reasons import Reason
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig

NORTH, SOUTH = frozenset(range(5)), frozenset(range(5, 10))
IDS = tuple(f"p{i}" for i in range(10))


def _sequences() -> list[np.ndarray]:
    out = []
    for user in range(50):
        base, start = (0, user % 5) if user < 30 else (5, user % 5)
        out.append(np.array([base + (start + step) % 5 for step in range(4)], dtype=np.int64))
    return out


def _vectors() -> np.ndarray:
    """North items point along the first axis, south along the second, each a little apart."""
    vectors = np.zeros((10, 3), dtype=np.float32)
    for item in range(10):
        vectors[item, 0 if item in NORTH else 1] = 1.0
        vectors[item, 2] = 0.1 * (item % 5)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _info() -> dict[str, ItemInfo]:
    info = {}
    for item in range(10):
        cluster = sorted(NORTH if item in NORTH else SOUTH)
        info[IDS[item]] = ItemInfo(
            brand="north" if item in NORTH else "south",
            category="Outdoor > North" if item in NORTH else "Outdoor > South",
            also_bought=tuple(IDS[other] for other in cluster if other != item),
        )
    return info


@pytest.fixture(scope="module")
def data() -> TrainingData:
    return TrainingData(IDS, _sequences(), None, _vectors(), _info())


PERSONAL: dict[str, Callable[[], RecallChannel]] = {
    "cooccurrence": CooccurrenceChannel,
    "als": lambda: AlsChannel(AlsConfig(factors=2, iterations=15, num_threads=1)),  # two clusters
    "content": ContentChannel,
    "sequential": lambda: SequentialChannel(
        SequentialConfig(dim=16, epochs=30, max_length=8, dropout=0.0, threads=1, batch_size=16)
    ),
    "graph": GraphChannel,
    "graph_walk": GraphWalkChannel,
}
POPULAR: dict[str, Callable[[], RecallChannel]] = {
    "popularity": PopularityChannel,
    "trending": lambda: PopularityChannel(PopularityConfig(mode="trending")),
}
CHANNELS = {**PERSONAL, **POPULAR}


@pytest.fixture(scope="module")
def fitted(data: TrainingData) -> dict[str, RecallChannel]:
    channels = {}
    for name, make in CHANNELS.items():
        channel = make()
        channel.fit(data)
        channels[name] = channel
    return channels


def _recalled_set(channel: RecallChannel, history: list[int], depth: int) -> set[int]:
    found = channel.recall([np.array(history, dtype=np.int64)], depth).items[0]
    return set(found[found >= 0].tolist())


@pytest.mark.parametrize("name", list(CHANNELS))
def test_every_channel_keeps_the_protocol(name: str, fitted: dict[str, RecallChannel]) -> None:
    channel = fitted[name]
    assert isinstance(channel, RecallChannel)
    assert channel.name == name


@pytest.mark.parametrize("name", list(PERSONAL))
def test_a_personal_channel_recalls_the_history_s_own_cluster(
    name: str, fitted: dict[str, RecallChannel]
) -> None:
    channel = fitted[name]
    for item in range(10):
        cluster = NORTH if item in NORTH else SOUTH
        assert _recalled_set(channel, [item], 4) == cluster - {item}, f"{name} after item {item}"
    assert _recalled_set(channel, [6, 8], 3) == {5, 7, 9}
    assert _recalled_set(channel, [], 4) == set(), "a new shopper gets no personal opinion"


@pytest.mark.parametrize("name", list(POPULAR))
def test_a_popularity_channel_recalls_the_busier_cluster_for_everyone(
    name: str, fitted: dict[str, RecallChannel]
) -> None:
    channel = fitted[name]
    assert _recalled_set(channel, [], 5) == NORTH
    assert _recalled_set(channel, [7], 5) == NORTH
    assert _recalled_set(channel, [0], 4) == NORTH - {0}, "a history's own items are never recalled"


@pytest.mark.parametrize("name", list(CHANNELS))
def test_recall_and_pair_scores_are_the_channel_s_scores(name: str, fitted: dict[str, RecallChannel]) -> None:
    channel = fitted[name]
    histories = [np.array([0, 1]), np.array([7]), np.zeros(0, dtype=np.int64)]
    scores = channel.score(histories)
    assert scores.shape == (3, 10) and scores.dtype == np.float32
    recalled = channel.recall(histories, 4)
    for row in range(len(histories)):
        found = recalled.items[row][recalled.items[row] >= 0]
        np.testing.assert_allclose(
            recalled.scores[row, : len(found)], scores[row, found], rtol=1e-5, atol=1e-6
        )
    rows, items = np.array([0, 0, 1, 2]), np.array([2, 9, 5, 3])
    np.testing.assert_allclose(
        channel.score_pairs(histories, rows, items), scores[rows, items], rtol=1e-5, atol=1e-6
    )
    np.testing.assert_allclose(recalled.pair_scores(rows, items), scores[rows, items], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", list(CHANNELS))
def test_a_reason_hangs_on_an_item_of_the_history(name: str, fitted: dict[str, RecallChannel]) -> None:
    channel = fitted[name]
    history = np.array([7, 0])
    why = channel.reason(history, 1)
    assert why is None or isinstance(why, Reason)
    if why is not None and why.anchor is not None:
        assert why.anchor in history.tolist()
    if name in ("cooccurrence", "content", "als", "graph"):
        assert why is not None and why.anchor == 0, "the reason is the same-cluster item"
    assert channel.reason(np.zeros(0, dtype=np.int64), 1) is None or name in POPULAR


def _answers(channel: RecallChannel) -> list[np.ndarray]:
    histories = [np.array([0, 1]), np.array([7]), np.array([3, 8, 4]), np.zeros(0, dtype=np.int64)]
    recalled = channel.recall(histories, 6)
    rows, items = np.repeat(np.arange(4), 10), np.tile(np.arange(10), 4)
    reasons = [channel.reason(h, i) for h in histories for i in range(10)]
    return [
        channel.score(histories),
        recalled.items,
        recalled.scores,
        recalled.pair_scores(rows, items),
        channel.score_pairs(histories, rows, items),
        np.array([repr(r) for r in reasons]),
    ]


@pytest.mark.parametrize("name", list(CHANNELS))
@pytest.mark.parametrize("indexed", [False, True], ids=["as-fitted", "recall-prepared"])
def test_save_and_load_answer_exactly_the_same(
    name: str, indexed: bool, data: TrainingData, tmp_path: Path
) -> None:
    channel = CHANNELS[name]()
    channel.fit(data)
    if indexed:  # item indexes are saved in FAISS's own files (IVF ones: test_recommend_sparse_recall)
        channel.prepare_recall()
    folder = tmp_path / name
    channel.save(folder)
    loaded = load_channel(folder)
    assert type(loaded) is type(channel) and loaded.name == channel.name
    assert (folder / "manifest.json").is_file()
    for path in folder.rglob("*"):
        assert not (path.is_file() and path.read_bytes()[:1] == b"\x80"), f"{path} looks like a pickle"
    for before, after in zip(_answers(channel), _answers(loaded), strict=True):
        np.testing.assert_array_equal(after, before)


def test_a_folder_of_another_channel_or_of_nothing_is_refused(
    fitted: dict[str, RecallChannel], tmp_path: Path
) -> None:
    fitted["content"].save(tmp_path / "content")
    with pytest.raises(ArtifactError, match="holds channel 'content', not cooccurrence"):
        CooccurrenceChannel.load(tmp_path / "content")
    with pytest.raises(ArtifactError, match="shelfwise train recommender"):
        load_channel(tmp_path / "empty")

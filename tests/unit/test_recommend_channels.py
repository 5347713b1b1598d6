"""The ALS, content, popularity and graph recall channels: the protocol contract every channel
keeps, then each channel's known answers on tiny data."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Literal

import numpy as np
import pytest

from shelfwise.recommend.als import AlsChannel, AlsConfig
from shelfwise.recommend.channel import ItemInfo, RecallChannel, TrainingData, top_k
from shelfwise.recommend.content import ContentChannel, ContentConfig
from shelfwise.recommend.graph import GraphChannel, GraphConfig
from shelfwise.recommend.popularity import PopularityChannel, PopularityConfig
from shelfwise.recommend.reasons import Reason

DAY = 86_400.0
NOW = 1_700_000_000.0
IDS = tuple(f"i{k}" for k in range(10))  # items 0-4 form one cluster, 5-9 the other


def _clusters() -> list[np.ndarray]:
    """Twenty shoppers, each buying four of the five items of one cluster."""
    return [np.array([5 * (user % 2) + (user + step) % 5 for step in range(4)]) for user in range(20)]


def _vectors() -> np.ndarray:
    """Unit vectors: item k points at angle k * 9 degrees, so neighbours in index are neighbours
    in text."""
    angles = np.deg2rad(np.arange(10) * 9.0)
    return np.stack([np.cos(angles), np.sin(angles)], axis=1).astype(np.float32)


@pytest.fixture(scope="module")
def data() -> TrainingData:
    sequences = _clusters()
    timestamps = [NOW - DAY * np.arange(len(s))[::-1] for s in sequences]
    info = {
        "i0": ItemInfo(
            brand="acme", category="Beauty > Skin", also_bought=("i1", "gone"), also_viewed=("i3",)
        ),
        "i2": ItemInfo(brand="acme", category="Beauty > Hair"),
        "i4": ItemInfo(category="Beauty > Skin"),
    }
    return TrainingData(IDS, sequences, timestamps, _vectors(), info)


Channel = AlsChannel | ContentChannel | PopularityChannel | GraphChannel


def _fitted(channel: Channel, data: TrainingData) -> Channel:
    channel.fit(data)
    return channel


CHANNELS: dict[str, Callable[[], Channel]] = {
    "als": lambda: AlsChannel(AlsConfig(factors=4, iterations=10, num_threads=1)),
    "content": ContentChannel,
    "popularity": PopularityChannel,
    "trending": lambda: PopularityChannel(PopularityConfig(mode="trending")),
    "graph": GraphChannel,
}


# --- the contract ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", CHANNELS)
def test_channel_keeps_the_protocol(name: str, data: TrainingData) -> None:
    channel = _fitted(CHANNELS[name](), data)
    assert isinstance(channel, RecallChannel)
    scores = channel.score([np.array([0, 1]), np.array([], dtype=np.int64), np.array([7])])
    assert scores.shape == (3, data.n_items) and scores.dtype == np.float32
    assert np.isfinite(scores).all()
    assert channel.score([]).shape == (0, data.n_items)
    reason = channel.reason(np.array([0, 1]), 2)
    assert reason is None or isinstance(reason, Reason)


@pytest.mark.parametrize("name", ["als", "content", "graph"])
def test_personal_channels_have_no_opinion_on_an_empty_history(name: str, data: TrainingData) -> None:
    channel = _fitted(CHANNELS[name](), data)
    assert not channel.score([np.array([], dtype=np.int64)]).any()
    assert channel.reason(np.array([], dtype=np.int64), 3) is None


# --- ALS ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("weighting", ["bm25", "confidence"])
def test_als_scores_a_new_history_within_its_cluster(
    weighting: Literal["bm25", "confidence"], data: TrainingData
) -> None:
    channel = AlsChannel(AlsConfig(factors=4, iterations=10, num_threads=1, weighting=weighting, seed=3))
    channel.fit(data)
    scores = channel.score([np.array([0, 1]), np.array([6, 8])])
    scores[0, [0, 1]] = scores[1, [6, 8]] = -np.inf
    best, _ = top_k(scores, 3)
    assert set(best[0]) <= {2, 3, 4}
    assert set(best[1]) <= {5, 7, 9}
    assert channel.reason(np.array([0, 7]), 2) == Reason("als", 0)


def test_als_is_deterministic_given_a_seed(data: TrainingData) -> None:
    config = AlsConfig(factors=4, iterations=5, num_threads=1, seed=11)
    first, second = AlsChannel(config), AlsChannel(config)
    first.fit(data)
    second.fit(data)
    history = [np.array([1, 2])]
    np.testing.assert_array_equal(first.score(history), second.score(history))


# --- content -----------------------------------------------------------------------------------


def test_content_scores_cosine_to_the_latest_items(data: TrainingData) -> None:
    channel = ContentChannel(ContentConfig(history_length=1))
    channel.fit(data)
    scores = channel.score([np.array([0, 8])])[0]
    np.testing.assert_allclose(scores, _vectors() @ _vectors()[8], atol=1e-6)
    assert np.argsort(-scores)[1] in (7, 9)


def test_content_scores_items_nobody_has_touched() -> None:
    channel = ContentChannel()
    channel.fit(TrainingData(IDS, [], item_vectors=_vectors()))
    assert np.argmax(channel.score([np.array([3])])[0]) == 3


def test_content_weighs_recent_items_more(data: TrainingData) -> None:
    channel = ContentChannel(ContentConfig(history_length=2, history_decay=2.0))
    channel.fit(data)
    scores = channel.score([np.array([0, 6])])[0]
    assert np.argmax(scores) == 5  # the profile leans towards 6 (weight 1) over 0 (weight 1/4)
    assert channel.reason(np.array([0, 6]), 1) == Reason("similar_to", 0)
    assert channel.reason(np.array([0, 6]), 7) == Reason("similar_to", 6)


def test_content_needs_vectors() -> None:
    with pytest.raises(ValueError, match="vectors"):
        ContentChannel().fit(TrainingData(IDS, _clusters()))


# --- popularity ----------------------------------------------------------------------------------


def _timed(events: Sequence[tuple[int, float]]) -> TrainingData:
    """One shopper per event: (item, days before NOW)."""
    return TrainingData(
        IDS,
        [np.array([item]) for item, _ in events],
        [np.array([NOW - days * DAY]) for _, days in events],
    )


def test_popularity_decays_counts_by_half_life() -> None:
    events = [(0, 0), (0, 30), (1, 60), (2, 90), (2, 90), (2, 90)]
    channel = PopularityChannel(PopularityConfig(half_life_days=30))
    channel.fit(_timed(events))
    expected = np.zeros(10, dtype=np.float32)
    expected[:3] = [1 + 0.5, 0.25, 3 * 0.125]
    np.testing.assert_allclose(channel.score([np.array([4]), np.array([])]), [expected, expected])
    assert channel.reason(np.array([4]), 0) == Reason("popular")
    assert channel.reason(np.array([4]), 5) is None


def test_popularity_counts_back_from_a_fixed_now_and_drops_later_events() -> None:
    events = [(0, 0), (1, 30)]
    channel = PopularityChannel(PopularityConfig(half_life_days=30, now=NOW - 30 * DAY))
    channel.fit(_timed(events))
    np.testing.assert_allclose(channel.score([np.array([])])[0, :2], [0.0, 1.0])


def test_popularity_without_timestamps_counts_or_decays_by_position() -> None:
    data = TrainingData(IDS, [np.array([0, 1, 1]), np.array([1, 2])])
    plain = PopularityChannel()
    plain.fit(data)
    np.testing.assert_allclose(plain.score([np.array([])])[0, :3], [1, 3, 1])
    by_position = PopularityChannel(PopularityConfig(position_half_life=1))
    by_position.fit(data)
    np.testing.assert_allclose(by_position.score([np.array([])])[0, :3], [0.25, 0.5 + 1 + 0.5, 1])


def test_trending_picks_the_item_that_surged() -> None:
    steady = [(0, day) for day in range(0, 100, 5)]  # 20 events, 2 of them in the last week
    surge = [(3, day) for day in (0, 1, 2, 3)]  # 4 events, all in the last week
    channel = PopularityChannel(PopularityConfig(mode="trending", window_days=7, smoothing=1))
    channel.fit(_timed(steady + surge))
    scores = channel.score([np.array([0])])[0]
    share = 6 / 24  # recent events / all events
    assert scores[0] == pytest.approx(2 / (20 * share + 1))
    assert scores[3] == pytest.approx(4 / (4 * share + 1))
    assert np.argmax(scores) == 3 and channel.name == "trending"
    assert channel.reason(np.array([]), 3) == Reason("trending")


# --- graph ---------------------------------------------------------------------------------------


def test_graph_follows_also_bought_before_viewed_brand_and_category(data: TrainingData) -> None:
    channel = GraphChannel(GraphConfig(group_size_power=1.0))
    channel.fit(data)
    scores = channel.score([np.array([0])])[0]
    assert scores[1] == pytest.approx(1.0)  # also bought
    assert scores[3] == pytest.approx(0.5)  # also viewed
    assert scores[2] == pytest.approx(0.3 / 2)  # same brand, a group of two
    assert scores[4] == pytest.approx(0.1 / 2)  # same category string, a group of two
    assert not scores[5:].any()
    assert [channel.reason(np.array([0]), item) for item in (1, 3, 2, 4, 6)] == [
        Reason("bought_with", 0),
        Reason("viewed_with", 0),
        Reason("same_brand", 0),
        Reason("same_category", 0),
        None,
    ]


def test_graph_counts_unlisted_directions_at_the_reverse_weight(data: TrainingData) -> None:
    channel = GraphChannel(GraphConfig(reverse_weight=0.25))
    channel.fit(data)
    scores = channel.score([np.array([1]), np.array([1, 5])])
    assert scores[0, 0] == pytest.approx(0.25)  # i0 lists i1; i1 lists nothing
    assert scores[1, 0] == pytest.approx(0.25 / 2)  # i1 is now the second most recent item


def test_graph_caps_large_brands_and_ignores_unknown_ids() -> None:
    ids = tuple(f"i{k}" for k in range(60))
    info = {f"i{k}": ItemInfo(brand="huge") for k in range(50)}
    info["i50"] = ItemInfo(brand="pair", also_bought=("nowhere", "i52"))
    info["i51"] = ItemInfo(brand="pair")
    channel = GraphChannel(GraphConfig(brand_weight=1.0, group_size_power=1.0))
    channel.fit(TrainingData(ids, [np.array([0, 50])], item_info=info))
    huge, pair = channel.score([np.array([0]), np.array([50])])
    np.testing.assert_allclose(huge[:50], 1.0 / 50, rtol=1e-6)
    assert pair[51] == pytest.approx(0.5) and pair[52] == pytest.approx(1.0)
    assert pair.sum() == pytest.approx(0.5 + 0.5 + 1.0)  # itself, its brand mate, its link


def test_graph_without_catalog_facts_has_no_opinion() -> None:
    channel = GraphChannel()
    channel.fit(TrainingData(IDS, _clusters()))
    assert not channel.score([np.array([0, 1])]).any()
    assert channel.reason(np.array([0, 1]), 2) is None

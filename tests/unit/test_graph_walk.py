"""The knowledge-graph walk channel's own known answers: shoppers, brands, category levels and
catalog links each carry the walk, weighed as configured; the popularity penalty; the channel
named in a recommender's channels."""

from __future__ import annotations

import numpy as np

from shelfwise.recommend.channel import ItemInfo, TrainingData
from shelfwise.recommend.channels import ChannelsConfig, build_channels
from shelfwise.recommend.graph_walk import GraphWalkChannel, GraphWalkConfig, walk_matrix

IDS = ("a", "b", "c", "d", "e")


def _data() -> TrainingData:
    sequences = [np.array(s, dtype=np.int64) for s in ([0, 1], [0, 1], [0, 2], [2, 4], [2, 4], [2, 4])]
    info = {
        "a": ItemInfo(brand="Acme", category="Camp > Tents"),
        "d": ItemInfo(brand="ACME ", category="Camp > Bags"),  # same brand, another shelf
        "e": ItemInfo(also_bought=("b",)),
    }
    return TrainingData(IDS, sequences, None, None, info)


def test_each_kind_of_edge_carries_the_walk() -> None:
    data = _data()
    walk = walk_matrix(data, GraphWalkConfig()).toarray()
    assert walk[0, 1] > walk[0, 2] > 0  # two shoppers had a and b, one had a and c
    assert walk[0, 3] > 0 and walk[3, 0] > 0  # only the brand and the department link a and d
    assert walk[4, 1] > 0 and walk[1, 4] > 0  # a catalog link walks both ways
    assert np.all(np.diag(walk) == 0)
    no_entities = walk_matrix(data, GraphWalkConfig(entity_weight=0.0, link_weight=0.0)).toarray()
    assert no_entities[0, 3] == 0 and no_entities[1, 4] == 0
    # a -> one of its 3 shoppers -> one of that shopper's 2 items; a walk back to a is dropped
    assert np.allclose(no_entities[0], [0, 1 / 3, 1 / 6, 0, 0])


def test_beta_penalises_popular_targets() -> None:
    data = _data()
    plain = walk_matrix(data, GraphWalkConfig(entity_weight=0, link_weight=0)).toarray()
    penalised = walk_matrix(data, GraphWalkConfig(entity_weight=0, link_weight=0, beta=1.0)).toarray()
    # from a: b (2 events) against c (4 events): the penalty moves the ratio by their popularity
    assert np.isclose(penalised[0, 1] / penalised[0, 2], plain[0, 1] / plain[0, 2] * 2.0)


def test_the_channel_reasons_from_the_history_and_is_named_in_the_channels() -> None:
    data = _data()
    channel = GraphWalkChannel()
    channel.fit(data)
    why = channel.reason(np.array([2, 0]), 1)
    assert why is not None and why.kind == "graph_walk" and why.anchor == 0
    names = [c.name for c in build_channels(ChannelsConfig(enabled=("cooccurrence", "graph_walk")), data)]
    assert names == ["cooccurrence", "graph_walk"]
    assert "graph_walk" not in ChannelsConfig().enabled  # measured, not a default

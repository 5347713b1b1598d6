"""Which recall channels a recommender runs, and their settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.recommend.artifact import CHANNEL_FORMAT, ArtifactError, read_manifest
from shelfwise.recommend.channel import RecallChannel, TrainingData
from shelfwise.recommend.cooccurrence import CooccurrenceChannel, CooccurrenceConfig
from shelfwise.recommend.graph_walk import GraphWalkConfig
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig

ChannelName = Literal[
    "cooccurrence", "sequential", "als", "content", "popularity", "trending", "graph", "graph_walk"
]


class ChannelsConfig(BaseModel):
    model_config = ConfigDict(frozen=True)

    enabled: tuple[ChannelName, ...] = ("cooccurrence", "sequential", "als", "content", "popularity")
    cooccurrence: CooccurrenceConfig = Field(default_factory=CooccurrenceConfig)
    sequential: SequentialConfig = Field(default_factory=SequentialConfig)
    graph_walk: GraphWalkConfig = Field(default_factory=GraphWalkConfig)


def build_channels(config: ChannelsConfig, data: TrainingData) -> list[RecallChannel]:
    """Unfitted channels, in the configured order. Channels that need what the data lacks
    (text vectors for content, catalog links for the graph) are left out."""
    channels: list[RecallChannel] = []
    for name in dict.fromkeys(config.enabled):
        if name == "cooccurrence":
            channels.append(CooccurrenceChannel(config.cooccurrence))
        elif name == "sequential":
            channels.append(SequentialChannel(config.sequential))
        elif name == "als":
            from shelfwise.recommend.als import AlsChannel

            channels.append(AlsChannel())
        elif name == "content" and data.item_vectors is not None:
            from shelfwise.recommend.content import ContentChannel

            channels.append(ContentChannel())
        elif name in ("popularity", "trending"):
            from shelfwise.recommend.popularity import PopularityChannel, PopularityConfig

            channels.append(
                PopularityChannel(PopularityConfig(mode="popular" if name == "popularity" else "trending"))
            )
        elif name == "graph" and data.item_info:
            from shelfwise.recommend.graph import GraphChannel

            channels.append(GraphChannel())
        elif name == "graph_walk":  # measured, not a default: see recommend/graph_walk.py
            from shelfwise.recommend.graph_walk import GraphWalkChannel

            channels.append(GraphWalkChannel(config.graph_walk))
    return channels


def load_channel(folder: Path) -> RecallChannel:
    """The channel saved in `folder`, read by its own class (named in its manifest)."""
    name = read_manifest(folder, CHANNEL_FORMAT).get("channel")
    loaded: RecallChannel
    if name == "cooccurrence":
        loaded = CooccurrenceChannel.load(folder)
    elif name == "sequential":
        loaded = SequentialChannel.load(folder)
    elif name == "als":
        from shelfwise.recommend.als import AlsChannel

        loaded = AlsChannel.load(folder)
    elif name == "content":
        from shelfwise.recommend.content import ContentChannel

        loaded = ContentChannel.load(folder)
    elif name in ("popularity", "trending"):
        from shelfwise.recommend.popularity import PopularityChannel

        loaded = PopularityChannel.load(folder)
    elif name == "graph":
        from shelfwise.recommend.graph import GraphChannel

        loaded = GraphChannel.load(folder)
    elif name == "graph_walk":
        from shelfwise.recommend.graph_walk import GraphWalkChannel

        loaded = GraphWalkChannel.load(folder)
    else:
        raise ArtifactError(f"{folder}: no recall channel named {name!r}")
    return loaded

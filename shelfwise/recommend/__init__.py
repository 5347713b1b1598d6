"""Recommendation: recall channels over shoppers' interaction sequences, fused by a learned
ranker. `Recommender` is the entry point; `predict_next_items` runs the offline benchmark."""

from shelfwise.recommend.channel import ItemInfo, RecallChannel, TrainingData, top_k
from shelfwise.recommend.channels import ChannelsConfig, build_channels
from shelfwise.recommend.cooccurrence import CooccurrenceChannel, CooccurrenceConfig
from shelfwise.recommend.offline import BenchReport, predict_next_items, training_data
from shelfwise.recommend.ranker import CandidateBuilder, Candidates, ChannelRankerConfig, LearnedRanker
from shelfwise.recommend.reasons import Reason
from shelfwise.recommend.recommender import (
    FitReport,
    Recommender,
    RecommenderTrainingConfig,
    hold_out_latest,
    recommender_config,
)
from shelfwise.recommend.sequential import SequentialChannel, SequentialConfig

__all__ = [
    "BenchReport",
    "CandidateBuilder",
    "Candidates",
    "ChannelsConfig",
    "CooccurrenceChannel",
    "CooccurrenceConfig",
    "FitReport",
    "ItemInfo",
    "LearnedRanker",
    "ChannelRankerConfig",
    "Reason",
    "RecallChannel",
    "Recommender",
    "RecommenderTrainingConfig",
    "SequentialChannel",
    "SequentialConfig",
    "TrainingData",
    "build_channels",
    "hold_out_latest",
    "predict_next_items",
    "recommender_config",
    "top_k",
    "training_data",
]

"""Training jobs that turn a shop's data into versioned model artifacts."""

from shelfwise.train.encoder import (
    EncoderTrainer,
    EncoderTrainingConfig,
    EncoderTrainingReport,
    build_examples,
)
from shelfwise.train.jobs import (
    EncoderArtifact,
    RerankerArtifact,
    active_encoder_path,
    active_reranker_path,
    train_encoder,
    train_reranker,
)
from shelfwise.train.reranker import RerankerTrainer, RerankerTrainingConfig, RerankerTrainingReport

__all__ = [
    "EncoderArtifact",
    "EncoderTrainer",
    "EncoderTrainingConfig",
    "EncoderTrainingReport",
    "RerankerArtifact",
    "RerankerTrainer",
    "RerankerTrainingConfig",
    "RerankerTrainingReport",
    "active_reranker_path",
    "train_reranker",
    "active_encoder_path",
    "build_examples",
    "train_encoder",
]

"""Training jobs that turn a shop's data into versioned model artifacts."""

from shelfwise.train.encoder import (
    EncoderTrainer,
    EncoderTrainingConfig,
    EncoderTrainingReport,
    build_examples,
)
from shelfwise.train.jobs import EncoderArtifact, active_encoder_path, train_encoder

__all__ = [
    "EncoderArtifact",
    "EncoderTrainer",
    "EncoderTrainingConfig",
    "EncoderTrainingReport",
    "active_encoder_path",
    "build_examples",
    "train_encoder",
]

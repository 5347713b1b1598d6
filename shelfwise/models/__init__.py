"""Language-model encoders and `load_encoder` to build the configured one."""

from __future__ import annotations

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


def load_encoder(config: EncoderConfig) -> Encoder:
    if config.name == "hashing":
        return HashingEncoder()
    return SentenceTransformerEncoder(
        model_path=config.model_path, batch_size=config.batch_size, threads=config.threads
    )

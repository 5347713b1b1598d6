"""The bench commands read the shop's embedding cache where its settings put it (a PostgreSQL
shop's pgvector cache, here memory://), not always the data folder's embeddings.db."""

from __future__ import annotations

from pathlib import Path

from shelfwise.bench.encoders import load_item_encoder
from shelfwise.config import EncoderConfig, Settings
from shelfwise.store import MemoryEmbeddingCache, SQLiteEmbeddingCache


def test_the_item_encoder_uses_the_configured_embedding_cache(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, encoder=EncoderConfig(name="hashing"), embeddings_url="memory://")
    encoder = load_item_encoder(settings)
    try:
        assert isinstance(encoder.cache, MemoryEmbeddingCache)
        assert not (tmp_path / "embeddings.db").exists()
    finally:
        encoder.cache.close()


def test_by_default_it_is_the_data_folders_file(tmp_path: Path) -> None:
    encoder = load_item_encoder(Settings(data_dir=tmp_path, encoder=EncoderConfig(name="hashing")))
    try:
        assert isinstance(encoder.cache, SQLiteEmbeddingCache)
        assert (tmp_path / "embeddings.db").exists()
    finally:
        encoder.cache.close()

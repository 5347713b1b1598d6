"""The data folder's item encoder, as the recommendation benchmarks use it."""

from __future__ import annotations

from shelfwise.config import Settings
from shelfwise.models import CachedEncoder
from shelfwise.shop_data import ShopUrls
from shelfwise.store import open_embedding_cache
from shelfwise.train import data_dir_encoder


def load_item_encoder(settings: Settings) -> CachedEncoder:
    """The data folder's encoder (its active fine-tuned one, else the configured one) behind
    the folder's embedding cache, as `bench search` uses it."""
    encoder = data_dir_encoder(settings.encoder, settings.data_dir)
    cache = open_embedding_cache(ShopUrls.from_settings(settings).embeddings)
    return CachedEncoder(encoder, cache)

"""Shared fixtures: the bundled MiniLM encoder is loaded once per test session, and a PostgreSQL
server is started for it on first use (`tests/postgres_server.py`)."""

from __future__ import annotations

import os

import pytest

pytest_plugins = ["tests.postgres_server"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


@pytest.fixture(scope="session")
def minilm():  # noqa: ANN201 - the encoder type is imported lazily
    from shelfwise.models import SentenceTransformerEncoder

    return SentenceTransformerEncoder(batch_size=32)

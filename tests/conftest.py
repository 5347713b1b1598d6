"""Shared fixtures: the bundled MiniLM encoder is loaded once per test session, and a PostgreSQL
server is started for it on first use (`tests/postgres_server.py`).

`make test` runs the suite on two pytest-xdist workers (`-n 2 --dist loadgroup`). A folder whose
tests share one costly session fixture runs whole on one worker (`xdist_group`): tests/cluster
(one Ray cluster in network namespaces, which also must not meet a second one) and tests/browser
(one chromium and one demo shop, installed with apt-get on first use)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.postgres_server"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# the folders whose tests run together on one xdist worker: their session fixtures are costly
ONE_WORKER_FOLDERS = ("cluster", "browser")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tests_folder = Path(__file__).parent
    for item in items:
        relative = item.path.relative_to(tests_folder) if item.path.is_relative_to(tests_folder) else None
        if relative is not None and relative.parts[0] in ONE_WORKER_FOLDERS:
            item.add_marker(pytest.mark.xdist_group(relative.parts[0]))


@pytest.fixture(scope="session")
def minilm():  # noqa: ANN201 - the encoder type is imported lazily
    from shelfwise.models import SentenceTransformerEncoder

    return SentenceTransformerEncoder(batch_size=32)

"""Shared fixtures: the bundled MiniLM encoder is loaded once per test session, and a PostgreSQL
server is started for it on first use (`tests/postgres_server.py`).

`make test` runs the suite on two pytest-xdist workers (`-n 2`). A folder whose tests share one
costly session fixture runs whole on one worker (`pytest_xdist_make_scheduler`): tests/cluster
(one Ray cluster in network namespaces, which also must not meet a second one) and tests/browser
(one chromium and one demo shop, installed with apt-get on first use)."""

from __future__ import annotations

import importlib.util
import os

import pytest

pytest_plugins = ["tests.postgres_server"]

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# the folders whose tests run together on one xdist worker: their session fixtures are costly
ONE_WORKER_FOLDERS = ("cluster", "browser")


if importlib.util.find_spec("xdist") is not None:

    def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
        """xdist's scope scheduler with a scope per test, except that each of ONE_WORKER_FOLDERS
        is one scope (its tests go to one worker, in order). `--dist loadgroup` would do it with
        marks, but xdist 3.8 sets `item._nodeid`, which pytest 9 no longer reads."""
        from xdist.scheduler import LoadScopeScheduling

        class FolderScopes(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                parts = nodeid.split("/")
                return (
                    parts[1]
                    if len(parts) > 2 and parts[0] == "tests" and parts[1] in ONE_WORKER_FOLDERS
                    else nodeid
                )

        return FolderScopes(config, log)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def minilm():  # noqa: ANN201 - the encoder type is imported lazily
    from shelfwise.models import SentenceTransformerEncoder

    return SentenceTransformerEncoder(batch_size=32)

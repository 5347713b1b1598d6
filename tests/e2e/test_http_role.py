"""The HTTP process's role (issue 28): it holds a `ShopServer` (serving, catalog writes, index
builds, swapping in kept versions) and never the `Shelfwise` facade, which adds training; and
serve/ and web/ reach neither the facade nor a trainer's entry point (import-linter contract
`http-never-trains` in pyproject.toml)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig, Settings
from shelfwise.records import Product
from shelfwise.serve import app_from_env, create_app
from shelfwise.service import Shelfwise
from shelfwise.shop_server import ShopServer

ROOT = Path(__file__).resolve().parents[2]
CHECK = (
    "from importlinter.cli import lint_imports\n"
    "raise SystemExit(lint_imports(config_filename='pyproject.toml',"
    " limit_to_contracts=('http-never-trains',), no_cache=True, no_logo=True))\n"
)


def training_methods(shop: object) -> list[str]:
    return [name for name in dir(shop) if name.startswith("train")]


def test_the_server_role_has_no_training_method_and_the_facade_adds_it() -> None:
    assert training_methods(ShopServer) == []
    assert training_methods(Shelfwise) == ["train_ranker", "train_recommender"]
    assert issubclass(Shelfwise, ShopServer)


def test_the_app_from_env_holds_a_shop_server_that_cannot_train(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hashing_settings: Callable[[Path], Settings],
    catalog: list[Product],
) -> None:
    builder = ShopServer(hashing_settings(tmp_path))  # the role writes and builds without training
    builder.upsert_products(catalog)
    builder.rebuild_index()
    builder.close()
    monkeypatch.setenv("SHELFWISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    monkeypatch.setenv("SHELFWISE_SERVE__API_KEY", "role-key")
    with TestClient(app_from_env()) as client:
        shop = client.app.state.shelfwise  # type: ignore[attr-defined]
        assert type(shop) is ShopServer
        assert training_methods(shop) == []
        assert client.get("/health").json()["products"] == len(catalog)
        written = client.put(
            "/products/kt-901",
            json={"title": "Role Test Kettle", "price": 20.0},
            headers={"X-API-Key": "role-key"},
        )
        assert written.status_code == 200, written.text
        assert client.get("/products/kt-901").json()["title"] == "Role Test Kettle"


def test_create_app_serves_the_role_it_is_given(
    tmp_path: Path, hashing_settings: Callable[[Path], Settings]
) -> None:
    shop = ShopServer(hashing_settings(tmp_path))
    try:
        with TestClient(create_app(shop, ServeConfig(api_key="k"))) as client:
            assert client.app.state.shelfwise is shop  # type: ignore[attr-defined]
            assert client.get("/health").json()["status"] == "no-index"
    finally:
        shop.close()


def test_serve_and_web_reach_neither_the_training_facade_nor_a_trainer() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", CHECK], cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 kept, 0 broken" in done.stdout


def test_the_console_retrains_with_the_default_channels_of_the_train_command() -> None:
    from shelfwise.recommend.recommender import DEFAULT_CHANNELS
    from shelfwise.web.admin_jobs import DEFAULT_CHANNELS as CONSOLE_CHANNELS
    from shelfwise.worker.kinds import DEFAULT_CHANNELS as WORKER_CHANNELS

    assert CONSOLE_CHANNELS == WORKER_CHANNELS == DEFAULT_CHANNELS == "cooccurrence,sequential,popularity"

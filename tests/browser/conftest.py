"""Browser tests: Playwright drives Debian's chromium against a demo shop served by
`shelfwise serve` on a free port of 127.0.0.1.

Chromium is Debian's (/usr/bin/chromium), installed here with apt-get when missing; Playwright's
own browser downloads are never used. The tests are skipped, saying why, only when chromium
cannot be installed at all.

`SCREENSHOTS_DIR=docs/screenshots pytest tests/browser` saves the main pages' screenshots; the shop
then reads with the bundled MiniLM, as `make demo` does (slower to build), instead of the
model-free hashing encoder.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from browser_shop import (
    API_KEY,
    CHROMIUM,
    CHROMIUM_ARGS,
    DEMO_ARGS,
    DESKTOP,
    MULTILINGUAL_DEMO_ARGS,
    Shop,
    free_port,
    install_chromium,
    wait_until_serving,
)


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        problem = install_chromium()
        if not CHROMIUM.exists():
            why = problem or "no binary after the install"
            pytest.skip(f"Debian's chromium is not installed and could not be: {why}")
    return CHROMIUM


@contextmanager
def _served_demo(root: Path, encoder: str, demo_args: list[str]) -> Iterator[Shop]:
    """`shelfwise demo` builds a demo shop in `root`, then `shelfwise serve` serves it with an API
    key on a free port until the block ends."""
    data_dir = root / "data"
    env = {
        **{k: v for k, v in os.environ.items() if not k.upper().startswith("SHELFWISE_")},
        "SHELFWISE_DATA_DIR": str(data_dir),
        "SHELFWISE_ENCODER__NAME": encoder,
        "SHELFWISE_SERVE__API_KEY": API_KEY,
        "SHELFWISE_SERVE__PUBLIC_REVIEWS": "true",  # the storefront's review form, as the demo serves it
        "HF_HUB_OFFLINE": "1",
    }
    cli = [sys.executable, "-m", "shelfwise.cli"]
    built = subprocess.run(
        [*cli, "demo", *demo_args], cwd=root, env=env, capture_output=True, text=True, timeout=900
    )
    assert built.returncode == 0, f"shelfwise demo failed:\n{built.stdout}\n{built.stderr}"
    port = free_port()
    with (root / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port)],
            cwd=root, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        try:
            wait_until_serving(f"http://127.0.0.1:{port}/health", server)
            yield Shop(f"http://127.0.0.1:{port}", API_KEY, data_dir)
        finally:
            server.terminate()
            server.wait(timeout=30)


@pytest.fixture(scope="session")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The demo shop, small, read by the model-free hashing encoder (the bundled MiniLM, as
    `make demo` serves it, when screenshots are being taken)."""
    encoder = "minilm" if os.environ.get("SCREENSHOTS_DIR") else "hashing"
    with _served_demo(tmp_path_factory.mktemp("browser-shop"), encoder, DEMO_ARGS) as served:
        yield served


@pytest.fixture(scope="session")
def multilingual_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """A smaller demo shop with the multilingual option on (multilingual-e5-small)."""
    root = tmp_path_factory.mktemp("multilingual-shop")
    with _served_demo(root, "multilingual-e5-small", MULTILINGUAL_DEMO_ARGS) as served:
        yield served


@pytest.fixture(scope="session")
def chinese_shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    """The Chinese demo shop (`shelfwise demo --language zh`), small, hashing encoder."""
    root = tmp_path_factory.mktemp("chinese-shop")
    with _served_demo(root, "hashing", ["--language", "zh", *MULTILINGUAL_DEMO_ARGS]) as served:
        yield served


@pytest.fixture(scope="session")
def browser(chromium: Path) -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is in the dev extras")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(chromium), headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def open_page(browser, request: pytest.FixtureRequest) -> Iterator[Callable[..., object]]:  # noqa: ANN001
    """open_page(viewport=DESKTOP, shop=None) -> a page in a fresh browser context (a new
    shopper) on `shop`, by default the demo shop of the `shop` fixture."""
    contexts = []
    uncaught: list[str] = []  # a test fails on any script error its pages raise

    def open_one(viewport: dict[str, int] = DESKTOP, shop: Shop | None = None) -> object:
        served = shop or request.getfixturevalue("shop")
        context = browser.new_context(viewport=viewport, base_url=served.base_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: uncaught.append(str(error)))
        return page

    yield open_one
    for context in contexts:
        context.close()
    assert not uncaught, f"uncaught script errors: {uncaught}"


@pytest.fixture
def screenshot() -> Callable[[object, str], None]:
    """screenshot(page, name): saved as SCREENSHOTS_DIR/name.png when SCREENSHOTS_DIR is set."""
    folder = os.environ.get("SCREENSHOTS_DIR")

    def save(page: object, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=False)  # type: ignore[attr-defined]

    return save

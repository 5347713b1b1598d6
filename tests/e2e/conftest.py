"""A small shop served over HTTP: 20 products, the hashing encoder, a fresh data folder per test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.records import Product
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

API_KEY = "test-key-5f1c"

HEADPHONES = ("Electronics", "Audio", "Headphones")
EARBUDS = ("Electronics", "Audio", "Earbuds")
DRESSES = ("Clothing", "Women", "Dresses")
KETTLES = ("Home", "Kitchen", "Kettles")
COFFEE = ("Home", "Kitchen", "Coffee")


def _p(pid: str, title: str, brand: str, category: tuple[str, ...], price: float, **kw) -> Product:
    return Product(product_id=pid, title=title, brand=brand, category=category, price=price, **kw)


PRODUCTS: list[Product] = [
    _p(
        "hp-001",
        "Sony WH-1000XM5 Wireless Noise Cancelling Headphones",
        "Sony",
        HEADPHONES,
        399.99,
        attributes={"color": "black"},
        rating=4.7,
        description="Industry-leading noise cancellation, 30-hour battery, quick charge.",
    ),
    _p(
        "hp-002",
        "Bose QuietComfort 45 Bluetooth Headphones",
        "Bose",
        HEADPHONES,
        329.00,
        attributes={"color": "white"},
        description="Quiet mode and aware mode, 24-hour battery.",
    ),
    _p(
        "hp-003",
        "Sennheiser HD 560S Open-Back Headphones",
        "Sennheiser",
        HEADPHONES,
        199.95,
        attributes={"color": "black"},
        description="Reference sound for audiophiles, wired.",
    ),
    _p(
        "hp-004",
        "JBL Tune 510BT On-Ear Headphones",
        "JBL",
        HEADPHONES,
        49.95,
        attributes={"color": "blue"},
        description="Pure bass sound, foldable, 40-hour battery.",
    ),
    _p(
        "hp-005",
        "Sony WF-C700N Wireless Earbuds",
        "Sony",
        EARBUDS,
        119.99,
        attributes={"color": "black"},
        in_stock=False,
        description="Compact earbuds with noise cancelling.",
    ),
    _p(
        "hp-006",
        "Apple AirPods Pro (2nd generation)",
        "Apple",
        EARBUDS,
        249.00,
        attributes={"color": "white"},
        description="Active noise cancellation, MagSafe case.",
    ),
    _p(
        "hp-007",
        "Audio-Technica ATH-M50x Studio Monitor Headphones",
        "Audio-Technica",
        HEADPHONES,
        149.00,
        attributes={"color": "black"},
        description="Critically acclaimed studio headphones with detachable cables.",
    ),
    _p(
        "dr-001",
        "Floral Wrap Midi Dress",
        "Zara",
        DRESSES,
        59.90,
        attributes={"color": "red", "size": "M"},
        description="Flowing viscose with a tie waist.",
    ),
    _p(
        "dr-002",
        "Linen Summer Maxi Dress",
        "Mango",
        DRESSES,
        79.99,
        attributes={"color": "white", "size": "S"},
        description="Breathable linen, ankle length.",
    ),
    _p(
        "dr-003",
        "Little Black Cocktail Dress",
        "Zara",
        DRESSES,
        89.00,
        attributes={"color": "black", "size": "S"},
        description="Sleeveless, knee length.",
    ),
    _p(
        "dr-004",
        "Red Satin Evening Gown",
        "Lauren",
        DRESSES,
        229.00,
        attributes={"color": "red", "size": "L"},
        in_stock=False,
        description="Floor-length satin gown for formal evenings.",
    ),
    _p(
        "dr-005",
        "Striped Cotton Shirt Dress",
        "Mango",
        DRESSES,
        49.99,
        attributes={"color": "blue", "size": "M"},
        description="Button-front cotton with a belt.",
    ),
    _p(
        "dr-006",
        "Knitted Sweater Dress",
        "H&M",
        DRESSES,
        34.99,
        attributes={"color": "grey", "size": "L"},
        description="Soft rib knit for cold days.",
    ),
    _p(
        "kt-001",
        "Fellow Stagg EKG Electric Pour-Over Kettle",
        "Fellow",
        KETTLES,
        165.00,
        attributes={"color": "black", "material": "stainless steel"},
        description="Variable temperature control and a precision gooseneck spout.",
    ),
    _p(
        "kt-002",
        "Bodum Bistro Electric Water Kettle",
        "Bodum",
        KETTLES,
        39.99,
        attributes={"color": "red", "material": "plastic"},
        description="1 litre, cordless.",
    ),
    _p(
        "kt-003",
        "Le Creuset Enamel Stovetop Kettle",
        "Le Creuset",
        KETTLES,
        110.00,
        attributes={"color": "red", "material": "enamel"},
        description="Whistling stovetop kettle.",
    ),
    _p(
        "kt-004",
        "Cosori Glass Electric Kettle",
        "Cosori",
        KETTLES,
        35.99,
        attributes={"color": "clear", "material": "glass"},
        description="Blue LED, auto shut-off.",
    ),
    _p(
        "kt-005",
        "Smeg 50s Retro Style Electric Kettle",
        "Smeg",
        KETTLES,
        169.95,
        attributes={"color": "cream", "material": "stainless steel"},
        in_stock=False,
        description="Retro design with a soft-opening lid.",
    ),
    _p(
        "cf-001",
        "Hario V60 Ceramic Coffee Dripper",
        "Hario",
        COFFEE,
        24.00,
        attributes={"color": "white", "material": "ceramic"},
        description="Pour-over cone, size 02.",
    ),
    _p(
        "cf-002",
        "Breville Barista Express Espresso Machine",
        "Breville",
        COFFEE,
        699.95,
        attributes={"color": "silver", "material": "stainless steel"},
        description="Built-in conical burr grinder and steam wand.",
    ),
]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read SHELFWISE_* variables; the machine running the tests must not leak in."""
    import os

    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


def hashing_settings_for(data_dir: Path) -> Settings:
    return Settings(data_dir=data_dir, encoder=EncoderConfig(name="hashing"))


@pytest.fixture
def hashing_settings() -> Callable[[Path], Settings]:
    """Settings for a data folder with the fast, model-free hashing encoder."""
    return hashing_settings_for


@pytest.fixture
def catalog() -> list[Product]:
    return list(PRODUCTS)


@pytest.fixture
def api_key() -> str:
    return API_KEY


@pytest.fixture
def empty_shelfwise(tmp_path: Path) -> Iterator[Shelfwise]:
    """A Shelfwise with no products and no index."""
    shelfwise = Shelfwise(hashing_settings_for(tmp_path / "data"))
    yield shelfwise
    shelfwise.close()


@pytest.fixture
def shelfwise(empty_shelfwise: Shelfwise) -> Shelfwise:
    """The 20-product shop, indexed."""
    empty_shelfwise.upsert_products(PRODUCTS)
    empty_shelfwise.rebuild_index()
    return empty_shelfwise


ClientFactory = Callable[..., TestClient]


@pytest.fixture
def make_client() -> Iterator[ClientFactory]:
    """make_client(shelfwise, api_key=..., max_body_bytes=...) -> a started TestClient."""
    clients: list[TestClient] = []

    def make(shelfwise: Shelfwise, **serve: object) -> TestClient:
        config = ServeConfig(**{"api_key": API_KEY, **serve})
        client = TestClient(create_app(shelfwise, config))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(shelfwise: Shelfwise, make_client: ClientFactory) -> TestClient:
    return make_client(shelfwise)


@pytest.fixture
def auth() -> dict[str, str]:
    return {"X-API-Key": API_KEY}

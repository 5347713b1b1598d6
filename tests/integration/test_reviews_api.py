"""Reviews over HTTP on a real Shelfwise (SQLite, hashing encoder): POST /reviews (one, a batch,
per-item errors, resends, the reviews action), GET /products/{id}/reviews (paged, count and mean
without the flagged ones), the admin's flagged list, and DELETE /shoppers/{id} taking the
shopper's reviews with them."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.keys import create_key
from shelfwise.records import Product
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

KEY = "reviews-test-key"
AUTH = {"X-API-Key": KEY}
COPIED = "Boils a full litre in three minutes and switches itself off."


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def shelfwise(tmp_path: Path) -> Iterator[Shelfwise]:
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    shop.upsert_products(
        [Product(product_id=pid, title=f"kettle {pid}") for pid in ("k1", "k2", "k3", "a/b")]
    )
    yield shop
    shop.close()


@pytest.fixture
def client(shelfwise: Shelfwise) -> Iterator[TestClient]:
    with TestClient(create_app(shelfwise, ServeConfig(api_key=KEY))) as test_client:
        yield test_client


def _review(
    rid: str, product: str = "k1", shopper: str = "u1", rating: object = 5, **kw: object
) -> dict[str, object]:
    return {"review_id": rid, "product_id": product, "shopper_id": shopper, "rating": rating,
            "text": f"text of {rid}", "timestamp": "2026-11-01T12:00:00Z", **kw}  # fmt: skip


def test_post_needs_the_reviews_action_and_is_idempotent(client: TestClient, shelfwise: Shelfwise) -> None:
    assert client.post("/reviews", json=_review("r1")).status_code == 401
    search_only = create_key(shelfwise.data.keys, ["search"], "storefront", datetime.now(UTC))[1]
    assert client.post("/reviews", json=_review("r1"), headers={"X-API-Key": search_only}).status_code == 403
    writer = create_key(shelfwise.data.keys, ["reviews"], "review widget", datetime.now(UTC))[1]
    first = client.post("/reviews", json=_review("r1"), headers={"X-API-Key": writer})
    assert first.status_code == 200, first.text
    assert first.json() == {"inserted": 1, "updated": 0, "unchanged": 0, "rejected": 0, "flagged": 0,
                            "results": [{"index": 0, "review_id": "r1", "outcome": "inserted", "flags": [],
                                         "errors": []}]}  # fmt: skip
    assert client.post("/reviews", json=_review("r1"), headers=AUTH).json()["unchanged"] == 1
    assert client.post("/reviews", json=_review("r1", rating=2), headers=AUTH).json()["updated"] == 1
    assert shelfwise.data.reviews.count() == 1 and shelfwise.data.reviews.get("r1").rating == 2  # type: ignore[union-attr]


def test_a_batch_keeps_its_valid_reviews_and_names_each_bad_one(
    client: TestClient, shelfwise: Shelfwise
) -> None:
    batch = {"reviews": [_review("ok"), _review("bad", rating="5"), _review("half", rating=4.5), "nope",
                         _review("whole", rating=4.0, text="这个水壶很好用")]}  # fmt: skip
    response = client.post("/reviews", json=batch, headers=AUTH)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["inserted"], body["rejected"]) == (2, 3)
    messages = [e["message"] for r in body["results"] for e in r["errors"]]
    assert messages == [
        "reviews[1].rating: input should be a valid integer",
        "reviews[2].rating: '4.5' is not a whole number of stars from 1 to 5",
        "reviews[3]: expected a review object, got str",
    ]
    assert shelfwise.data.reviews.get("whole").language == "zh"  # type: ignore[union-attr]
    none = client.post("/reviews", json={"reviews": [_review("x", shopper=" ")]}, headers=AUTH)
    assert none.status_code == 422 and none.json()["detail"][0]["errors"][0]["field"] == "shopper_id"


def test_a_products_reviews_paged_with_count_and_mean(client: TestClient) -> None:
    reviews = [_review(f"r{i}", shopper=f"u{i}", rating=1 + i % 5, timestamp=f"2026-11-0{i + 1}T10:00:00Z")
               for i in range(5)]  # fmt: skip
    later = "2026-11-09T10:00:00Z"
    reviews += [_review("copy-1", shopper="u8", text=COPIED),
                _review("copy-2", product="k2", shopper="u9", text=COPIED, timestamp=later)]  # fmt: skip
    posted = client.post("/reviews", json={"reviews": reviews}, headers=AUTH).json()
    assert posted["flagged"] == 1 and posted["results"][-1]["flags"] == ["duplicate_text"]
    page = client.get("/products/k1/reviews", params={"page_size": 4})
    assert page.status_code == 200, page.text
    body = page.json()
    assert (body["count"], body["mean"], body["stars"]) == (6, round(20 / 6, 6), [1, 1, 1, 1, 2])
    assert [r["review_id"] for r in body["reviews"]] == ["r4", "r3", "r2", "r1"]
    assert "shopper_id" not in body["reviews"][0]
    second = client.get("/products/k1/reviews", params={"page_size": 4, "page": 2}).json()
    assert [r["review_id"] for r in second["reviews"]] == ["copy-1", "r0"]
    k2 = client.get("/products/k2/reviews").json()
    assert (k2["count"], k2["mean"], k2["reviews"]) == (0, None, [])  # the copy is held out
    assert client.get("/products/a/b/reviews").json()["count"] == 0  # an id with a slash
    assert client.get("/products/a/b").json()["product_id"] == "a/b"
    assert client.get("/products/nope/reviews").status_code == 404
    refused = client.put("/products/k1/reviews", json={"title": "x"}, headers=AUTH)
    assert refused.status_code == 405 and refused.headers["allow"] == "GET"  # never a product 'k1/reviews'

    assert client.get("/reviews/flagged").status_code == 401
    flagged = client.get("/reviews/flagged", headers=AUTH).json()["reviews"]
    assert [(r["review_id"], r["shopper_id"], r["flags"][0]["code"]) for r in flagged] == [
        ("copy-2", "u9", "duplicate_text")]  # fmt: skip


def test_forgetting_a_shopper_over_http_deletes_their_reviews(
    client: TestClient, shelfwise: Shelfwise
) -> None:
    batch = {"reviews": [_review("mine-1", shopper="gone"), _review("mine-2", product="k2", shopper="gone"),
                         _review("theirs", shopper="stays")]}  # fmt: skip
    assert client.post("/reviews", json=batch, headers=AUTH).json()["inserted"] == 3
    forgot = client.delete("/shoppers/gone", headers=AUTH)
    assert forgot.status_code == 200 and forgot.json()["reviews"] == 2
    assert [r["review_id"] for r in client.get("/products/k1/reviews").json()["reviews"]] == ["theirs"]
    assert shelfwise.data.reviews.by_shopper("gone") == []

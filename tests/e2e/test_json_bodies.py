"""JSON bodies with NaN or Infinity (which Python's json reads) or bytes that are not UTF-8 are
refused with a 422 that names the field, on every route that takes a body, before anything is
stored."""

from __future__ import annotations

import math

import pytest
from fastapi.testclient import TestClient

from shelfwise.serve.json_body import non_finite_numbers
from shelfwise.service import Shelfwise

JSON = {"Content-Type": "application/json"}

EVENT = (
    '{"event_id": "e-%d", "type": "add_to_cart", "user_id": "u-1", "product_id": "kt-002", '
    '"timestamp": 1714566600, "price": %s}'
)


def test_the_walk_names_every_non_finite_number_in_document_order() -> None:
    body = {"a": [1.0, {"b": math.nan}], "c": {"d": {"e": -math.inf}}, "f": 1e308, "g": "NaN"}
    assert [where for where, _ in non_finite_numbers(body)] == [("a", 1, "b"), ("c", "d", "e")]


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_an_event_batch_with_a_nan_price_is_refused_naming_the_event(
    client: TestClient, shelfwise: Shelfwise, literal: str
) -> None:
    events = ", ".join(EVENT % (i, literal if i == 3 else "39.99") for i in range(5))
    response = client.post("/events", content=f'{{"events": [{events}]}}', headers=JSON)
    assert response.status_code == 422, response.text
    body = response.json()
    assert "body.events[3].price" in body["error"]
    assert any("events[3].price" in message for message in body["detail"])
    assert shelfwise.events.count() == 0  # nothing of the batch was stored


def test_a_single_event_with_a_nan_price_is_refused(client: TestClient) -> None:
    response = client.post("/events", content=EVENT % (1, "NaN"), headers=JSON)
    assert response.status_code == 422 and "body.price" in response.json()["error"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("POST", "/search", '{"filters": {"price": {"min": NaN}}}', "body.filters.price.min"),
        ("PUT", "/products/kt-009", '{"title": "Kettle", "price": Infinity}', "body.price"),
        ("PUT", "/products/kt-009", '{"title": "Kettle", "attributes": {"watts": NaN}}',
         "body.attributes.watts"),
        ("POST", "/products/bulk", '{"products": [{"product_id": "a", "title": "A", "rating": -Infinity}]}',
         "body.products[0].rating"),
        ("POST", "/recommend/session", '{"items": ["kt-001"], "k": NaN}', "body.k"),
    ],
)  # fmt: skip
def test_every_json_route_refuses_nan_and_infinity(
    client: TestClient, auth: dict[str, str], method: str, path: str, body: str, field: str
) -> None:
    response = client.request(method, path, content=body, headers={**JSON, **auth})
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error.startswith(f"invalid request: {field}: ") and ("NaN" in error or "Infinity" in error)


def test_a_body_that_is_not_utf8_is_a_422_saying_where(client: TestClient) -> None:
    response = client.post("/recommend/session", content=b'{"items": ["caf\xe9"]}', headers=JSON)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "invalid request: body: not UTF-8: byte 0xe9 at position 15"


def test_finite_numbers_still_go_in(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post("/events", content=EVENT % (1, "1e2"), headers=JSON)
    assert response.status_code == 200 and response.json()["accepted"] == 1
    product = '{"title": "Kettle", "price": 12.5}'
    put = client.put("/products/kt-009", content=product, headers={**JSON, **auth})
    assert put.status_code == 200, put.text

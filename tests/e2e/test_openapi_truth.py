"""The OpenAPI document describes the server: the statuses each route answers with (in the one
ErrorBody shape), request schemas no looser than the server, and a 405's Allow header."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

JSON = {"Content-Type": "application/json"}


@pytest.fixture
def document(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def _responses(document: dict[str, Any], path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]["responses"]


def _error_schema(document: dict[str, Any], path: str, method: str, status: int) -> str:
    return _responses(document, path, method)[str(status)]["content"]["application/json"]["schema"]["$ref"]


def test_every_documented_error_is_an_error_body(document: dict[str, Any]) -> None:
    """A 422 from /profiles/user/0?top=0 is an ErrorBody; FastAPI's own 422 shape is nowhere."""
    assert "HTTPValidationError" not in str(document)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status.startswith(("4", "5")):
                    ref = response["content"]["application/json"]["schema"]["$ref"]
                    assert ref == "#/components/schemas/ErrorBody", (method, path, status)


def test_a_422_matches_its_documented_shape(client: TestClient, document: dict[str, Any]) -> None:
    response = client.get("/profiles/user/0", params={"top": 0})
    assert response.status_code == 422
    assert _error_schema(document, "/profiles/user/{user_id}", "get", 422).endswith("/ErrorBody")
    assert set(response.json()) <= set(document["components"]["schemas"]["ErrorBody"]["properties"])


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", "/recommend/item/{product_id}", 404),
        ("get", "/recommend/bought-together/{product_id}", 404),
        ("post", "/recommend/session", 422),
        ("post", "/recommend/session", 413),
        ("post", "/search", 413),
        ("get", "/health", 500),
    ],
)
def test_statuses_the_routes_answer_with_are_documented(
    document: dict[str, Any], method: str, path: str, status: int
) -> None:
    assert str(status) in _responses(document, path, method)


def test_an_unknown_product_and_a_body_not_utf8_answer_documented_statuses(
    client: TestClient, document: dict[str, Any]
) -> None:
    assert client.get("/recommend/item/NOPE-1").status_code == 404
    not_utf8 = client.post("/recommend/session", content=b'{"items": ["\xff"]}', headers=JSON)
    assert not_utf8.status_code == 422  # was an undocumented 400
    assert "422" in _responses(document, "/recommend/session", "post")


def test_request_schemas_refuse_what_the_server_refuses(document: dict[str, Any]) -> None:
    """POST /events with {}, POST /products/bulk with [{}] and GET /search?attr= are refused by
    the server; the document no longer allows them."""
    events = document["paths"]["/events"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    single, batch = events["anyOf"]
    assert {"event_id", "type", "timestamp"} <= set(single["required"])
    assert batch["properties"]["events"]["minItems"] == 1
    bulk = document["components"]["schemas"]["BulkUpsertRequest"]["properties"]["products"]
    assert {"product_id", "title"} <= set(bulk["items"]["required"])
    attr = next(p for p in document["paths"]["/search"]["get"]["parameters"] if p["name"] == "attr")
    assert "pattern" in attr["schema"]["items"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"query": "kettle", "explain": 0}, "explain"),  # 0 is not a boolean
        ({"query": "kettle", "page": "2"}, "page"),  # "2" is not an integer
        ({"query": "kettle", "filters": {"in_stock": "yes"}}, "in_stock"),
    ],
)
def test_search_bodies_of_the_wrong_json_type_are_refused(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/search", json=body)
    assert response.status_code == 422 and field in response.json()["error"]


def test_an_event_the_document_forbids_is_refused(client: TestClient) -> None:
    event = {"event_id": "e1", "type": "click", "user_id": "u1", "product_id": "kt-001"}
    assert client.post("/events", json={**event, "timestamp": "2024-05-01T12:30:00Z"}).status_code == 200
    for loose in ({"timestamp": "0"}, {"timestamp": "2024-05-01T12:30:00Z", "position": "3"}):
        response = client.post("/events", json={**event, "event_id": "e2", **loose})
        assert response.status_code == 422, loose


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/search", "GET, POST"),
        ("PATCH", "/products/kt-001", "DELETE, GET, PUT"),
        ("GET", "/products/bulk", "POST"),  # not the product called 'bulk'
        ("PUT", "/products/bulk-delete", "POST"),
        ("POST", "/health", "GET"),
    ],
)
def test_a_405_allows_every_method_of_the_path(
    client: TestClient, auth: dict[str, str], method: str, path: str, allow: str
) -> None:
    response = client.request(method, path, headers=auth)
    assert response.status_code == 405 and response.headers["allow"] == allow


def test_every_constraint_is_in_json_schema_words(document: dict[str, Any]) -> None:
    """pydantic writes a bound it cannot place as a raw `ge`, which no client reads as a minimum."""
    stack: list[Any] = [document]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            assert not {"ge", "gt", "le", "lt"} & set(node), node
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)

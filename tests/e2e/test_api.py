"""The HTTP API end to end: a real Shelfwise (SQLite, tantivy, hashing encoder) behind TestClient."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import EncoderConfig, Settings
from shelfwise.records import Product
from shelfwise.serve import app_from_env
from shelfwise.serve.schemas import ProductBody
from shelfwise.service import Shelfwise

ClientFactory = Callable[..., TestClient]
N_PRODUCTS = 20  # the shop in conftest.py
DRESSES = "Clothing > Women > Dresses"


def ids(result: dict) -> list[str]:
    return [hit["product"]["product_id"] for hit in result["hits"]]


def facet(result: dict, name: str) -> dict[str, int]:
    return {f["value"]: f["count"] for f in result["facets"][name]}


# ----- health and index state ---------------------------------------------------------------


def test_health_reports_the_index(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["products"] == N_PRODUCTS
    assert body["indexed_products"] == N_PRODUCTS
    assert body["index_version"]


def test_health_is_200_before_any_index(empty_shelfwise: Shelfwise, make_client: ClientFactory) -> None:
    response = make_client(empty_shelfwise).get("/health")
    assert response.status_code == 200
    assert response.json()["status"] == "no-index"
    assert response.json()["index_version"] is None


def test_search_is_503_before_any_index(empty_shelfwise: Shelfwise, make_client: ClientFactory) -> None:
    client = make_client(empty_shelfwise)
    for response in (client.get("/search?q=kettle"), client.post("/search", json={"query": "x"})):
        assert response.status_code == 503
        assert "no index yet" in response.json()["error"]
        assert "shelfwise index" in response.json()["error"]


# ----- search -------------------------------------------------------------------------------


def test_exact_title_query_finds_the_product_first(client: TestClient) -> None:
    title = "Fellow Stagg EKG Electric Pour-Over Kettle"
    by_get = client.get("/search", params={"q": title})
    by_post = client.post("/search", json={"query": title})
    assert by_get.status_code == by_post.status_code == 200
    assert ids(by_get.json())[0] == "kt-001"
    assert ids(by_post.json())[0] == "kt-001"
    assert by_get.json()["index_version"] == by_post.json()["index_version"] != ""


def test_brand_and_category_filters_with_disjunctive_brand_facet(client: TestClient) -> None:
    result = client.get(
        "/search", params={"category": DRESSES, "brand": "Zara", "facets": "brand,price"}
    ).json()
    assert result["total"] == 2
    assert set(ids(result)) == {"dr-001", "dr-003"}
    # the brand facet ignores the brand filter itself: every dress brand, counted
    assert facet(result, "brand") == {"Zara": 2, "Mango": 2, "Lauren": 1, "H&M": 1}
    assert facet(result, "price") == {"50-100": 2}  # 59.90 and 89.00


def test_repeated_brand_means_any_of(client: TestClient) -> None:
    result = client.get("/search", params=[("brand", "Zara"), ("brand", "Bose")]).json()
    assert set(ids(result)) == {"dr-001", "dr-003", "hp-002"}


def test_price_range_filter_and_category_facet(client: TestClient) -> None:
    result = client.get(
        "/search", params={"min_price": 30, "max_price": 60, "facets": "category", "page_size": 50}
    ).json()
    assert set(ids(result)) == {"hp-004", "dr-001", "dr-005", "dr-006", "kt-002", "kt-004"}
    assert facet(result, "category") == {"Clothing": 3, "Home": 2, "Electronics": 1}
    assert all(30 <= hit["product"]["price"] <= 60 for hit in result["hits"])


def test_attribute_filter_and_attribute_facet(client: TestClient) -> None:
    result = client.get(
        "/search", params={"attr": "color:red", "facets": "attr:color", "page_size": 50}
    ).json()
    assert set(ids(result)) == {"dr-001", "dr-004", "kt-002", "kt-003"}
    assert facet(result, "attr:color") == {
        "black": 6,
        "white": 4,
        "red": 4,
        "blue": 2,
        "grey": 1,
        "clear": 1,
        "cream": 1,
        "silver": 1,
    }


def test_in_stock_filter_and_facet(client: TestClient) -> None:
    result = client.get("/search", params={"in_stock": "false", "facets": "in_stock"}).json()
    assert set(ids(result)) == {"hp-005", "dr-004", "kt-005"}
    assert facet(result, "in_stock") == {"true": 17, "false": 3}


def test_query_with_combined_filters(client: TestClient) -> None:
    result = client.get(
        "/search",
        params={"q": "kettle", "mode": "lexical", "attr": "color:red", "in_stock": "true"},
    ).json()
    assert set(ids(result)) == {"kt-002", "kt-003"}


def test_post_search_takes_the_same_filters(client: TestClient) -> None:
    body = {"query": "", "filters": {"category": DRESSES, "brands": ["Mango"]}, "facets": []}
    result = client.post("/search", json=body).json()
    assert set(ids(result)) == {"dr-002", "dr-005"}
    assert result["facets"] == {}


def test_pages_are_disjoint_and_total_is_constant(client: TestClient) -> None:
    for q in ("", "headphones"):
        first = client.get("/search", params={"q": q, "page": 1, "page_size": 3}).json()
        second = client.get("/search", params={"q": q, "page": 2, "page_size": 3}).json()
        assert len(ids(first)) == len(ids(second)) == 3
        assert not set(ids(first)) & set(ids(second))
        assert first["total"] == second["total"] >= 6
        assert [h["rank"] for h in second["hits"]] == [4, 5, 6]


def test_explanations_show_lexical_evidence(client: TestClient) -> None:
    result = client.get("/search", params={"q": "noise cancelling headphones", "in_stock": "true"}).json()
    top = result["hits"][0]
    explanation = top["explanation"]
    assert explanation["matched_terms"]
    assert explanation["lexical_score"] is not None
    assert explanation["lexical_rank"] is not None
    assert explanation["fusion"] in ("rrf", "weighted")
    assert explanation["filters_applied"] == ["in stock"]
    quiet = client.get("/search", params={"q": "headphones", "explain": "false"}).json()
    assert all(hit["explanation"] is None for hit in quiet["hits"])


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 1000}, "page_size"),
        ({"min_price": -1}, "min_price"),
        ({"max_price": "cheap"}, "max_price"),
        ({"facets": "brand,colour"}, "facets"),
        ({"attr": "red"}, "attr"),
        ({"mode": "fast"}, "mode"),
        ({"fusion": "average"}, "fusion"),
        ({"q": "x" * 501}, "q"),
        ({"pagesize": 5}, "pagesize"),
    ],
)
def test_bad_search_parameters_are_422_naming_the_parameter(
    client: TestClient, params: dict, name: str
) -> None:
    response = client.get("/search", params=params)
    assert response.status_code == 422
    body = response.json()
    assert f"query.{name}" in body["error"]
    assert any(message.startswith(f"query.{name}") for message in body["detail"])


def test_bad_search_body_is_422_naming_the_field(client: TestClient) -> None:
    response = client.post("/search", json={"query": "x", "page_size": 0, "facets": ["colour"]})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert any(m.startswith("body.page_size: Input should be greater than") for m in detail)
    assert any(m.startswith("body.facets: unknown facet 'colour'") for m in detail)


# ----- products -----------------------------------------------------------------------------


def test_get_product_and_404_naming_the_id(client: TestClient) -> None:
    assert client.get("/products/kt-003").json()["title"] == "Le Creuset Enamel Stovetop Kettle"
    missing = client.get("/products/no-such-sku")
    assert missing.status_code == 404
    assert "no-such-sku" in missing.json()["error"]
    assert missing.json()["detail"] == {"product_id": "no-such-sku"}


NEW_KETTLE = {
    "title": "Zojirushi Micom Water Boiler",
    "brand": "Zojirushi",
    "category": ["Home", "Kitchen", "Kettles"],
    "price": 189.0,
    "attributes": {"color": "white"},
}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "/products/kt-009", NEW_KETTLE),
        ("DELETE", "/products/kt-001", None),
        ("POST", "/products/bulk", {"products": [{"product_id": "x", "title": "X"}]}),
        ("POST", "/products/bulk-delete", {"product_ids": ["kt-001"]}),
    ],
)
def test_writes_need_the_api_key(
    shelfwise: Shelfwise,
    make_client: ClientFactory,
    api_key: str,
    method: str,
    path: str,
    body: dict | None,
) -> None:
    client = make_client(shelfwise)
    missing = client.request(method, path, json=body)
    wrong = client.request(method, path, json=body, headers={"X-API-Key": "nope"})
    wrong_bearer = client.request(method, path, json=body, headers={"Authorization": "Bearer no"})
    for response in (missing, wrong, wrong_bearer):
        assert response.status_code == 401
        assert "API key" in response.json()["error"]
    assert shelfwise.store.count() == N_PRODUCTS  # nothing was written
    ok = client.request(method, path, json=body, headers={"Authorization": f"Bearer {api_key}"})
    assert ok.status_code == 200, ok.text

    closed = make_client(shelfwise, api_key=None)
    refused = closed.request(method, path, json=body, headers={"X-API-Key": api_key})
    assert refused.status_code == 403
    assert "SHELFWISE_SERVE__API_KEY" in refused.json()["error"]


def test_reads_need_no_key(client: TestClient) -> None:
    assert client.get("/products/hp-001").status_code == 200
    assert client.get("/search?q=dress").status_code == 200
    assert client.post("/search", json={"query": "dress"}).status_code == 200


def test_put_inserts_updates_and_is_unchanged_the_third_time(
    client: TestClient, auth: dict[str, str]
) -> None:
    first = client.put("/products/kt-009", json=NEW_KETTLE, headers=auth)
    assert first.json() == {"product_id": "kt-009", "outcome": "inserted"}
    assert client.get("/products/kt-009").json()["brand"] == "Zojirushi"
    cheaper = {**NEW_KETTLE, "product_id": "kt-009", "price": 149.0}
    assert client.put("/products/kt-009", json=cheaper, headers=auth).json()["outcome"] == "updated"
    assert client.get("/products/kt-009").json()["price"] == 149.0
    again = client.put("/products/kt-009", json=cheaper, headers=auth)
    assert again.json()["outcome"] == "unchanged"


def test_put_with_another_id_in_the_body_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.put("/products/kt-009", json={**NEW_KETTLE, "product_id": "kt-001"}, headers=auth)
    assert response.status_code == 422
    assert "body.product_id" in response.json()["error"]
    assert "does not match the id in the path" in response.json()["error"]
    assert client.get("/products/kt-001").json()["brand"] == "Fellow"


def test_put_invalid_fields_are_422_with_readable_messages(client: TestClient, auth: dict[str, str]) -> None:
    response = client.put(
        "/products/kt-009",
        json={**NEW_KETTLE, "price": -5, "currency": "euros", "title": "   "},
        headers=auth,
    )
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert "body.price: Input should be greater than or equal to 0" in detail
    missing = client.put("/products/kt-009", json={"brand": "X"}, headers=auth)
    assert missing.json()["detail"] == ["body.title: Field required"]
    blank = client.put("/products/kt-009", json={**NEW_KETTLE, "title": "  "}, headers=auth)
    assert blank.status_code == 422
    assert "body.title: must not be blank" in blank.json()["detail"]


def test_put_is_visible_to_the_next_search(client: TestClient, auth: dict[str, str]) -> None:
    assert client.get("/search", params={"q": "zojirushi", "mode": "lexical"}).json()["total"] == 0
    client.put("/products/kt-009", json=NEW_KETTLE, headers=auth)
    found = client.get("/search", params={"q": "zojirushi micom", "category": "Home > Kitchen"})
    assert ids(found.json())[0] == "kt-009"
    kettles = client.get("/search", params={"category": "Home > Kitchen > Kettles"}).json()
    assert kettles["total"] == 6
    health = client.get("/health").json()
    assert health["status"] == "ok"
    assert health["index_seq"] == health["store_seq"]


def test_delete_removes_from_store_and_search(client: TestClient, auth: dict[str, str]) -> None:
    response = client.delete("/products/kt-001", headers=auth)
    assert response.status_code == 200
    assert response.json() == {"deleted": ["kt-001"]}
    assert client.get("/products/kt-001").status_code == 404
    result = client.get("/search", params={"q": "Fellow Stagg EKG Electric Pour-Over Kettle"})
    assert "kt-001" not in ids(result.json())
    again = client.delete("/products/kt-001", headers=auth)
    assert again.status_code == 404
    assert "kt-001" in again.json()["error"]


# ----- bulk ---------------------------------------------------------------------------------


def test_bulk_keeps_good_items_and_reports_bad_ones(client: TestClient, auth: dict[str, str]) -> None:
    items = [
        {"product_id": "kt-010", "title": "Russell Hobbs Quiet Boil Kettle", "price": 44.0},
        {
            "product_id": "kt-001",
            "title": "Fellow Stagg EKG Electric Pour-Over Kettle",
            "brand": "Fellow",
            "category": ["Home", "Kitchen", "Kettles"],
            "price": 149.0,
            "attributes": {"color": "black", "material": "stainless steel"},
        },
        {"product_id": "kt-011", "price": 20},
        {"product_id": "kt-012", "title": "Broken Kettle", "price": -3},
        "not an object",
    ]
    response = client.post("/products/bulk", json={"products": items}, headers=auth)
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["accepted"] == 2
    assert report["rejected"] == 3
    assert (report["inserted"], report["updated"], report["unchanged"]) == (1, 1, 0)
    errors = {(e["index"], e["field"]): e for e in report["errors"]}
    assert set(errors) == {(2, "title"), (3, "price"), (4, None)}
    assert errors[3, "price"]["message"] == ("products[3].price: Input should be greater than or equal to 0")
    assert errors[3, "price"]["product_id"] == "kt-012"
    assert errors[2, "title"]["message"] == "products[2].title: Field required"
    assert errors[4, None]["message"].startswith("products[4]: ")
    assert client.get("/products/kt-010").status_code == 200
    assert client.get("/products/kt-001").json()["price"] == 149.0
    assert client.get("/products/kt-012").status_code == 404
    assert client.get("/ingest/last").status_code == 404  # API writes keep the feed's report


def test_bulk_with_nothing_valid_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/products/bulk",
        json={"products": [{"title": "no id"}, {"product_id": "a"}]},
        headers=auth,
    )
    assert response.status_code == 422
    messages = [e["message"] for e in response.json()["detail"]]
    assert messages == ["products[0].product_id: Field required", "products[1].title: Field required"]
    empty = client.post("/products/bulk", json={"products": []}, headers=auth)
    assert empty.status_code == 422
    assert "body.products" in empty.json()["error"]


def test_bulk_delete_reports_deleted_and_missing(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/products/bulk-delete", json={"product_ids": ["dr-001", "nope", "dr-002"]}, headers=auth
    )
    assert response.status_code == 200
    assert sorted(response.json()["deleted"]) == ["dr-001", "dr-002"]
    assert response.json()["missing"] == ["nope"]
    assert client.get("/search", params={"category": DRESSES}).json()["total"] == 4


def test_search_hits_leave_out_the_raw_markup_the_product_keeps(
    empty_shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    feed = empty_shelfwise.settings.data_dir / "feed.jsonl"
    row = {"product_id": "k1", "title": "Steel Kettle", "description": "<p>Boils <b>fast</b></p>"}
    feed.write_text(json.dumps(row) + "\n")
    empty_shelfwise.ingest(feed)
    empty_shelfwise.open_index()
    client = make_client(empty_shelfwise)
    hit = client.get("/search", params={"q": "kettle"}).json()["hits"][0]["product"]
    assert (hit["description"], hit["raw"]) == ("Boils fast", {})
    stored = client.get("/products/k1").json()
    assert stored["raw"] == {"description": "<p>Boils <b>fast</b></p>"}


def test_ingest_last_is_404_until_something_is_ingested(
    empty_shelfwise: Shelfwise, make_client: ClientFactory, catalog: list[Product]
) -> None:
    client = make_client(empty_shelfwise)
    assert client.get("/ingest/last").status_code == 404
    empty_shelfwise.upsert_products(catalog[:3])
    assert client.get("/ingest/last").status_code == 404  # API writes are not feed ingestions
    feed = empty_shelfwise.settings.data_dir / "feed.jsonl"
    feed.write_text(
        '{"product_id": "f1", "title": "Feed Kettle", "price": 10}\n'
        '{"product_id": "f2", "price": -1}\n'
        '{"product_id": "f3", "title": "Feed Pot", "price": "<div class=\\"a-section\\">"}\n'
    )
    empty_shelfwise.ingest(feed)
    report = client.get("/ingest/last").json()
    assert (report["accepted"], report["rejected"], report["warned"]) == (2, 1, 1)
    assert report["errors"][0]["line"] == 2
    warning = report["field_warnings"][0]
    assert (warning["file"], warning["line"], warning["field"]) == ("feed.jsonl", 3, "price")


# ----- limits, errors, request ids ----------------------------------------------------------


def test_oversized_body_is_413_by_content_length(
    shelfwise: Shelfwise, make_client: ClientFactory, auth: dict[str, str]
) -> None:
    client = make_client(shelfwise, max_body_bytes=200)
    big = {"products": [{"product_id": f"p{i}", "title": "x" * 50} for i in range(10)]}
    response = client.post("/products/bulk", json=big, headers=auth)
    assert response.status_code == 413
    assert "200 bytes" in response.json()["error"]
    assert response.headers["X-Request-ID"]
    assert shelfwise.store.count() == N_PRODUCTS
    small = client.post("/search", json={"query": "kettle"})
    assert small.status_code == 200


def test_oversized_chunked_body_is_413(
    shelfwise: Shelfwise, make_client: ClientFactory, auth: dict[str, str]
) -> None:
    client = make_client(shelfwise, max_body_bytes=200)

    def chunks() -> Iterator[bytes]:
        yield b'{"products": ['
        for i in range(20):
            yield b'{"product_id": "p%d", "title": "xxxxxxxxxxxxxxxxxxxx"},' % i
        yield b'{"product_id": "last", "title": "y"}]}'

    headers = {**auth, "Content-Type": "application/json"}
    response = client.post("/products/bulk", content=chunks(), headers=headers)
    assert "content-length" not in {k.lower() for k in response.request.headers}
    assert response.status_code == 413
    assert "200 bytes" in response.json()["error"]
    assert shelfwise.store.count() == N_PRODUCTS


def test_small_chunked_body_passes(client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"query": '
        yield b'"kettle"}'

    response = client.post("/search", content=chunks(), headers={"Content-Type": "application/json"})
    assert response.status_code == 200
    assert response.json()["total"] >= 5


def test_unhandled_error_is_500_without_traceback(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def explode(self: Shelfwise, request: object, request_id: str) -> None:
        raise RuntimeError("secret detail from deep inside")

    monkeypatch.setattr(Shelfwise, "serve_search", explode)
    response = client.get("/search?q=kettle")
    assert response.status_code == 500
    body = response.json()
    request_id = response.headers["X-Request-ID"]
    assert body == {"error": "internal error", "request_id": request_id}
    assert "secret" not in response.text
    assert "Traceback" not in response.text
    assert "secret detail from deep inside" in caplog.text  # the server log has it
    assert request_id in caplog.text


def test_every_response_carries_a_request_id(client: TestClient) -> None:
    responses = [
        client.get("/health"),
        client.get("/products/nope"),
        client.get("/search?page=0"),
        client.put("/products/x", json={"title": "x"}),
        client.get("/no/such/route"),
    ]
    request_ids = [r.headers.get("X-Request-ID", "") for r in responses]
    assert all(len(rid) == 32 for rid in request_ids)
    assert len(set(request_ids)) == len(request_ids)
    assert responses[-1].json() == {"error": "Not Found"}


def test_malformed_json_is_422(client: TestClient, auth: dict[str, str]) -> None:
    response = client.post(
        "/products/bulk", content=b"{not json", headers={**auth, "Content-Type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["detail"][0].startswith("body: invalid JSON at character 1")


# ----- docs and wiring ----------------------------------------------------------------------


def test_openapi_lists_the_routes_with_tags_and_summaries(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    expected = {
        "/health": {"get"},
        "/ingest/last": {"get"},
        "/search": {"get", "post"},
        "/suggest": {"get"},
        "/events": {"post"},
        "/recommend/user/{user_id}": {"get"},
        "/recommend/session": {"post"},
        "/recommend/item/{product_id}": {"get"},
        "/recommend/bought-together/{product_id}": {"get"},
        "/profiles/user/{user_id}": {"get"},
        "/profiles/session/{session_id}": {"get"},
        "/products/{product_id}": {"get", "put", "delete"},
        "/products/bulk": {"post"},
        "/products/bulk-delete": {"post"},
        "/shop/shoppers": {"get"},
        "/keys": {"get", "post"},
        "/keys/{key_id}": {"delete"},
        "/shoppers/{user_id}": {"delete"},
        "/reviews": {"post"},
        "/reviews/flagged": {"get"},
        "/products/{product_id}/reviews": {"get"},
        "/graph/products/{product_id}": {"get"},
        "/graph/path": {"get"},
        "/graph/goes-with": {"get"},
        "/assistant": {"post"},
        "/recommend/goes-with": {"get"},
    }
    assert {path: set(ops) for path, ops in spec["paths"].items()} == expected
    for ops in spec["paths"].values():
        for op in ops.values():
            assert op["tags"] and op["summary"]
    params = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert {"q", "brand", "attr", "min_price", "page", "facets"} <= params
    assert client.get("/docs").status_code == 200


def test_product_body_mirrors_product() -> None:
    assert set(ProductBody.model_fields) == set(Product.model_fields)


def test_app_from_env_serves_an_index_built_earlier(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    hashing_settings: Callable[[Path], Settings],
    catalog: list[Product],
) -> None:
    builder = Shelfwise(hashing_settings(tmp_path))
    builder.upsert_products(catalog)
    builder.rebuild_index()
    builder.close()
    monkeypatch.setenv("SHELFWISE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SHELFWISE_ENCODER__NAME", "hashing")
    monkeypatch.setenv("SHELFWISE_SERVE__API_KEY", "from-env")
    monkeypatch.setenv("SHELFWISE_SERVE__MAX_BODY_BYTES", "1000")
    with TestClient(app_from_env()) as client:
        assert client.get("/health").json()["status"] == "ok"
        assert ids(client.get("/search?q=bodum%20bistro").json())[0] == "kt-002"
        # the key from the environment passes auth (422: the body is what is wrong), others don't
        keyed = client.put("/products/kt-009", json={"brand": "X"}, headers={"X-API-Key": "from-env"})
        assert keyed.status_code == 422
        assert client.put("/products/kt-009", json=NEW_KETTLE).status_code == 401
        too_big = client.post("/search", json={"query": "x" * 2000})
        assert too_big.status_code == 413


@pytest.mark.slow
def test_semantic_search_with_the_default_minilm_encoder(
    tmp_path: Path, make_client: ClientFactory, catalog: list[Product]
) -> None:
    shelfwise = Shelfwise(Settings(data_dir=tmp_path, encoder=EncoderConfig()))
    try:
        shelfwise.upsert_products(catalog)
        shelfwise.rebuild_index()
        client = make_client(shelfwise)
        result = client.get(
            "/search", params={"q": "something to boil water for tea", "mode": "vector"}
        ).json()
        assert ids(result)[0].startswith("kt-")
        assert result["hits"][0]["explanation"]["vector_similarity"] > 0
    finally:
        shelfwise.close()


def test_front_page_is_the_storefront_and_links_the_docs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert 'href="/docs"' in response.text


def test_suggest_completes_prefixes_and_tolerates_a_typo(client: TestClient) -> None:
    body = client.get("/suggest", params={"q": "headph", "limit": 5}).json()
    assert body["q"] == "headph" and 0 < len(body["suggestions"]) <= 5
    assert all("headphones" in s["text"].lower() for s in body["suggestions"])
    first = body["suggestions"][0]
    assert first["highlight"] and first["kind"] in {"query", "phrase", "product", "brand", "category"}
    typo = client.get("/suggest", params={"q": "hedphones"}).json()["suggestions"]
    assert any("headphones" in s["text"].lower() for s in typo)


def test_suggest_limits_are_checked(client: TestClient) -> None:
    response = client.get("/suggest", params={"q": "x", "limit": 0})
    assert response.status_code == 422
    assert "limit" in str(response.json())


def test_search_result_carries_the_query_interpretation(client: TestClient) -> None:
    body = client.get("/search", params={"q": "red dress under $70"}).json()
    reading = body["interpretation"]
    assert "price ..70" in reading["filters_applied"]
    assert all(h["product"]["price"] <= 70 for h in body["hits"])
    off = client.get("/search", params={"q": "red dress under $70", "understand": "false"}).json()
    assert off["interpretation"] is None


def test_a_server_app_freezes_what_start_up_loaded(empty_shelfwise: Shelfwise) -> None:
    import gc

    from shelfwise.config import ServeConfig
    from shelfwise.serve import create_app

    gc.unfreeze()
    try:
        with TestClient(create_app(empty_shelfwise, ServeConfig(), freeze_heap=True)) as test_client:
            assert test_client.get("/health").status_code == 200
            assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    with TestClient(create_app(empty_shelfwise, ServeConfig())) as test_client:
        assert test_client.get("/health").status_code == 200
        assert gc.get_freeze_count() == 0

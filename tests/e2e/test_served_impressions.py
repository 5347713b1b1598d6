"""Served answers: every search logs what it showed under its request id and experiment
variants, the shoppers' events carrying that id are credited back to it, and a variant's
settings change what the request runs with."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shelfwise.config import Settings
from shelfwise.experiments import ExperimentDefinitionError
from shelfwise.impressions import attribute
from shelfwise.records import Product
from shelfwise.service import Shelfwise
from tests.e2e.conftest import ClientFactory


def _experiment(data_dir: Path, settings_b: dict[str, object], surfaces: list[str] | None = None) -> None:
    data_dir.mkdir(parents=True, exist_ok=True)
    experiment = {
        "name": "fusion-test",
        "unit": "session",
        "salt": "s1",
        "surfaces": surfaces or ["search"],
        "variants": [
            {"name": "control", "share": 0.5},
            {"name": "treatment", "share": 0.5, "settings": settings_b},
        ],
    }
    (data_dir / "experiments.json").write_text(json.dumps({"experiments": [experiment]}))


def test_a_search_logs_its_impression_and_a_click_with_its_id_is_credited(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    client = make_client(shelfwise)
    response = client.get("/search", params={"q": "kettle", "session_id": "visit-1", "page_size": 5})
    assert response.status_code == 200
    body = response.json()
    request_id = body["request_id"]
    assert request_id == response.headers["x-request-id"]
    shown = [hit["product"]["product_id"] for hit in body["hits"]]
    impression = shelfwise.impressions.get(request_id)
    assert impression is not None and impression.session_id == "visit-1"
    assert [item.product_id for item in impression.items] == shown
    assert [item.position for item in impression.items] == list(range(len(shown)))
    click = {
        "event_id": "c1", "type": "click", "session_id": "visit-1", "product_id": shown[1],
        "timestamp": impression.timestamp.isoformat(), "request_id": request_id, "position": 1,
    }  # fmt: skip
    assert client.post("/events", json=click).status_code == 200
    examples, stats = attribute(
        shelfwise.impressions.iter_impressions(), (s.event for s in shelfwise.events.iter_events())
    )
    assert [e.clicked for e in examples] == [i == 1 for i in range(len(shown))]
    assert stats.by_request_id == 1


def test_second_page_positions_continue_from_the_first(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    client = make_client(shelfwise)
    body = client.get("/search", params={"q": "headphones", "page": 2, "page_size": 3}).json()
    impression = shelfwise.impressions.get(body["request_id"])
    assert impression is not None
    assert [item.position for item in impression.items] == [3, 4, 5][: len(body["hits"])]
    assert impression.context["page"] == 2


def test_variants_are_served_recorded_and_applied(
    tmp_path: Path,
    catalog: list[Product],
    hashing_settings,
    make_client: ClientFactory,  # noqa: ANN001
) -> None:
    data = tmp_path / "data"
    _experiment(data, {"fusion": "rrf", "understand": False})
    shop = Shelfwise(hashing_settings(data))
    shop.upsert_products(catalog)
    shop.rebuild_index()
    client = make_client(shop)
    seen: dict[str, str] = {}
    for visit in range(24):
        body = client.post("/search", json={"query": "red kettle", "session_id": f"v{visit}"}).json()
        variant = body["variants"]["fusion-test"]
        seen[f"v{visit}"] = variant
        fusion = {hit["explanation"]["fusion"] for hit in body["hits"]}
        if variant == "treatment":
            assert fusion == {"rrf"} and body["interpretation"] is None
        else:
            assert fusion != {"rrf"}
    assert set(seen.values()) == {"control", "treatment"}
    exposures = shop.experiments.log.exposures("fusion-test")
    assert {e.unit_id: e.variant for e in exposures} == seen
    anonymous = client.get("/search", params={"q": "kettle"}).json()
    assert anonymous["variants"] == {}  # a session experiment needs a session
    shop.close()


@pytest.mark.parametrize(
    ("settings", "surfaces", "message"),
    [
        ({"fusoin": "rrf"}, ["search"], "unknown setting 'fusoin'"),
        ({"fusion": "best"}, ["search"], "variant 'treatment' on search: fusion"),
        ({"mmr_lambda": 0.5}, None, "unknown setting 'mmr_lambda'"),  # every surface, search included
        ({"mmr_lambda": 2}, ["recommend"], "mmr_lambda"),
        ({}, ["checkout"], "unknown surface 'checkout'"),
    ],
)
def test_a_setting_no_surface_can_apply_stops_the_service_with_its_name(
    tmp_path: Path, settings: dict[str, object], surfaces: list[str] | None, message: str
) -> None:
    data = tmp_path / "data"
    _experiment(data, settings, surfaces)
    raw = json.loads((data / "experiments.json").read_text())
    if surfaces is None:
        del raw["experiments"][0]["surfaces"]
        (data / "experiments.json").write_text(json.dumps(raw))
    with pytest.raises(ExperimentDefinitionError, match=message):
        Shelfwise(Settings(data_dir=data, encoder={"name": "hashing"}))  # type: ignore[arg-type]

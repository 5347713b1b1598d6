"""An A/B exposure is recorded only for a request that was served: a 404 or 503 under a running
experiment writes none, a 200 writes one."""

from __future__ import annotations

import json
from pathlib import Path

from shelfwise.config import Settings
from shelfwise.records import Product
from shelfwise.service import Shelfwise
from tests.e2e.conftest import ClientFactory


def _shop_under_experiment(tmp_path: Path, hashing_settings, catalog: list[Product]) -> Shelfwise:  # noqa: ANN001
    """The 20 products, not indexed, no recommender; one session experiment on every surface."""
    data = tmp_path / "data"
    data.mkdir(parents=True)
    experiment = {
        "name": "everywhere", "unit": "session", "salt": "s1",
        "variants": [{"name": "control", "share": 0.5}, {"name": "treatment", "share": 0.5}],
    }  # fmt: skip
    (data / "experiments.json").write_text(json.dumps({"experiments": [experiment]}))
    settings: Settings = hashing_settings(data)
    shop = Shelfwise(settings)
    shop.upsert_products(catalog)
    return shop


def test_failed_requests_write_no_exposure_and_a_served_one_writes_one(
    tmp_path: Path,
    hashing_settings,
    catalog: list[Product],
    make_client: ClientFactory,  # noqa: ANN001
) -> None:
    shop = _shop_under_experiment(tmp_path, hashing_settings, catalog)
    client = make_client(shop)
    visit = {"session_id": "v1"}
    assert client.get("/search", params={"q": "kettle", **visit}).status_code == 503  # no index
    assert client.post("/search", json={"query": "kettle", **visit}).status_code == 503
    assert client.get("/recommend/user/u1", params=visit).status_code == 503  # no recommender
    assert client.post("/recommend/session", json={"items": ["kt-001"], **visit}).status_code == 503
    assert client.get("/recommend/item/kt-001", params=visit).status_code == 503
    assert client.get("/recommend/item/NOPE-1", params=visit).status_code == 404
    assert shop.experiments.log.exposures("everywhere") == []

    shop.rebuild_index()
    served = client.get("/search", params={"q": "kettle", **visit})
    assert served.status_code == 200
    exposures = shop.experiments.log.exposures("everywhere")
    assert [(e.request_id, e.unit_id, e.surface) for e in exposures] == [
        (served.json()["request_id"], "v1", "search")
    ]
    assert exposures[0].variant == served.json()["variants"]["everywhere"]
    shop.close()

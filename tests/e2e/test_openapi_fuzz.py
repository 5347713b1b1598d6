"""The OpenAPI document tells the truth: schemathesis fuzzes every operation of the API in
process (positive and negative inputs, every default check), then walks the links between
operations. The storefront and admin pages are HTML, not API, and are not in the document.

Deterministic (fixed seed, derandomized, no example database), so CI sees what a developer sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, cast

import hypothesis
import pytest
import schemathesis
from schemathesis.config import SchemathesisConfig

from shelfwise.config import ServeConfig
from shelfwise.graph import build_and_publish
from shelfwise.keys import MemoryKeyStore
from shelfwise.recommend import ChannelsConfig, RecommenderTrainingConfig
from shelfwise.records import Event
from shelfwise.serve import create_app
from shelfwise.serve.guard import Guard
from shelfwise.service import Shelfwise
from tests.e2e.conftest import API_KEY, PRODUCTS, ClientFactory, hashing_settings_for

pytestmark = pytest.mark.slow

EXAMPLES_PER_OPERATION = 50
SEED = 26


class CountingApp:
    """The app under test, counting the HTTP requests schemathesis sends it."""

    def __init__(self, app: object) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope, receive, send) -> None:  # type: ignore[no-untyped-def]
        if scope["type"] == "http":
            self.requests += 1
        await self.app(scope, receive, send)  # type: ignore[operator]


BATCH_PATHS = ("/products/bulk", "/events", "/reviews")


def fuzz_config() -> SchemathesisConfig:
    return SchemathesisConfig.from_dict(
        {
            "seed": SEED,
            "auth": {"openapi": {"APIKeyHeader": {"api_key": API_KEY}, "HTTPBearer": {"bearer": API_KEY}}},
            "generation": {
                "max-examples": EXAMPLES_PER_OPERATION,
                "deterministic": True,
                "database": "none",
            },
            # A batch keeps its valid items and reports the rest one by one (bad input never
            # sinks the good part), so a batch holding one schema-violating item is answered
            # 200 by design: the answer's `errors` / per-event outcomes name it.
            "operations": [
                {"include-path": path, "checks": {"negative_data_rejection": {"enabled": False}}}
                for path in BATCH_PATHS
            ]
            + [
                # A key's expiry must lie in the future, which a schema cannot state: a past
                # date is a 422 naming it.
                {
                    "include-path": "/keys",
                    "include-method": "POST",
                    "checks": {
                        "positive_data_acceptance": {
                            "expected-statuses": [
                                "2xx",
                                "3xx",
                                "401",
                                "403",
                                "404",
                                "409",
                                "422",
                                "429",
                                "5xx",
                            ]
                        }
                    },
                }
            ],
        }
    )


def served_document() -> dict[str, Any]:
    """The document the app serves; building it reads nothing from the Shelfwise it is given."""
    config = ServeConfig(api_key=API_KEY)
    guard = Guard.build(MemoryKeyStore(), config)
    return create_app(cast(Shelfwise, None), config, guard=guard).openapi()


# Loaded when the module is collected, so that pytest lists one test per operation
# (schemathesis's fixture-based loader does not run under pytest 9).
SCHEMA = schemathesis.openapi.from_dict(served_document(), config=fuzz_config())


def _trained(shelfwise: Shelfwise) -> Shelfwise:
    """Thirty shoppers walking the kettle aisle, a recommender and a product graph: every route
    can answer (a 503 'not trained yet' is documented, but is a server error to the fuzzer)."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    aisle = ["kt-001", "kt-002", "kt-003", "kt-004", "cf-001"]
    shelfwise.record_events([
        Event(event_id=f"e{user}-{i}", type="view", user_id=f"u{user}", session_id=f"s{user}",
              product_id=pid, timestamp=start + timedelta(minutes=10 * user + i))
        for user in range(30) for i, pid in enumerate(aisle[user % 2:])
    ])  # fmt: skip
    shelfwise.train_recommender(
        RecommenderTrainingConfig(channels=ChannelsConfig(enabled=("cooccurrence", "popularity")))
    )
    build_and_publish(shelfwise.store, shelfwise.events, shelfwise.settings.data_dir)  # the product graph
    return shelfwise


@pytest.fixture
def counting_app(shelfwise: Shelfwise, make_client: ClientFactory) -> Iterator[CountingApp]:
    """A fresh 20-product shop per test, indexed and with a recommender; the lifespan has run."""
    client = make_client(_trained(shelfwise))
    assert client.get("/openapi.json").json() == served_document()
    counted = CountingApp(client.app)
    yield counted
    print(f"\n{counted.requests} requests")


@SCHEMA.parametrize()
@hypothesis.settings(  # one shop per operation: its examples share it, as a server's clients do
    deadline=None,
    suppress_health_check=[hypothesis.HealthCheck.function_scoped_fixture, hypothesis.HealthCheck.too_slow],
)
def test_every_operation_keeps_its_documented_contract(
    case: schemathesis.Case, counting_app: CountingApp
) -> None:
    # every request goes to this shop, the checks' own follow-up requests too
    case.operation.app = case.operation.schema.app = counting_app
    case.call_and_validate()


def test_sequences_of_operations_keep_the_contract(
    counting_app: CountingApp, tmp_path: Path, make_client: ClientFactory
) -> None:
    """Each scenario starts from a fresh shop: the links feed one response's values into the next
    request, so a shop changed by earlier scenarios would make the same scenario draw differently
    (hypothesis replays scenarios while it explores)."""
    shops: list[Shelfwise] = []

    def fresh_shop() -> None:
        shop = Shelfwise(hashing_settings_for(tmp_path / f"shop-{len(shops)}"))
        shops.append(shop)
        shop.upsert_products(PRODUCTS)
        shop.rebuild_index()
        counting_app.app = make_client(_trained(shop)).app

    schema = SCHEMA.clone()
    schema.app = counting_app

    class FreshShopMachine(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            fresh_shop()

    try:
        FreshShopMachine.run(
            settings=hypothesis.settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                database=None,
                deadline=None,
                stateful_step_count=5,
                suppress_health_check=list(hypothesis.HealthCheck),
            )
        )
    finally:
        for shop in shops:
            shop.close()

"""Generated descriptions in a shop (SQLite, hashing encoder): `shelfwise describe` drafts from
the catalog and the published review summaries (errors named, bad command lines refused), the
admin console lists the drafts and approves one (then it is searchable at once), a key without
the admin action is refused, and cross-site posts are refused."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from shelfwise.aspects.artifact import summaries_root, write_summaries
from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.cli import app
from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.keys import create_key
from shelfwise.records import Product, SearchRequest
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

KEY = "describe-test-key"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
PRODUCTS = [
    Product(product_id="gc1", title="Spa Gift Card", brand="Serenity", category=("Gift Cards", "Gift Cards"),
            price=50, attributes={"color": "teal"}),
    Product(product_id="gc2", title="Coffee Gift Card", brand="Beanery", category=("Gift Cards",),
            description="Good for any drink."),
    Product(product_id="gc3", title="Gift Card Holder", category=("Gift Cards", "Gift Card Accessories"),
            attributes={"material": "<i>paper</i>"}),
]  # fmt: skip


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shelfwise]:
    shelfwise = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    shelfwise.upsert_products(PRODUCTS)
    shelfwise.open_index()
    praise = SummaryStatement(kind="praise", aspect="massage", text="praised for its massage (3 reviews)",
                              reviews=3, positive=3, negative=0, review_ids=("r1", "r2", "r3"))  # fmt: skip
    summary = ReviewSummary(
        product_id="gc1", language="en", reviews=3, average_rating=5.0, statements=(praise,)
    )
    write_summaries(summaries_root(shelfwise.settings.data_dir), [summary], [], "lexicon", SummaryConfig(), 3)
    yield shelfwise
    shelfwise.close()


def test_describe_drafts_from_the_command_line(shop: Shelfwise) -> None:
    runner, folder = CliRunner(), str(shop.settings.data_dir)
    done = runner.invoke(app, ["describe", "--data-dir", folder])
    assert done.exit_code == 0, done.output
    assert "drafted 2 descriptions (0 rephrased)" in done.output
    assert "product gc3: attributes.material: holds markup (field left out)" in done.output
    draft = shop.data.descriptions.get("gc1")
    assert draft is not None and draft.status == "pending" and draft.generator == "gift-cards/en/1"
    assert "Shoppers praise its massage." in draft.text and "$50.00" in draft.text and "teal" in draft.text
    asked = runner.invoke(app, ["describe", "--products", "gc2,nope", "--data-dir", folder])
    assert asked.exit_code == 0 and "product nope: product_id: not in the catalog (no draft)" in asked.output
    assert "1 has a description" in asked.output
    both = runner.invoke(app, ["describe", "--products", "gc1", "--missing", "--data-dir", folder])
    assert both.exit_code == 2 and "give one" in both.output


def test_the_admin_approves_a_draft_and_it_is_searchable(shop: Shelfwise) -> None:
    CliRunner().invoke(app, ["describe", "--data-dir", str(shop.settings.data_dir)])
    assert not shop.search(SearchRequest(query="massage", mode="lexical")).hits
    _, narrow = create_key(shop.data.keys, ["models"], "no admin", datetime.now(UTC))
    with TestClient(create_app(shop, ServeConfig(api_key=KEY))) as client:
        assert client.get("/admin/descriptions", follow_redirects=False).status_code in (302, 303)
        client.post("/admin/login", content=f"api_key={narrow}", headers=FORM, follow_redirects=False)
        assert client.get("/admin/descriptions").status_code == 403
        assert (
            client.post(
                "/admin/descriptions", content="product_id=gc1&action=approve", headers=FORM
            ).status_code
            == 403
        )
        client.post("/admin/login", content=f"api_key={KEY}", headers=FORM, follow_redirects=False)
        page = client.get("/admin/descriptions")
        assert (
            page.status_code == 200
            and 'name="text"' in page.text
            and "Shoppers praise its massage." in page.text
        )
        cross = client.post("/admin/descriptions", content="product_id=gc1&action=approve",
                            headers={**FORM, "Origin": "https://elsewhere.example"})  # fmt: skip
        assert cross.status_code == 403
        text = "A spa gift card for a massage."
        done = client.post(
            "/admin/descriptions", content=f"product_id=gc1&action=approve&text={text}", headers=FORM
        )
        assert done.status_code == 200 and "Draft of gc1 approved." in done.text
        again = client.post("/admin/descriptions", content="product_id=gc1&action=reject", headers=FORM)
        assert again.status_code == 409 and "approved already" in again.text
        assert (
            client.post(
                "/admin/descriptions", content="product_id=gc3&action=reject", headers=FORM
            ).status_code
            == 200
        )
    assert shop.store.get("gc1").description == text  # type: ignore[union-attr]
    hits = shop.search(SearchRequest(query="massage", mode="lexical")).hits
    assert [hit.product.product_id for hit in hits] == ["gc1"]
    assert shop.data.descriptions.counts() == {"pending": 0, "approved": 1, "rejected": 1}

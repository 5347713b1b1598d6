"""Reviews at work in a served shop (SQLite, hashing encoder): the published review summary on
GET /products/{id}/reviews, the top praise in search explanations and recommendation reasons (a
newer summaries version picked up by `catch_up`, order and scores unchanged), the storefront's
review form behind `serve.public_reviews`, the admin's flagged reviews page (shoppers' words
escaped), and the demo's wiring: demo reviews through the store's rules, aspects mined from the
stored reviews, summaries published."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shelfwise.aspects.artifact import summaries_root, write_summaries
from shelfwise.aspects.inputs import from_store
from shelfwise.aspects.records import ReviewSummary, SummaryStatement
from shelfwise.aspects.served import ServedSummaries, praise_text, reasons_with_praise
from shelfwise.aspects.summary import SummaryConfig
from shelfwise.config import EncoderConfig, ServeConfig, Settings
from shelfwise.recommend.live import Recommended
from shelfwise.records import Product, SearchRequest
from shelfwise.reviews import Review, ReviewFlag
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise

KEY = "shop-reviews-test-key"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("SHELFWISE_"):
            monkeypatch.delenv(name)


@pytest.fixture
def shelfwise(tmp_path: Path) -> Iterator[Shelfwise]:
    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    shop.upsert_products(
        [
            Product(product_id="hp1", title="wireless headphones", category=["Electronics", "Audio"]),
            Product(product_id="hp2", title="wired headphones", category=["Electronics", "Audio"]),
        ]
    )
    shop.open_index()
    yield shop
    shop.close()


def _summary(product: str, aspect: str, n: int, language: str = "en") -> ReviewSummary:
    ids = tuple(f"r{i}" for i in range(n))
    text = f"praised for its {aspect} ({n} reviews)"
    praise = SummaryStatement(kind="praise", aspect=aspect, text=text, reviews=n, positive=n, negative=0,
                              review_ids=ids)  # fmt: skip
    text = "some complain about the cable (2 reviews)"
    blame = SummaryStatement(kind="complaint", aspect="cable", text=text, reviews=2, positive=0, negative=2,
                             review_ids=("x1", "x2"))  # fmt: skip
    return ReviewSummary(product_id=product, language=language, reviews=n + 2,  # type: ignore[arg-type]
                         statements=(blame, praise), text="Praised...")  # fmt: skip


def _publish(shelfwise: Shelfwise, *summaries: ReviewSummary) -> str:
    root = summaries_root(shelfwise.settings.data_dir)
    return write_summaries(root, list(summaries), [], "lexicon", SummaryConfig(), 0)


def test_praise_is_the_first_praise_statement_in_the_summarys_language() -> None:
    assert praise_text(_summary("hp1", "sound", 23)) == "shoppers praise its sound (23 reviews)"
    assert praise_text(_summary("hp1", "电池", 5, "zh")) == "买家称赞电池（5条评价）"
    assert praise_text(ReviewSummary(product_id="x", language="en", reviews=0)) is None
    assert praise_text(None) is None


def test_search_explanations_quote_the_summary_and_pick_up_a_newer_version(shelfwise: Shelfwise) -> None:
    request = SearchRequest(query="headphones", explain=True)
    before = shelfwise.serve_search(request, "q0")
    assert all(hit.explanation is not None and hit.explanation.praise is None for hit in before.hits)
    _publish(shelfwise, _summary("hp1", "sound", 23))
    shelfwise.catch_up()
    after = shelfwise.serve_search(request, "q1")
    praise = {hit.product.product_id: hit.explanation.praise for hit in after.hits if hit.explanation}
    assert praise == {"hp1": "shoppers praise its sound (23 reviews)", "hp2": None}
    assert [(h.product.product_id, h.score) for h in after.hits] == [
        (h.product.product_id, h.score) for h in before.hits
    ]  # told, never ranked on
    version = _publish(shelfwise, _summary("hp1", "battery", 7))
    shelfwise.catch_up()
    assert shelfwise.review_summaries.version == version
    again = shelfwise.serve_search(request, "q2")
    assert {h.explanation.praise for h in again.hits if h.explanation} == {
        "shoppers praise its battery (7 reviews)",
        None,
    }


def test_recommendation_reasons_gain_the_praise_in_the_same_order(tmp_path: Path) -> None:
    write_summaries(tmp_path, [_summary("a", "fit", 4)], [], "lexicon", SummaryConfig(), 0)
    served = ServedSummaries(tmp_path)
    found = [
        Recommended(Product(product_id=pid, title=pid), score, "often bought with X", "bought_with", "x")
        for pid, score in (("b", 0.9), ("a", 0.5))
    ]
    out = reasons_with_praise(found, served)
    assert out == [
        found[0],
        replace(found[1], reason="often bought with X; shoppers praise its fit (4 reviews)"),
    ]


def test_product_reviews_carry_the_summary(shelfwise: Shelfwise) -> None:
    version = _publish(shelfwise, _summary("hp1", "sound", 3))
    with TestClient(create_app(shelfwise, ServeConfig(api_key=KEY))) as client:
        body = client.get("/products/hp1/reviews").json()
        assert body["summary"]["version"] == version
        assert [(s["kind"], s["aspect"], s["reviews"]) for s in body["summary"]["statements"]] == [
            ("complaint", "cable", 2),
            ("praise", "sound", 3),
        ]
        assert client.get("/products/hp2/reviews").json()["summary"] is None


def _post(rid: str, text: str) -> dict[str, object]:
    return {"review_id": rid, "product_id": "hp1", "shopper_id": "web-s1", "rating": 4, "title": "Nice",
            "text": text, "timestamp": "2026-11-01T12:00:00Z"}  # fmt: skip


def test_the_storefront_form_posts_reviews_only_when_public_reviews_is_on(shelfwise: Shelfwise) -> None:
    with TestClient(create_app(shelfwise, ServeConfig(api_key=KEY))) as closed:
        assert closed.post("/reviews", json=_post("w1", "Good sound for the price.")).status_code == 401
        page = closed.get("/shop/products/hp1").text
        assert 'id="review-form"' not in page and "takes reviews through its own site" in page
    with TestClient(create_app(shelfwise, ServeConfig(api_key=KEY, public_reviews=True))) as open_:
        page = open_.get("/shop/products/hp1").text
        assert 'id="review-form"' in page and 'name="rating" value="5"' in page
        text = "The bass is deep and the pads stay comfortable all day."
        first = open_.post("/reviews", json=_post("w2", text))
        assert first.status_code == 200 and first.json()["results"][0]["flags"] == []
        copy = {**_post("w3", text), "product_id": "hp2", "shopper_id": "web-s2"}
        assert open_.post("/reviews", json=copy).json()["results"][0]["flags"] == ["duplicate_text"]
        bad = open_.post("/reviews", json={**_post("w4", "x"), "rating": 9})
        assert bad.status_code == 422 and "rating" in json.dumps(bad.json()["detail"])
        assert open_.post("/events", json={}).status_code != 401  # events stay as they were


def test_the_admin_lists_flagged_reviews_with_their_words_escaped(shelfwise: Shelfwise) -> None:
    words = "<script>alert('x')</script> buy now"
    shelfwise.data.reviews.upsert(
        [
            Review(review_id="s1", product_id="hp1", shopper_id="flooder", rating=5, text=words,
                   timestamp=datetime(2026, 11, 1, tzinfo=UTC),
                   flags=(ReviewFlag(code="shopper_flood", detail="6 in a day"),)),
        ]
    )  # fmt: skip
    with TestClient(create_app(shelfwise, ServeConfig(api_key=KEY))) as client:
        assert client.get("/admin/reviews", follow_redirects=False).status_code in (302, 303)
        client.post("/admin/login", content=f"api_key={KEY}", headers=FORM, follow_redirects=False)
        page = client.get("/admin/reviews")
    assert page.status_code == 200 and "shopper_flood" in page.text and "flooder" in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert" in page.text


def test_from_store_takes_the_catalogs_category_and_the_stores_flags() -> None:
    when = datetime(2026, 11, 1, tzinfo=UTC)
    stored = [
        Review(review_id="1", product_id="p", shopper_id="u", rating=5, text="好用", language="zh-tw",
               timestamp=when),
        Review(review_id="2", product_id="q", shopper_id="u", rating=1, text="bad", timestamp=when,
               flags=(ReviewFlag(code="duplicate_text"),)),
    ]  # fmt: skip
    read = from_store(stored, {"p": ("A", "B")})
    assert [(r.category, r.language, r.flagged, r.rating) for r in read] == [
        (("A", "B"), "zh", False, 5),
        ((), "en", True, 1),
    ]


def test_the_demo_wiring_flags_mines_and_publishes(tmp_path: Path) -> None:
    from shelfwise.aspects.artifact import load_summaries
    from shelfwise.aspects.review import read_candidates
    from shelfwise.cli.demo_reviews import REVIEW_FILE, build_demo_reviews
    from shelfwise.demo import generate_demo_catalog
    from shelfwise.demo.reviews import generate_demo_reviews

    shop = Shelfwise(Settings(data_dir=tmp_path / "data", encoder=EncoderConfig(name="hashing")))
    try:
        catalog = generate_demo_catalog(150, seed=3)
        shop.upsert_products(catalog)
        build_demo_reviews(shop, seed=3)
        store = shop.data.reviews
        planted = {r.review_id: r.planted for r in generate_demo_reviews(list(shop.store.iter_products()), 3)}
        assert store.count() == len(planted)
        flagged = {r.review_id for r in store.flagged(limit=1000)}
        copies = {rid for rid, planted_as in planted.items() if planted_as == "duplicate"}
        assert copies and flagged & copies  # the store's rules flagged the demo's planted copies
        as_copies = {
            r.review_id for r in store.flagged(limit=1000) if any(f.code == "duplicate_text" for f in r.flags)
        }
        assert as_copies <= copies  # and no genuine review of the demo reads as a copy
        candidates = read_candidates(shop.settings.data_dir / REVIEW_FILE)
        assert candidates and all(c.status == "accepted" for c in candidates)
        summaries = load_summaries(summaries_root(shop.settings.data_dir))
        assert any(s.statements for s in summaries.values())
        assert not flagged & {rid for s in summaries.values() for st in s.statements for rid in st.review_ids}
    finally:
        shop.close()


def test_aspects_mine_and_summarize_read_the_shops_review_store(shelfwise: Shelfwise) -> None:
    from typer.testing import CliRunner

    from shelfwise.aspects.review import read_candidates
    from shelfwise.cli import app

    runner = CliRunner()
    data = str(shelfwise.settings.data_dir)
    out = shelfwise.settings.data_dir / "a.jsonl"
    empty = runner.invoke(app, ["aspects", "mine", "--out", str(out), "-d", data])
    assert empty.exit_code == 2 and "review store has no reviews" in empty.output
    when = datetime(2026, 11, 1, tzinfo=UTC)
    words = ["The sound is great.", "Great sound, clear.", "The sound is excellent.", "Sound is great here."]
    shelfwise.data.reviews.upsert(
        [
            Review(
                review_id=f"r{i}", product_id="hp1", shopper_id=f"u{i}", rating=5, text=text, timestamp=when
            )
            for i, text in enumerate(words)
        ]
    )
    mined = runner.invoke(app, ["aspects", "mine", "--out", str(out), "-d", data])
    assert mined.exit_code == 0, mined.output
    found = read_candidates(out)
    assert [(c.category, c.name) for c in found] == [("Electronics > Audio", "sound")]
    assert runner.invoke(app, ["aspects", "accept", str(out), "sound"]).exit_code == 0
    done = runner.invoke(app, ["aspects", "summarize", "--aspects", str(out), "-d", data])
    assert done.exit_code == 0, done.output
    assert "hp1: Praised for its sound (4 reviews)." in done.output

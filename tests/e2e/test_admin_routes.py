"""The admin console over HTTP: the API key signs in (a signed cookie, never the key), every page
needs it, a wrong key or none configured keeps it closed, and the pages show real state."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from shelfwise.config import ServeConfig
from shelfwise.records import Event
from shelfwise.serve import create_app
from shelfwise.service import Shelfwise
from shelfwise.web.admin_auth import COOKIE, issue_token, safe_next, token_valid
from shelfwise.worker.loop import run_worker

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def _sign_in(client: TestClient, key: str, next_path: str = "/admin") -> object:
    return client.post(
        "/admin/login", content=f"api_key={key}&next={next_path}", headers=FORM, follow_redirects=False
    )


def test_tokens_are_signed_by_the_key_and_expire() -> None:
    token = issue_token("k", now=1000.0, seconds=60)
    assert token_valid(token, "k", now=1059.0)
    assert not token_valid(token, "k", now=1061.0)
    assert not token_valid(token, "other", now=1001.0)
    assert not token_valid(token.replace(token[-1], "0" if token[-1] != "0" else "1"), "k", now=1001.0)
    assert not token_valid("garbage", "k", now=0) and not token_valid(None, "k", now=0)


@pytest.mark.parametrize(
    ("target", "expected"),
    [(None, "/admin"), ("/admin/reports", "/admin/reports"), ("https://evil.example/admin", "/admin"),
     ("//evil.example/admin", "/admin"), ("/shop/cart", "/admin")],
)  # fmt: skip
def test_after_signing_in_only_admin_paths_are_followed(target: str | None, expected: str) -> None:
    assert safe_next(target) == expected


def test_pages_need_a_signed_in_browser(client: TestClient, api_key: str) -> None:
    for path in ("/admin", "/admin/playground?q=kettle", "/admin/reports"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/admin/login?next=")
    wrong = _sign_in(client, "not-the-key")
    assert wrong.status_code == 401 and "not the API key" in wrong.text and COOKIE not in wrong.cookies
    signed = _sign_in(client, api_key, "/admin/reports")
    assert signed.status_code == 303 and signed.headers["location"] == "/admin/reports"
    cookie = signed.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and api_key not in cookie
    overview = client.get("/admin")
    assert overview.status_code == 200 and overview.headers["cache-control"] == "no-store"
    assert api_key not in overview.text
    client.post("/admin/logout", follow_redirects=False)
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_without_a_configured_key_the_console_is_closed(shelfwise: Shelfwise, make_client) -> None:  # noqa: ANN001
    client = make_client(shelfwise, api_key=None)
    page = client.get("/admin/login")
    assert page.status_code == 403 and "SHELFWISE_SERVE__API_KEY" in page.text
    assert _sign_in(client, "").status_code == 403
    forged = issue_token("", time.time())
    client.cookies.set(COOKIE, forged)
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_overview_playground_and_reports_show_the_shop(client: TestClient, api_key: str) -> None:
    _sign_in(client, api_key)
    overview = client.get("/admin").text
    assert "Catalog health" in overview and "attr:color" in overview and 'id="versions"' in overview
    trace = client.get("/admin/playground", params={"q": "hedphones"}).text
    assert "1. Understanding" in trace and "Keyword (BM25)" in trace and 'id="trace-hits"' in trace
    assert "Sony WH-1000XM5" in trace
    reports = client.get("/admin/reports").text
    assert "No recommender has been trained yet" in reports  # the 20-product shop has none
    assert "No answers served in the last 30 days" in reports
    assert "No search answer has led to a click yet" in reports
    answer = client.get("/search", params={"q": "headphones"}).json()  # a served answer is an impression
    clicked = answer["hits"][0]["product"]["product_id"]
    click = {"event_id": "eval-1", "type": "click", "user_id": "u1", "product_id": clicked,
             "timestamp": "2026-12-03T12:00:00Z", "request_id": answer["request_id"]}  # fmt: skip
    assert client.post("/events", json=click, headers={"X-API-Key": api_key}).status_code == 200
    reports = client.get("/admin/reports").text
    assert 'id="exposure"' in reports and "<td>search</td>" in reports
    assert 'id="search-eval"' in reports and "<td>1 word</td>" in reports
    assert "NDCG@10 by query length" in reports


def test_experiments_show_their_variants_and_results(tmp_path, hashing_settings, catalog, api_key) -> None:  # noqa: ANN001
    data = tmp_path / "data"
    data.mkdir()
    definition = {
        "name": "fusion-test", "unit": "user", "salt": "s1", "surfaces": ["search"],
        "variants": [
            {"name": "control", "share": 0.5}, {"name": "rrf", "share": 0.5, "settings": {"fusion": "rrf"}},
        ],
    }  # fmt: skip
    (data / "experiments.json").write_text(json.dumps({"experiments": [definition]}))
    shop = Shelfwise(hashing_settings(data))
    shop.upsert_products(catalog)
    shop.rebuild_index()
    try:
        with TestClient(create_app(shop, ServeConfig(api_key=api_key))) as client:
            now = datetime.now(UTC).isoformat()
            for user in range(12):
                answer = client.get("/search", params={"q": "kettle", "user_id": f"u{user}"}).json()
                hit = answer["hits"][0]["product"]["product_id"]
                client.post("/events", json={
                    "event_id": f"c{user}", "type": "click", "user_id": f"u{user}", "product_id": hit,
                    "timestamp": now, "request_id": answer["request_id"], "position": 0,
                })  # fmt: skip
            _sign_in(client, api_key)
            page = client.get("/admin/experiments").text
    finally:
        shop.close()
    assert 'id="experiment-fusion-test"' in page and "running" in page and 'fusion="rrf"' in page
    assert "Conversion rate by variant" in page and "Against control" in page and "click_rate" in page


def _wait_for_job(client: TestClient, seconds: float = 60) -> str:
    """The console queues rebuilds and retraining: a worker (here in this process) runs them."""
    run_worker(client.app.state.shelfwise.settings, once=True)  # type: ignore[attr-defined]
    deadline = time.monotonic() + seconds
    while True:
        page = client.get("/admin/index").text
        if 'http-equiv="refresh"' not in page:  # the page refreshes itself while a job runs
            return page
        assert time.monotonic() < deadline, "the index job did not finish"
        time.sleep(0.2)


def test_rebuild_then_serve_the_previous_one(client: TestClient, shelfwise: Shelfwise, api_key: str) -> None:
    before = shelfwise.engine.version
    assert client.post("/admin/index/rebuild", follow_redirects=False).status_code == 303  # not signed in
    assert shelfwise.engine.version == before
    _sign_in(client, api_key)
    client.post("/admin/index/rebuild")
    page = _wait_for_job(client)
    rebuilt = shelfwise.engine.version
    assert rebuilt != before and f"serving {rebuilt}" in page and "The rebuild finished" in page
    client.post("/admin/index/serve", content=f"version={before}", headers=FORM)
    page = _wait_for_job(client)
    assert shelfwise.engine.version == before and "The swap finished" in page
    assert client.get("/search", params={"q": "kettle"}).json()["index_version"] == before
    client.post("/admin/index/serve", content="version=../../etc", headers=FORM)
    assert "failed" in _wait_for_job(client) and shelfwise.engine.version == before


def test_the_explorer_says_what_is_missing(client: TestClient, api_key: str) -> None:
    _sign_in(client, api_key)
    assert "Name a shopper" in client.get("/admin/recommend").text
    assert "no recommender trained yet" in client.get("/admin/recommend", params={"user_id": "u1"}).text
    assert "no product &#39;nope&#39;" in client.get("/admin/recommend", params={"product_id": "nope"}).text


def _record_aisle_views(shelfwise: Shelfwise, prefix: str) -> None:
    """Thirty shoppers `<prefix><n>` walking the kettle aisle: enough events to fit a recommender."""
    start = datetime(2025, 1, 1, tzinfo=UTC)
    aisle = ["kt-001", "kt-002", "kt-003", "kt-004", "cf-001"]
    shelfwise.record_events([
        Event(event_id=f"{prefix}{user}-{i}", type="view", user_id=f"{prefix}{user}", product_id=pid,
              timestamp=start + timedelta(minutes=10 * user + i))
        for user in range(30) for i, pid in enumerate(aisle[user % 2:])
    ])  # fmt: skip


def test_retrain_serves_a_recommender_fitted_on_the_stored_events(
    client: TestClient, shelfwise: Shelfwise, api_key: str
) -> None:
    _record_aisle_views(shelfwise, "r")
    _sign_in(client, api_key)
    assert client.get("/recommend/user/r1").status_code == 503
    client.post("/admin/recommender/retrain", content="channels=cooccurrence,popularity", headers=FORM)
    page = _wait_for_job(client, seconds=120)
    assert "The retrain finished" in page and "cooccurrence, popularity" in page, page
    assert 'id="recommender-versions"' in page and "current" in page
    assert client.get("/recommend/user/r1").status_code == 200  # served at once, no restart
    explored = client.get("/admin/recommend", params={"user_id": "r1"}).text
    assert "Each channel&#39;s own candidates" in explored or "Each channel's own candidates" in explored
    assert 'data-channel="cooccurrence"' in explored and 'data-channel="popularity"' in explored
    assert "kt-00" in explored.split('data-channel="cooccurrence"')[1].split("</table>")[0]
    client.post("/admin/recommender/retrain", content="channels=telepathy", headers=FORM)
    assert "telepathy" in _wait_for_job(client) and "failed" in _wait_for_job(client)


def test_posts_from_another_site_are_refused(client: TestClient, shelfwise: Shelfwise, api_key: str) -> None:
    elsewhere = {**FORM, "Origin": "http://evil.example"}
    body = f"api_key={api_key}"
    login = client.post("/admin/login", content=body, headers=elsewhere, follow_redirects=False)
    assert login.status_code == 403 and COOKIE not in login.cookies
    _sign_in(client, api_key)
    before = shelfwise.engine.version
    assert client.post("/admin/index/rebuild", headers=elsewhere).status_code == 403
    assert shelfwise.engine.version == before and "The rebuild" not in client.get("/admin/index").text
    here = {"Origin": "http://testserver"}
    ours = client.post("/admin/index/rebuild", headers=here, follow_redirects=False)
    assert ours.status_code == 303 and "The rebuild finished" in _wait_for_job(client)


def test_a_kept_recommender_version_can_be_served_again(
    client: TestClient, shelfwise: Shelfwise, api_key: str
) -> None:
    _record_aisle_views(shelfwise, "v")
    _sign_in(client, api_key)
    versions = []
    for channels in ("cooccurrence,popularity", "popularity"):
        client.post("/admin/recommender/retrain", content=f"channels={channels}", headers=FORM)
        assert "The retrain finished" in _wait_for_job(client, seconds=120)
        assert shelfwise.recommender is not None
        versions.append(shelfwise.recommender.version)
    first, second = versions
    assert first != second
    page = client.get("/admin/index").text
    assert f'name="version" value="{first}"' in page and f'name="version" value="{second}"' not in page
    client.post("/admin/models/serve", content=f"kind=recommender&version={first}", headers=FORM)
    page = _wait_for_job(client)
    assert f"serving recommender {first}" in page
    assert shelfwise.recommender is not None and shelfwise.recommender.version == first
    assert client.get("/recommend/user/v1").status_code == 200
    client.post("/admin/models/serve", content="kind=ranker&version=nope", headers=FORM)
    assert "no kept ranker version" in _wait_for_job(client)

"""The admin playground runs the mode it is asked for; an unknown mode runs (and shows) hybrid."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
NOT_RUN = "not run in this mode"


@pytest.fixture
def admin(client: TestClient, api_key: str) -> TestClient:
    signed = client.post("/admin/login", content=f"api_key={api_key}", headers=FORM, follow_redirects=False)
    assert signed.status_code == 303
    return client


@pytest.mark.parametrize(("mode", "runs_vector", "runs_lexical"),
                         [("lexical", False, True), ("vector", True, False)])  # fmt: skip
def test_each_mode_runs_only_its_retrievers(admin: TestClient, mode: str, runs_vector: bool,
                                           runs_lexical: bool) -> None:  # fmt: skip
    page = admin.get("/admin/playground", params={"q": "headphones", "mode": mode}).text
    assert f'<option value="{mode}" selected>' in page
    assert page.count(NOT_RUN) == (not runs_vector) + (not runs_lexical)


def test_an_unknown_mode_runs_hybrid_and_the_form_says_so(admin: TestClient) -> None:
    page = admin.get("/admin/playground", params={"q": "headphones", "mode": "bogus"}).text
    assert '<option value="hybrid" selected>' in page and "bogus" not in page
    assert NOT_RUN not in page and "Sony WH-1000XM5" in page

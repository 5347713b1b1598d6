"""The admin console's Keys page: the admin action lists, creates (the secret shown once) and
revokes keys; a stored key with the models or admin action signs in, others do not; revoking a
key signs its sessions out. The server here uses the data folder's keys.db, as a real one does."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from fastapi.testclient import TestClient

from shelfwise.keys import create_key, open_key_store
from shelfwise.service import Shelfwise
from tests.e2e.conftest import API_KEY, ClientFactory

FORM = {"Content-Type": "application/x-www-form-urlencoded"}
CONSOLE_POSTS = ("/admin/keys", "/admin/keys/revoke", "/admin/index/rebuild", "/admin/recommender/retrain",
                 "/admin/index/serve", "/admin/models/serve", "/admin/jobs/cancel")  # fmt: skip


def _sign_in(client: TestClient, key: str) -> int:
    response = client.post("/admin/login", content=f"api_key={key}", headers=FORM, follow_redirects=False)
    return response.status_code


def _stored_key(shelfwise: Shelfwise, *actions: str) -> str:
    store = open_key_store(shelfwise.settings.data_dir)
    raw = create_key(store, actions, "made by the test", datetime.now(UTC))[1]
    store.close()
    return raw


def test_the_master_key_creates_and_revokes_keys_in_the_console(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    client = make_client(shelfwise)
    for path in CONSOLE_POSTS:
        assert client.post(path, headers=FORM, follow_redirects=False).status_code == 303, path
    assert _sign_in(client, API_KEY) == 303
    assert client.get("/admin/keys").status_code == 200
    form = "actions=search&actions=events&description=shop+front&expires=2099-01-01"
    made = client.post("/admin/keys", content=form, headers=FORM)
    assert made.status_code == 200 and "not shown again" in made.text
    secret = re.search(r'<code id="new-secret">([^<]+)</code>', made.text).group(1)  # type: ignore[union-attr]
    key_id = secret.split("_")[1]
    listing = client.get("/admin/keys").text
    assert key_id in listing and "shop front" in listing and "search, events" in listing
    assert secret not in listing  # shown once
    assert client.get("/search?q=kettle", headers={"X-API-Key": secret}).status_code == 200
    write = client.post("/products/bulk-delete", json={"product_ids": []}, headers={"X-API-Key": secret})
    assert write.status_code == 403
    bad = client.post("/admin/keys", content="actions=search&expires=2001-01-01", headers=FORM)
    assert bad.status_code == 422 and "not in the future" in bad.text
    revoked = client.post("/admin/keys/revoke", content=f"key_id={key_id}", headers=FORM,
                          follow_redirects=False)  # fmt: skip
    assert revoked.status_code == 303
    assert client.get("/search?q=kettle", headers={"X-API-Key": secret}).status_code == 403
    assert ">revoked<" in client.get("/admin/keys").text


def test_stored_keys_sign_in_by_their_actions(shelfwise: Shelfwise, make_client: ClientFactory) -> None:
    models_key = _stored_key(shelfwise, "models")
    search_key = _stored_key(shelfwise, "search", "catalog")
    client = make_client(shelfwise)
    assert _sign_in(client, search_key) == 401
    assert _sign_in(client, models_key) == 303
    assert client.get("/admin").status_code == 200
    assert client.get("/admin/keys").status_code == 403
    assert client.post("/admin/keys", content="actions=admin", headers=FORM).status_code == 403
    assert client.get("/admin/recommend?user_id=u-1").status_code == 403  # shoppers' data: admin
    assert client.get("/admin/recommend?product_id=kt-001").status_code == 200
    store = open_key_store(shelfwise.settings.data_dir)
    store.revoke(models_key.split("_")[1], datetime.now(UTC))
    store.close()
    assert client.get("/admin", follow_redirects=False).status_code == 303  # signed out


def test_without_a_master_key_stored_keys_do_not_open_the_console(
    shelfwise: Shelfwise, make_client: ClientFactory
) -> None:
    admin_key = _stored_key(shelfwise, "admin", "models")
    client = make_client(shelfwise, api_key=None)
    assert _sign_in(client, admin_key) == 403  # closed: sessions are signed with the master key
    assert client.get("/keys", headers={"X-API-Key": admin_key}).status_code == 200  # the API still takes it

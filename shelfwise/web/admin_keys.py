"""The admin console's Keys page (the admin action): stored keys with their actions, state and
expiry; a form that creates a key and shows its secret once; a button that revokes one."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from shelfwise.keys import ACTIONS, create_key, expiry_of
from shelfwise.web.admin_auth import refused, signed_in, to_login
from shelfwise.web.pages import Pages

if TYPE_CHECKING:  # shelfwise.serve imports the web routes
    from shelfwise.serve.guard import Guard


def _guard(request: Request) -> Guard:
    guard: Guard = request.app.state.guard
    return guard


def add_key_pages(router: APIRouter, pages: Pages) -> None:
    def keys_page(request: Request, status_code: int = 200, **context: Any) -> Response:
        guard = _guard(request)
        now = guard.now()
        keys = [(key, key.state(now)) for key in guard.keyring.store.list()]
        return pages.render(
            request, "admin_keys", status_code=status_code, private=True, section="keys",
            keys=keys, actions=ACTIONS, **context,
        )  # fmt: skip

    @router.get("/keys")
    def list_keys(request: Request) -> Response:
        principal = signed_in(request)
        if principal is None:
            return to_login(request)
        if "admin" not in principal.actions:
            return Response("managing keys needs the admin action", status_code=403, media_type="text/plain")
        return keys_page(request)

    @router.post("/keys")
    async def create(request: Request) -> Response:
        if (refusal := refused(request, "admin")) is not None:
            return refusal
        principal = signed_in(request)
        assert principal is not None  # refused() checked it
        fields = parse_qs((await request.body()).decode("utf-8", errors="replace"), keep_blank_values=True)
        description = (fields.get("description") or [""])[-1][:500]
        guard = _guard(request)
        try:
            expires = expiry_of((fields.get("expires") or [""])[-1])
            record, raw = create_key(
                guard.keyring.store, fields.get("actions", []), description, guard.now(), expires,
                principal.actions,
            )  # fmt: skip
        except ValueError as problem:
            return keys_page(request, status_code=422, error=str(problem))
        return keys_page(request, created=record, secret=raw)

    @router.post("/keys/revoke")
    async def revoke(request: Request) -> Response:
        if (refusal := refused(request, "admin")) is not None:
            return refusal
        fields = parse_qs((await request.body()).decode("utf-8", errors="replace"))
        key_id = (fields.get("key_id") or [""])[-1]
        guard = _guard(request)
        if guard.keyring.store.revoke(key_id, guard.now()) is None:
            return keys_page(request, status_code=404, error=f"No key '{key_id}'.")
        return RedirectResponse("/admin/keys", status_code=303)

"""/keys: list, create and revoke API keys over HTTP (as Meilisearch's /keys), with a key that
has the admin action. A created key's secret is in the answer once and stored nowhere."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.keys import ACTIONS, Action, ApiKey, Principal, create_key
from shelfwise.serve.errors import ApiError
from shelfwise.serve.guard import Guard, get_guard
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.security import admin_access

keys_router = APIRouter(route_class=StrictJsonRoute, prefix="/keys", tags=["keys"])
AdminPrincipal = Annotated[Principal | None, Depends(admin_access)]
GuardDep = Annotated[Guard, Depends(get_guard)]
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key"},
    403: {"model": ErrorBody, "description": "Key without the admin action, expired or revoked"},
}


class KeyView(BaseModel):
    """A stored key as lists show it: never its secret nor its hashes."""

    model_config = ConfigDict(frozen=True)

    key_id: str
    actions: tuple[Action, ...]
    description: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    state: str

    @classmethod
    def of(cls, key: ApiKey, now: datetime) -> KeyView:
        return cls(
            key_id=key.key_id, actions=key.actions, description=key.description, created_at=key.created_at,
            expires_at=key.expires_at, revoked_at=key.revoked_at, state=key.state(now),
        )  # fmt: skip


class KeyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actions: list[Action] = Field(min_length=1, description=f"among {', '.join(ACTIONS)}")
    description: str = Field(default="", max_length=500)
    expires_at: datetime | None = Field(default=None, description="with a time zone; none: never")


class KeyCreated(KeyView):
    key: str = Field(description="the key itself: shown this once, stored nowhere")


@keys_router.get("", summary="List the stored API keys", responses=_ERRORS)
def list_keys(principal: AdminPrincipal, guard: GuardDep) -> list[KeyView]:
    now = guard.now()
    return [KeyView.of(key, now) for key in guard.keyring.store.list()]


@keys_router.post("", summary="Create an API key", status_code=201, responses=_ERRORS)
def create(body: KeyCreate, principal: AdminPrincipal, guard: GuardDep) -> KeyCreated:
    now = guard.now()
    if body.expires_at is not None and body.expires_at.tzinfo is None:
        raise ApiError(422, "expires_at needs a time zone, e.g. 2027-01-01T00:00:00Z")
    allowed = ACTIONS if principal is None else principal.actions
    try:
        record, raw = create_key(
            guard.keyring.store, body.actions, body.description, now, body.expires_at, allowed
        )
    except ValueError as error:
        raise ApiError(422, str(error)) from error
    return KeyCreated(**KeyView.of(record, now).model_dump(), key=raw)


@keys_router.delete(
    "/{key_id}",
    summary="Revoke an API key",
    responses={**_ERRORS, 404: {"model": ErrorBody, "description": "No stored key has this id"}},
)
def revoke(
    key_id: Annotated[str, Path(min_length=1, max_length=64)], principal: AdminPrincipal, guard: GuardDep
) -> KeyView:
    now = guard.now()
    revoked = guard.keyring.store.revoke(key_id, now)
    if revoked is None:
        raise ApiError(404, f"no API key '{key_id}'", {"key_id": key_id})
    return KeyView.of(revoked, now)

"""Protection for the HTTP layer: API keys and the actions they allow, and the request body limit.

A route states the action it needs with a dependency: `require_action("catalog")` (alias
`WriteAccess`), "search", "events", "reviews", "models" or "admin" (`AdminAccess`). The key comes in the
X-API-Key header or as a bearer token: a configured master key (every action), a stored key
(`shelfwise keys create`) or a scoped key signed by one. Search and events answer without a key
while `serve.public_search` / `serve.public_events` say so (the default), and reviews while
`serve.public_reviews` does (off by default; the demo's storefront turns it on).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfwise.config import ServeConfig
from shelfwise.keys import Action, Principal
from shelfwise.serve.errors import ApiError, error_response
from shelfwise.serve.guard import Guard, get_guard

API_KEY_ENV = "SHELFWISE_SERVE__API_KEY"

# auto_error=False: a missing key is reported by `require_action` in the uniform error shape.
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False,
    description="the master key (SHELFWISE_SERVE__API_KEY), a stored key or a scoped key",
)  # fmt: skip
_bearer = HTTPBearer(auto_error=False, description="the same key as a bearer token")


def get_serve_config(request: Request) -> ServeConfig:
    config: ServeConfig = request.app.state.serve_config
    return config


def presented_key(api_key: str | None, bearer: HTTPAuthorizationCredentials | None) -> str | None:
    if api_key:
        return api_key
    if bearer is not None and bearer.credentials:
        return bearer.credentials
    return None


def _public(action: Action, config: ServeConfig) -> bool:
    return (
        (action == "search" and config.public_search)
        or (action == "events" and config.public_events)
        or (action == "reviews" and config.public_reviews)
    )


def _anonymous(action: Action, guard: Guard) -> None:
    """A request without a key: fine for a public action, else 401 (403 with no key at all)."""
    if _public(action, guard.config):
        return
    if action != "search" and not guard.keyring.any_keys():
        raise ApiError(403, f"writes are disabled: set {API_KEY_ENV} to enable the write endpoints")
    raise ApiError(
        401,
        "missing API key: send it in the X-API-Key header or as 'Authorization: Bearer <key>'",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _authenticated(guard: Guard, presented: str, action: Action) -> Principal:
    """The presented key's principal. A key that authenticates needs no look at the other keys;
    only a refused key on a write asks whether the shop has any key at all (if not, writes are
    disabled, 403, rather than "invalid API key")."""
    try:
        return guard.authenticate(presented)
    except ApiError as refused:
        if refused.status_code == 401 and action not in ("search", "events") and not guard.keyring.any_keys():
            raise ApiError(
                403, f"writes are disabled: set {API_KEY_ENV} to enable the write endpoints"
            ) from None
        raise


def require_action(action: Action) -> Callable[..., Principal | None]:
    """A dependency: the caller's Principal when its key allows `action` (None: no key, on a
    public action); 401 without a valid key, 403 for a key that may not, or is expired or
    revoked, 429 past a rate limit."""

    def check(
        request: Request,
        api_key: Annotated[str | None, Depends(_api_key_header)],
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal | None:
        guard = get_guard(request)
        guard.charge_address(request)
        presented = presented_key(api_key, bearer)
        if presented is None:
            _anonymous(action, guard)
            return None
        principal = _authenticated(guard, presented, action)
        if action not in principal.actions:
            allowed = ", ".join(sorted(principal.actions))
            raise ApiError(403, f"this API key may not {action} (its actions: {allowed})")
        guard.charge_key(principal)
        return principal

    check.__name__ = f"require_{action}"
    return check


search_access = require_action("search")
events_access = require_action("events")
catalog_access = require_action("catalog")
models_access = require_action("models")
admin_access = require_action("admin")
reviews_access = require_action("reviews")

SearchPrincipal = Annotated[Principal | None, Depends(search_access)]


def unscoped_search_access(principal: SearchPrincipal) -> Principal | None:
    """The search action with a key that is not scoped (shoppers' profiles: a scope of products
    says nothing about which shoppers a key may see)."""
    if principal is not None and principal.scope is not None:
        raise ApiError(403, "a scoped key cannot read shoppers' profiles")
    return principal


UnscopedAccess = Depends(unscoped_search_access)
SearchAccess = Depends(search_access)
EventsAccess = Depends(events_access)
CatalogAccess = Depends(catalog_access)
WriteAccess = CatalogAccess  # the name routes used before keys had actions
ModelsAccess = Depends(models_access)
AdminAccess = Depends(admin_access)
ReviewsAccess = Depends(reviews_access)


# ----- request body limit -------------------------------------------------------------------


class BodyTooLargeError(StarletteHTTPException):
    """Raised from `receive` once a streamed body passes the limit.

    An HTTPException, so that FastAPI re-raises it while reading the body (instead of turning it
    into a 400) and the error handlers render it as a 413.
    """

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large_message(limit))


def too_large_message(limit: int) -> str:
    return f"request body too large: the limit is {limit} bytes"


class BodySizeLimitMiddleware:
    """Refuses bodies over `max_body_bytes` before anything parses them.

    A declared Content-Length over the limit is answered at once, without reading the body;
    a chunked (or understated) body is counted as it streams in and cut off at the limit.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await error_response(413, too_large_message(limit))(scope, receive, send)
            return
        received = 0
        started = False

        async def receive_counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLargeError(limit)
            return message

        async def send_tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive_counted, send_tracked)
        except BodyTooLargeError:
            if started:
                raise
            await error_response(413, too_large_message(limit))(scope, receive, send)


def _content_length(scope: Scope) -> int | None:
    value = Headers(scope=scope).get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        return None

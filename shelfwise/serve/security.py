"""Protection for the HTTP layer: the API key on write endpoints and the request body limit."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfwise.config import ServeConfig
from shelfwise.serve.errors import ApiError, error_response

API_KEY_ENV = "SHELFWISE_SERVE__API_KEY"

# auto_error=False: a missing key is reported by `require_api_key` in the uniform error shape.
_api_key_header = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="the key set in SHELFWISE_SERVE__API_KEY"
)
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


def keys_match(presented: str, expected: str) -> bool:
    """Constant-time comparison (bytes, so non-ASCII input cannot raise)."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def require_api_key(
    config: Annotated[ServeConfig, Depends(get_serve_config)],
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Writes need the configured key; with no key configured, writes are refused outright."""
    if not config.api_key:
        raise ApiError(
            403,
            f"writes are disabled: set {API_KEY_ENV} to enable the write endpoints",
        )
    presented = presented_key(api_key, bearer)
    if presented is None:
        raise ApiError(
            401,
            "missing API key: send it in the X-API-Key header or as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": "Bearer"},
        )
    if not keys_match(presented, config.api_key):
        raise ApiError(401, "invalid API key", headers={"WWW-Authenticate": "Bearer"})


WriteAccess = Depends(require_api_key)


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

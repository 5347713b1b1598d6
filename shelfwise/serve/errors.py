"""One error shape for every failure: {"error": short message, "detail": optional}.

`ApiError` is what routes raise; the handlers here turn it, FastAPI's validation errors,
Starlette's HTTP errors, the engine's `IndexNotReadyError`, what a sharded replica cannot do
(`ShardedModeError`, 501) and a full disk (507) into that shape.
`RequestContextMiddleware` gives every response an X-Request-ID and turns any unhandled
exception into a 500 that names the request id, keeping the traceback in the server log.
"""

from __future__ import annotations

import logging
import sqlite3
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shelfwise.disk_full import DISK_FULL_MESSAGE, is_disk_full
from shelfwise.search import IndexNotReadyError
from shelfwise.search.sharded_engine import ShardedModeError
from shelfwise.serve.allow import allow_header

logger = logging.getLogger("shelfwise.serve")

REQUEST_ID_HEADER = "X-Request-ID"


class ApiError(Exception):
    """An error a route means to report to the client, with its HTTP status."""

    def __init__(
        self,
        status_code: int,
        error: str,
        detail: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(error)
        self.status_code = status_code
        self.error = error
        self.detail = detail
        self.headers = dict(headers or {})


def error_response(
    status_code: int,
    error: str,
    detail: Any = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"error": error}
    if detail is not None:
        body["detail"] = detail
    return JSONResponse(body, status_code=status_code, headers=dict(headers or {}))


# ----- readable validation messages ---------------------------------------------------------


def format_loc(loc: Iterable[int | str]) -> str:
    """("body", "products", 2, "title") -> "body.products[2].title"."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def format_error(error: Mapping[str, Any], prefix: Sequence[int | str] = ()) -> str:
    """One pydantic error as "where: what", e.g. "query.page: Input should be ..."."""
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    loc = [*prefix, *error.get("loc", ())]
    if error.get("type") == "json_invalid" and loc and isinstance(loc[-1], int):
        # FastAPI puts the character offset where a list index would go
        reason = (error.get("ctx") or {}).get("error", "")
        message = f"invalid JSON at character {loc[-1]}" + (f": {reason}" if reason else "")
        loc = loc[:-1]
    where = format_loc(loc)
    return f"{where}: {message}" if where else message


def validation_messages(errors: Sequence[Mapping[str, Any]]) -> list[str]:
    return [format_error(e) for e in errors]


def as_request_error(exc: ValidationError, prefix: Sequence[int | str]) -> RequestValidationError:
    """Re-raise a model's ValidationError as a request error located under `prefix`."""
    errors = [{"type": e["type"], "loc": (*prefix, *e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    return RequestValidationError(errors)


# ----- exception handlers -------------------------------------------------------------------


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.error, exc.detail, exc.headers)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    messages = validation_messages(exc.errors())
    summary = messages[0] if messages else "invalid request"
    if len(messages) > 1:
        summary += f" (and {len(messages) - 1} more)"
    return error_response(422, f"invalid request: {summary}", messages)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:  # every method of the path, not only the first route's
        headers.update(allow_header(request.app.routes, request.scope))
    return error_response(exc.status_code, str(exc.detail), headers=headers)


async def _index_not_ready(request: Request, exc: Exception) -> JSONResponse:
    return error_response(503, str(exc) or "no index yet: run `shelfwise index`")


async def _sharded_mode(request: Request, exc: Exception) -> JSONResponse:
    """What a replica whose catalog lives in index shards cannot answer (`ShardedModeError`)."""
    return error_response(
        501, str(exc), "this server's catalog is held by index shards (cluster serve --shards)"
    )


async def _disk_full(request: Request, exc: Exception) -> JSONResponse:
    """A write that failed for want of disk space is a 507; any other OSError or SQLite error
    goes on to be a 500."""
    if not is_disk_full(exc):
        raise exc
    logger.warning("%s %s refused: %s (%s)", request.method, request.url.path, DISK_FULL_MESSAGE, exc)
    return error_response(507, DISK_FULL_MESSAGE, "free space on the disk of the data folder, then "
                          "send the request again: what it stored before the disk filled comes "
                          "back as unchanged or duplicate")  # fmt: skip


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IndexNotReadyError, _index_not_ready)
    app.add_exception_handler(ShardedModeError, _sharded_mode)
    for storage_error in (OSError, sqlite3.Error):  # 507 when the disk is full
        app.add_exception_handler(storage_error, _disk_full)


# ----- request ids and the last line of defence ---------------------------------------------


class RequestContextMiddleware:
    """Tags every response with X-Request-ID; an unhandled exception becomes a bare 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id
        started = False

        async def send_with_id(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [
                    (k, v)
                    for k, v in message.get("headers", [])
                    if k.lower() != REQUEST_ID_HEADER.lower().encode()
                ]
                headers.append((REQUEST_ID_HEADER.lower().encode(), request_id.encode()))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except Exception:
            logger.exception(
                "unhandled error in %s %s (request_id=%s)",
                scope.get("method"),
                scope.get("path"),
                request_id,
            )
            if started:
                raise
            response = JSONResponse({"error": "internal error", "request_id": request_id}, status_code=500)
            await response(scope, receive, send_with_id)

"""Keep the OpenAPI document true to the server: every route documents the errors it can answer
with, in the one ErrorBody shape.

`document_errors` runs over each router before the app includes it: a 500 can come from any
route, a 422 from any route with parameters or a body (FastAPI would otherwise document its own,
differently shaped 422), a 413 from any route with a body. What a route documents itself stays as it is.
The `Allow` header of a 405 is set by the error handlers (`serve/allow.py`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute

from shelfwise.serve.schemas import ErrorBody

INTERNAL = {"model": ErrorBody, "description": "Internal error (see the server log; request_id names it)"}
INVALID = {"model": ErrorBody, "description": "Invalid parameters or body: `detail` lists each problem"}
TOO_LARGE = {"model": ErrorBody, "description": "Request body over the size limit"}


def _takes_input(route: APIRoute) -> bool:
    dependant = route.dependant
    stack = [dependant]
    while stack:
        current = stack.pop()
        if current.path_params or current.query_params or current.header_params or current.body_params:
            return True
        stack.extend(current.dependencies)
    return False


def document_errors(router: APIRouter) -> APIRouter:
    """Add the 500, 422 and 413 each route of `router` can answer with to its documented
    responses (idempotent); call it before the router is included."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or not route.include_in_schema:
            continue
        extra: dict[int | str, dict[str, Any]] = {500: INTERNAL}
        if _takes_input(route):
            extra[422] = INVALID
        if route.body_field is not None:
            extra[413] = TOO_LARGE
        route.responses = {**extra, **route.responses}
    return router


def _needs(route: APIRoute, calls: frozenset[Callable[..., Any]]) -> bool:
    stack = [route.dependant]
    while stack:
        current = stack.pop()
        if current.call in calls:
            return True
        stack.extend(current.dependencies)
    return False


def public_operations(
    routers: list[tuple[APIRouter, Callable[..., Any] | None]], public_calls: frozenset[Callable[..., Any]]
) -> set[tuple[str, str]]:
    """(path, method) of every operation that answers without a key: its own dependencies, or
    the one its router is included with, hold one of `public_calls`."""
    found: set[tuple[str, str]] = set()
    for router, included_with in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            if included_with in public_calls or _needs(route, public_calls):
                # FastAPI declares `methods` optional but fills in {"GET"} when a route names none
                found |= {(route.path_format, method.lower()) for method in route.methods or ()}
    return found


def document_optional_keys(app: FastAPI, public: set[tuple[str, str]]) -> None:
    """Operations that answer without a key (search and events while `serve.public_search` /
    `serve.public_events` say so) list the empty security requirement beside the key schemes,
    so the document says a key is optional there rather than required."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = generate()
        for path, item in schema.get("paths", {}).items():
            for method, operation in item.items():
                security = operation.get("security")
                if (path, method) in public and security and {} not in security:
                    security.append({})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]

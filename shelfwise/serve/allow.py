"""The `Allow` header of a 405: every method some route serves at the request's path.

Starlette names only the methods of the first route whose path matches, so `OPTIONS /search`
said `Allow: GET` though POST /search exists, and `/products/{id}` hid PUT and DELETE.
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.routing import BaseRoute, Match
from starlette.types import Scope

METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE")


def allowed_methods(routes: Iterable[BaseRoute], scope: Scope) -> list[str]:
    """Each method that some route would fully match at this request's path, sorted."""
    routes = list(routes)
    return [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def allow_header(routes: Iterable[BaseRoute], scope: Scope) -> dict[str, str]:
    return {"Allow": ", ".join(allowed_methods(routes, scope))}

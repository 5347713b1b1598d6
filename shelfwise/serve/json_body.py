"""JSON request bodies are read once, before FastAPI's own body handling, and refused (422) when
they are not UTF-8 or hold NaN or Infinity anywhere.

Python's json module reads the non-standard literals NaN, Infinity and -Infinity (and numbers too
large for a float, such as 1e999, as infinity); no JSON client means them, and a NaN compares false
with everything, so a NaN price would slip past `ge=0` checks or be taken for a blank value.
`StrictJsonRoute` is the route class of every API router: it checks the whole body, nested lists
and objects included, and names the field, e.g. `body.events[3].price`.
"""

from __future__ import annotations

import email.message
import json
import math
from collections.abc import Callable, Coroutine, Iterator
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

Path = tuple[int | str, ...]


def non_finite_numbers(value: Any, path: Path = ()) -> Iterator[tuple[Path, float]]:
    """Where `value` (decoded JSON) holds NaN or an infinity, depth first, in document order."""
    stack: list[tuple[Path, Any]] = [(path, value)]
    while stack:
        where, item = stack.pop()
        if isinstance(item, float):
            if not math.isfinite(item):
                yield where, item
        elif isinstance(item, dict):
            stack.extend(reversed([((*where, str(k)), v) for k, v in item.items()]))
        elif isinstance(item, list):
            stack.extend(reversed([((*where, i), v) for i, v in enumerate(item)]))


def is_json_body(request: Request) -> bool:
    """The content types FastAPI reads as JSON: none given, application/json or */*+json."""
    content_type = request.headers.get("content-type")
    if not content_type:
        return True
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    is_json = subtype == "json" or subtype.endswith("+json")
    return message.get_content_maintype() == "application" and is_json


def _spelled(number: float) -> str:
    return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")


async def check_json_body(request: Request) -> None:
    """Raise a 422-bound RequestValidationError for a body that is not UTF-8 or holds NaN/Infinity.
    A body that is not JSON at all is left to FastAPI, which reports where it breaks."""
    body = await request.body()
    if not body or not is_json_body(request):
        return
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RequestValidationError(
            [
                {
                    "type": "utf8",
                    "loc": ("body",),
                    "msg": f"not UTF-8: byte 0x{body[exc.start]:02x} at position {exc.start}",
                }
            ]
        ) from exc
    try:
        decoded = await request.json()  # cached on the request: FastAPI reads this same value
    except (json.JSONDecodeError, UnicodeDecodeError):
        return
    errors = [
        {
            "type": "finite_number",
            "loc": ("body", *where),
            "msg": f"{_spelled(number)} is not a JSON number; send a finite number (or null where allowed)",
        }
        for where, number in non_finite_numbers(decoded)
    ]
    if errors:
        raise RequestValidationError(errors)


class StrictJsonRoute(APIRoute):
    """An APIRoute whose JSON body is checked by `check_json_body` before anything reads it."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request) -> Response:
            await check_json_body(request)
            return await handler(request)

        return checked

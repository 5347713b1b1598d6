"""What POST /events takes, as the OpenAPI document says it. The shared conversion (`parse_event`,
which also reads file rows) reads an event leniently; `EventIn` then holds a JSON event to its
documented types and ranges, so a request the document allows is one the server accepts, and the
other way round.

Over HTTP an event is JSON: numbers are numbers ("12" is not a position), a type is one of the
event types, a timestamp is an RFC 3339 date-time (2024-05-01T12:30:00Z: the zone is needed) or
unix seconds, and null is the same as leaving a field out. The rules across fields (a user_id or
a session_id; a search has a query, other types a product_id; a rating event a rating) are in the
schema too, as `allOf`.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shelfwise.records import EventType, NonNegativeJsonInt
from shelfwise.serve.patterns import NOT_BLANK

MAX_UNIX_SECONDS = 1e11  # as parse_timestamp: larger numbers are milliseconds or microseconds


_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _rfc3339(value: str) -> str:
    """A JSON Schema date-time (RFC 3339: with its zone) that names a real moment."""
    try:
        if _RFC3339.fullmatch(value):
            datetime.fromisoformat(value.upper())
            return value
    except ValueError:
        pass
    raise ValueError(f"'{value[:40]}' is not an RFC 3339 date-time (2024-05-01T12:30:00Z) nor unix seconds")


Id = Annotated[str, Field(min_length=1, max_length=256, pattern=NOT_BLANK)]
IsoTime = Annotated[str, AfterValidator(_rfc3339), Field(json_schema_extra={"format": "date-time"})]
UnixSeconds = Annotated[float, Field(ge=0, lt=MAX_UNIX_SECONDS, allow_inf_nan=False)]


def _string(name: str, **constraints: Any) -> dict[str, Any]:
    return {"required": [name], "properties": {name: {"type": "string", **constraints}}}


RULES: dict[str, Any] = {
    "allOf": [
        {"anyOf": [_string("user_id"), _string("session_id")]},
        {
            "if": {"properties": {"type": {"const": "search"}}},
            "then": _string("query", pattern=NOT_BLANK),
            "else": _string("product_id"),
        },
        {
            "if": {"properties": {"type": {"const": "rating"}}},
            "then": {"required": ["rating"], "properties": {"rating": {"type": "number"}}},
        },
    ]
}


class EventIn(BaseModel):
    """One event as JSON (see Event for what each field means)."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=RULES)

    event_id: Id
    type: EventType
    user_id: Id | None = None
    session_id: Id | None = None
    product_id: Id | None = None
    timestamp: IsoTime | UnixSeconds = Field(description="RFC 3339 date-time (with its zone) or unix seconds")
    query: str | None = Field(default=None, max_length=500, description="search events: the query")
    shown: list[Id] | None = Field(default=None, max_length=1000, description="search events: ids shown")
    rating: float | None = Field(default=None, ge=1, le=5, allow_inf_nan=False)
    review: str | None = Field(default=None, max_length=20_000)
    request_id: str | None = Field(default=None, max_length=256)
    position: NonNegativeJsonInt | None = None
    price: float | None = Field(default=None, ge=0, allow_inf_nan=False)


def events_body_schema(max_events: int) -> dict[str, Any]:
    """The request body of POST /events: one event, or {"events": [...]}."""
    event = EventIn.model_json_schema()
    batch = {
        "type": "object",
        "required": ["events"],
        "additionalProperties": False,
        "properties": {"events": {"type": "array", "minItems": 1, "maxItems": max_events, "items": event}},
    }
    return {"anyOf": [event, batch]}

"""POST /events: shoppers' events from storefronts, one object or a batch of them.

No API key: browsers send these. The body size limit of the whole API still applies, and a batch
holds at most MAX_EVENTS_PER_REQUEST events. Each event is validated on its own; valid ones are
durably stored before the response, even when others in the batch are rejected.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from shelfwise.events import AppendOutcome, parse_event
from shelfwise.records import Event
from shelfwise.serve.errors import ApiError, as_request_error, format_loc
from shelfwise.serve.event_schema import EventIn, events_body_schema
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serving import Serving

MAX_EVENTS_PER_REQUEST = 1000

EventOutcomeName = Literal["accepted", "duplicate", "rejected"]


class EventBatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    events: list[Any] = Field(
        min_length=1,
        max_length=MAX_EVENTS_PER_REQUEST,
        description="event objects (fields of Event); each is checked on its own",
        json_schema_extra={"items": {"type": "object"}},
    )


class EventFieldError(BaseModel):
    field: str | None = Field(description="the Event field; None when the item itself is wrong")
    reason: str
    message: str = Field(description="where and why, e.g. 'events[3].timestamp: ...'")


class EventResult(BaseModel):
    index: int = Field(description="position in `events` (0 for a single event)")
    event_id: str | None = None
    outcome: EventOutcomeName
    errors: list[EventFieldError] = Field(default_factory=list, description="why it was rejected")


class EventsResponse(BaseModel):
    accepted: int = Field(description="new events, now durably stored")
    duplicate: int = Field(description="events whose event_id was already stored: not counted again")
    rejected: int = Field(description="invalid events, each with its errors in `results`")
    results: list[EventResult] = Field(description="one per event sent, in order")


_EXAMPLES = {
    "single": {
        "summary": "One event",
        "value": {
            "event_id": "0b7e6c9a-click-1",
            "type": "click",
            "session_id": "s-42",
            "product_id": "hp-001",
            "timestamp": "2024-05-01T12:30:00Z",
            "request_id": "search-7f3a",
            "position": 2,
        },
    },
    "batch": {
        "summary": "A batch",
        "value": {
            "events": [
                {
                    "event_id": "e-1",
                    "type": "search",
                    "user_id": "u-7",
                    "query": "kettle",
                    "shown": ["kt-001", "kt-002"],
                    "timestamp": 1714566600,
                },
                {
                    "event_id": "e-2",
                    "type": "add_to_cart",
                    "user_id": "u-7",
                    "product_id": "kt-002",
                    "timestamp": 1714566620,
                    "price": 39.99,
                },
            ]
        },
    },
}


def _shelfwise(request: Request) -> Serving:
    shelfwise: Serving = request.app.state.shelfwise
    return shelfwise


events = APIRouter(route_class=StrictJsonRoute, tags=["events"])


@events.post(
    "/events",
    summary="Record shoppers' events (one, or a batch)",
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": events_body_schema(MAX_EVENTS_PER_REQUEST)}}
        }
    },
    responses={
        422: {"model": ErrorBody, "description": "No valid event: `detail` lists each one's errors"},
        413: {"model": ErrorBody, "description": "Request body over the size limit"},
        507: {"model": ErrorBody, "description": "The data folder's disk is full: free space, send again"},
    },
)
def post_events(
    body: Annotated[
        dict[str, Any],
        Body(description='one event object, or {"events": [...]}', openapi_examples=_EXAMPLES),
    ],
    shelfwise: Annotated[Serving, Depends(_shelfwise)],
) -> EventsResponse:
    """Sending an event again (same `event_id`) is harmless: it comes back as a duplicate.
    200 when at least one event is valid; 422 when none is."""
    batch = "events" in body
    items = _batch_items(body) if batch else [body]
    results: list[EventResult | None] = [None] * len(items)
    valid: list[tuple[int, Event]] = []
    for index, item in enumerate(items):
        event, result = _check(item, index, batch)
        if event is None:
            results[index] = result
        else:
            valid.append((index, event))
    if not valid:
        rejected = [r.model_dump() for r in results if r is not None]
        raise ApiError(422, f"no valid events: {len(items)} rejected", rejected)
    outcomes = shelfwise.record_events([event for _, event in valid])
    for (index, event), outcome in zip(valid, outcomes, strict=True):
        name: EventOutcomeName = "accepted" if outcome is AppendOutcome.ACCEPTED else "duplicate"
        results[index] = EventResult(index=index, event_id=event.event_id, outcome=name)
    done = [r for r in results if r is not None]
    return EventsResponse(
        accepted=sum(r.outcome == "accepted" for r in done),
        duplicate=sum(r.outcome == "duplicate" for r in done),
        rejected=sum(r.outcome == "rejected" for r in done),
        results=done,
    )


def _batch_items(body: dict[str, Any]) -> Sequence[Any]:
    try:
        return EventBatchRequest.model_validate(body).events
    except ValidationError as exc:
        raise as_request_error(exc, ("body",)) from exc


def _check(item: Any, index: int, batch: bool) -> tuple[Event | None, EventResult]:
    """The item as an Event, or its rejection with one error per problem."""
    where: list[int | str] = ["events", index] if batch else []
    if not isinstance(item, dict):
        reason = f"expected an event object, got {type(item).__name__}"
        error = EventFieldError(field=None, reason=reason, message=_message(where, None, reason))
        return None, EventResult(index=index, outcome="rejected", errors=[error])
    parsed = parse_event(item)
    errors = [
        EventFieldError(field=p.field, reason=p.reason, message=_message(where, p.field, p.reason))
        for p in parsed.problems
    ]
    if parsed.event is not None:
        try:  # what files may spell loosely ("12", "Add to cart"), JSON sends as the document says
            EventIn.model_validate(item)
        except ValidationError as exc:
            errors = [_field_error(where, e) for e in exc.errors()]
            return None, EventResult(index=index, event_id=parsed.event_id, outcome="rejected", errors=errors)
    return parsed.event, EventResult(index=index, event_id=parsed.event_id, outcome="rejected", errors=errors)


def _message(where: list[int | str], field: str | None, reason: str) -> str:
    loc = format_loc([*where, *([field] if field else [])])
    return f"{loc}: {reason}" if loc else reason


def _field_error(where: list[int | str], error: Any) -> EventFieldError:
    """One EventIn error; locations keep the field and list indexes (not union member names)."""
    loc = error["loc"]
    field = str(loc[0]) if loc else None
    indexes = [p for p in loc[1:] if isinstance(p, int)]
    reason = str(error["msg"]).removeprefix("Value error, ")
    reason = reason[:1].lower() + reason[1:]
    where_exactly = format_loc([*where, *([field] if field else []), *indexes])
    message = f"{where_exactly}: {reason}" if where_exactly else reason
    return EventFieldError(field=field, reason=reason, message=message)

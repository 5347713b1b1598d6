"""Raw values -> Event: the coercions files and HTTP share, and the per-field problems."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shelfwise.events import EventMapping, EventProblem, parse_event, resolve_event_columns
from shelfwise.events.convert import parse_shown, parse_type

BASE = {
    "event_id": "e1",
    "type": "click",
    "user_id": "u1",
    "product_id": "p1",
    "timestamp": "2024-05-01T12:30:00Z",
}


def _problems(**changes: object) -> list[EventProblem]:
    values = {k: v for k, v in {**BASE, **changes}.items() if v is not ...}
    parsed = parse_event(values)
    assert parsed.event is None
    return list(parsed.problems)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-05-01T12:30:00Z", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01T14:30:00+02:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        ("2024-05-01 12:30:00", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),  # no zone: UTC
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=UTC)),
        (1714566600, datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
        (1714566600.25, datetime(2024, 5, 1, 12, 30, 0, 250000, tzinfo=UTC)),
        ("1714566600", datetime(2024, 5, 1, 12, 30, tzinfo=UTC)),
    ],
)
def test_timestamps_are_iso_8601_or_unix_seconds(value: object, expected: datetime) -> None:
    event = parse_event({**BASE, "timestamp": value}).event
    assert event is not None and event.timestamp == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("yesterday", "'yesterday' is not a time; use ISO 8601"),
        (1714566600000, "too large for unix seconds (milliseconds?)"),
        (True, "is not a time"),
        ("2024-13-01", "is not a time"),
    ],
)
def test_bad_timestamps_say_why(value: object, reason: str) -> None:
    [problem] = _problems(timestamp=value)
    assert problem.field == "timestamp"
    assert reason in problem.reason


def test_shown_is_a_list_or_separated_ids() -> None:
    assert parse_shown("p1 p2,p3 ,  p4") == ("p1", "p2", "p3", "p4")
    assert parse_shown(["p1", 2, "", None]) == ("p1", "2")
    assert parse_shown('["p1", "p2"]') == ("p1", "p2")
    event = parse_event({**BASE, "type": "search", "query": "kettle", "shown": "a,b"}).event
    assert event is not None and event.shown == ("a", "b")


def test_event_types_accept_common_spellings() -> None:
    assert [parse_type(v) for v in ("Add to cart", "add-to-cart", "ADDTOCART", "transaction")] == [
        "add_to_cart",
        "add_to_cart",
        "add_to_cart",
        "purchase",
    ]
    [problem] = _problems(type="clack")
    assert problem.field == "type"
    assert problem.reason.startswith("'clack' is not an event type; use one of view, click")


def test_blank_values_are_absent_and_text_is_trimmed() -> None:
    event = parse_event({**BASE, "event_id": "  e1 ", "session_id": "", "price": " ", "position": ""}).event
    assert event is not None
    assert (event.event_id, event.session_id, event.price, event.position) == ("e1", None, None, None)


def test_numbers_from_text_columns() -> None:
    event = parse_event({**BASE, "user_id": 42, "price": "$1,299.50", "position": "3.0"}).event
    assert event is not None
    assert (event.user_id, event.price, event.position) == ("42", 1299.5, 3)
    rated = parse_event({**BASE, "type": "rating", "rating": "4.5/5", "review": "Great"}).event
    assert rated is not None and rated.rating == 4.5


def test_required_fields_are_named() -> None:
    problems = _problems(event_id=..., timestamp="")
    assert [(p.field, p.reason) for p in problems] == [
        ("event_id", "is required"),
        ("timestamp", "is required"),
    ]


@pytest.mark.parametrize(
    ("changes", "field", "reason"),
    [
        ({"user_id": ...}, "user_id", "needs a user_id or a session_id"),
        ({"product_id": ...}, "product_id", "a click event needs a product_id"),
        ({"type": "search", "product_id": ...}, "query", "a search event needs a query"),
        ({"type": "rating"}, "rating", "a rating event needs a rating (1-5)"),
    ],
)
def test_rules_over_several_fields_name_the_missing_field(
    changes: dict[str, object], field: str, reason: str
) -> None:
    assert _problems(**changes) == [EventProblem(field, reason)]


def test_every_bad_field_is_reported_at_once() -> None:
    problems = _problems(price="-3", position="first", rating="9", colour="red")
    assert {p.field: p.reason for p in problems} == {
        "price": "'-3' is negative",
        "position": "'first' is not a whole number",
        "rating": "'9' is outside the range 0 to 5",
        "colour": "is not an event field",
    }
    assert parse_event({**BASE, "colour": "red"}, allow_unknown=True).event is not None


def test_range_errors_from_the_record_are_readable() -> None:
    problems = _problems(type="rating", rating=0, event_id="x" * 300)
    assert {p.field: p.reason for p in problems} == {
        "event_id": "string should have at most 256 characters",
        "rating": "input should be greater than or equal to 1",
    }
    assert parse_event({**BASE, "event_id": "x" * 300}).event_id == "x" * 300


def test_mapping_explicit_then_names_then_aliases() -> None:
    columns = ["Event ID", "visitorid", "itemid", "event", "timestamp", "session", "extra"]
    resolved = resolve_event_columns(EventMapping(), columns)
    assert resolved == {
        "user_id": "visitorid",
        "product_id": "itemid",
        "type": "event",
        "timestamp": "timestamp",
        "session_id": "session",
        "event_id": "Event ID",
    }
    mapping = EventMapping.from_pairs(["session_id=visitorid", "event_id=extra"])
    resolved = resolve_event_columns(mapping, columns)
    assert (resolved["session_id"], resolved["event_id"]) == ("visitorid", "extra")
    assert "user_id" not in resolved  # visitorid is taken
    strict = resolve_event_columns(EventMapping(columns={"type": "event"}, use_defaults=False), columns)
    assert strict == {"type": "event"}


def test_mapping_pairs_are_checked() -> None:
    with pytest.raises(ValueError, match="not of the form field=column"):
        EventMapping.from_pairs(["user_id"])
    with pytest.raises(ValueError, match="unknown field 'colour' in 'colour=c'; use one of event_id"):
        EventMapping.from_pairs(["colour=c"])
    with pytest.raises(ValueError, match="unknown field"):
        EventMapping(columns={"colour": "c"})

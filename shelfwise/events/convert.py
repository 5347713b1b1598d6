"""Raw values (a file row or a JSON object) -> Event, or the reasons it is not one, field by field.

One conversion serves files and HTTP, so the same value means the same thing everywhere: blank
values are absent; a timestamp is ISO 8601 or a number of unix seconds; `shown` is a list or a
space- or comma-separated string of ids; an event type may be spelled 'Add to cart' or 'addtocart'.
`EventMapping` says which file column feeds which Event field.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shelfwise.catalog.feed import normalize_column
from shelfwise.catalog.values import (
    InvalidValue,
    is_missing,
    parse_count,
    parse_price,
    parse_product_id,
    parse_rating,
    parse_text,
    shown,
)
from shelfwise.records import EVENT_TYPES, Event

EVENT_FIELDS: tuple[str, ...] = tuple(Event.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = ("event_id", "type", "timestamp")

# Column names (normalized: lower case, spaces and dashes as underscores) tried, after the field's
# own name, when no explicit mapping names a column for the field.
ALIASES: dict[str, tuple[str, ...]] = {
    "event_id": ("id", "eventid", "event_uuid", "uuid", "message_id"),
    "type": ("event_type", "eventtype", "event", "event_name", "action"),
    "user_id": ("user", "userid", "customer_id", "customerid", "shopper_id", "visitor_id", "visitorid"),
    "session_id": ("session", "sessionid", "visit_id", "anonymous_id", "anon_id"),
    "product_id": ("item_id", "itemid", "sku", "product", "productid", "asin"),
    "timestamp": ("ts", "time", "event_time", "eventtime", "occurred_at", "created_at", "datetime"),
    "query": ("search_query", "search_term", "q", "keywords"),
    "shown": ("impressions", "shown_ids", "shown_products", "results"),
    "rating": ("stars", "review_rating", "score"),
    "review": ("review_text", "comment", "review_body"),
    "request_id": ("search_id", "recommendation_id", "req_id", "requestid"),
    "position": ("rank", "pos", "slot"),
    "price": ("unit_price", "item_price"),
}
TYPE_ALIASES: dict[str, str] = {
    "addtocart": "add_to_cart",
    "add_cart": "add_to_cart",
    "cart": "add_to_cart",
    "transaction": "purchase",
    "order": "purchase",
    "buy": "purchase",
    "review": "rating",
    "detail": "view",
    "product_view": "view",
    "pageview": "view",
}
_NUMERAL = re.compile(r"\s*[+-]?\d+(\.\d+)?\s*")
_MAX_UNIX_SECONDS = 1e11  # year 5138; larger numbers are milliseconds or microseconds
_MODEL_RULE_FIELDS = ("user_id", "product_id", "query", "rating")


@dataclass(frozen=True)
class EventProblem:
    """One reason a record is not an event; `field` is None when the record itself is wrong."""

    field: str | None
    reason: str


@dataclass(frozen=True)
class ParsedEvent:
    """What one record turned into: an event, or problems (then `event` is None)."""

    event: Event | None
    event_id: str | None = None
    problems: tuple[EventProblem, ...] = ()


def parse_type(value: object) -> str:
    text = normalize_column(value) if isinstance(value, str) else ""
    name = TYPE_ALIASES.get(text, text)
    if name not in EVENT_TYPES:
        raise InvalidValue(f"{shown(value)} is not an event type; use one of {', '.join(EVENT_TYPES)}")
    return name


def _unix_seconds(value: object) -> float | None:
    """The value as unix seconds when it is a number or a numeral, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return float(value)
    if isinstance(value, str) and _NUMERAL.fullmatch(value):
        return float(value)
    return None


def parse_timestamp(value: object) -> datetime:
    """ISO 8601 ('2024-05-01T12:30:00Z'; no zone means UTC) or unix seconds (a number)."""
    if isinstance(value, datetime):
        return value
    seconds = _unix_seconds(value)
    if seconds is not None:
        if not math.isfinite(seconds) or abs(seconds) >= _MAX_UNIX_SECONDS:
            raise InvalidValue(f"{shown(value)} is too large for unix seconds (milliseconds?)")
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):  # before year 1 (-9e10 was a 500 over HTTP)
            raise InvalidValue(f"{shown(value)} is out of range for unix seconds") from None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.strip())
    raise InvalidValue(f"{shown(value)} is not a time; use ISO 8601 (2024-05-01T12:30:00Z) or unix seconds")


def parse_shown(value: object) -> tuple[str, ...]:
    """['a', 'b'], '["a", "b"]', 'a b c' or 'a,b,c' -> ('a', 'b', 'c')."""
    if isinstance(value, str) and value.strip().startswith("["):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            raise InvalidValue(f"{shown(value)} is not a valid JSON list") from None
    if isinstance(value, str):
        return tuple(part for part in re.split(r"[\s,]+", value) if part)
    if isinstance(value, list | tuple):
        return tuple(pid for pid in (parse_product_id(v) for v in value if not is_missing(v)) if pid)
    raise InvalidValue(f"{shown(value)} is not a list of product ids")


_PARSERS: dict[str, Callable[[object], Any]] = {
    "event_id": parse_product_id,
    "type": parse_type,
    "user_id": parse_product_id,
    "session_id": parse_product_id,
    "product_id": parse_product_id,
    "timestamp": parse_timestamp,
    "query": parse_text,
    "shown": parse_shown,
    "rating": parse_rating,
    "review": parse_text,
    "request_id": parse_product_id,
    "position": parse_count,
    "price": lambda v: parse_price(v).amount,
}


def parse_event(values: Mapping[str, object], *, allow_unknown: bool = False) -> ParsedEvent:
    """Convert one record; every bad field is reported. Keys that are not Event fields are
    problems unless `allow_unknown` (then they are ignored)."""
    fields: dict[str, object] = {}
    problems: list[EventProblem] = []
    for name, value in values.items():
        parser = _PARSERS.get(name)
        if parser is None:
            if not allow_unknown:
                problems.append(EventProblem(str(name), "is not an event field"))
        elif not is_missing(value):
            try:
                parsed = parser(value)
            except InvalidValue as exc:
                problems.append(EventProblem(name, str(exc)))
                continue
            if not is_missing(parsed):
                fields[name] = parsed
    event_id = fields.get("event_id")
    event_id = event_id if isinstance(event_id, str) else None
    for name in REQUIRED_FIELDS:
        if name not in fields and not any(p.field == name for p in problems):
            problems.append(EventProblem(name, "is required"))
    if problems:
        return ParsedEvent(None, event_id, tuple(problems))
    try:
        return ParsedEvent(Event.model_validate(fields), event_id)
    except ValidationError as exc:
        return ParsedEvent(None, event_id, tuple(_problems(exc)))


def _problems(exc: ValidationError) -> list[EventProblem]:
    out: list[EventProblem] = []
    for error in exc.errors():
        reason = str(error["msg"]).removeprefix("Value error, ")
        reason = reason[:1].lower() + reason[1:]
        if error["loc"]:
            name: str | None = str(error["loc"][0])
        else:  # a rule over several fields (Event._consistent): name the field it asks for
            name = next((f for f in _MODEL_RULE_FIELDS if f in reason), None)
        out.append(EventProblem(name, reason))
    return out


# ----- column mapping ---------------------------------------------------------------------------


class EventMapping(BaseModel):
    """Which file column feeds which Event field: `columns` maps a field to a column name.
    With `use_defaults`, fields not named here are found by their own name or a common alias."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str] = Field(default_factory=dict)
    use_defaults: bool = True

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        clean: dict[str, str] = {}
        for name, column in value.items():
            if name.strip() not in EVENT_FIELDS:
                raise ValueError(f"unknown field '{name}'; use one of {', '.join(EVENT_FIELDS)}")
            if not column.strip():
                raise ValueError(f"field '{name}' is mapped to an empty column name")
            clean[name.strip()] = column.strip()
        return clean

    @classmethod
    def from_pairs(cls, pairs: Iterable[str], use_defaults: bool = True) -> EventMapping:
        """From `field=column` strings, as given on the command line (`--column user_id=visitorid`)."""
        columns: dict[str, str] = {}
        for pair in pairs:
            name, sep, column = pair.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise ValueError(f"mapping '{pair}' is not of the form field=column")
            if name.strip() not in EVENT_FIELDS:
                known = ", ".join(EVENT_FIELDS)
                raise ValueError(f"unknown field '{name.strip()}' in '{pair}'; use one of {known}")
            columns[name.strip()] = column.strip()
        return cls(columns=columns, use_defaults=use_defaults)


def resolve_event_columns(mapping: EventMapping, columns: Sequence[str]) -> dict[str, str]:
    """Field -> the column that feeds it: explicit pairs first, then field names and aliases."""
    by_name = {c: c for c in columns}
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalize_column(column), column)
    fields: dict[str, str] = {}
    for name, wanted in mapping.columns.items():
        actual = by_name.get(wanted) or by_normal.get(normalize_column(wanted))
        if actual is not None:
            fields[name] = actual
    if mapping.use_defaults:
        used = set(fields.values())
        for name in EVENT_FIELDS:
            if name in fields:
                continue
            for alias in (name, *ALIASES.get(name, ())):
                actual = by_normal.get(alias)
                if actual is not None and actual not in used:
                    fields[name] = actual
                    used.add(actual)
                    break
    return fields

"""Raw values (a file row or a JSON object) -> Review, or the reasons it is not one, field by field.

The same conversion serves files and HTTP: blank values are absent; a time is ISO 8601 or unix
seconds (as for events); a rating is a whole number of stars from 1 to 5 (5, "5", 5.0, "4/5",
"4 stars"); a language is detected when left out. `ReviewMapping` says which file column feeds
which field; columns are otherwise found by their own name or a common alias.

`amazon_values` reads a row of Amazon's review files (`reviewerID`, `asin`, `overall`,
`unixReviewTime`, `reviewText`, `summary`): the review id is reviewer-asin-time (the files have
none), and the summaries Amazon wrote itself ("Five Stars") are not the shopper's title.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shelfwise.catalog.feed import normalize_column
from shelfwise.catalog.values import (
    InvalidValue,
    is_missing,
    parse_product_id,
    parse_rating,
    parse_text,
    shown,
)
from shelfwise.reviews.records import Review

REVIEW_FIELDS: tuple[str, ...] = ("review_id", "product_id", "shopper_id", "rating", "title", "text",
                                  "language", "timestamp")  # fmt: skip
REQUIRED_FIELDS: tuple[str, ...] = ("review_id", "product_id", "shopper_id", "rating", "timestamp")
ALIASES: dict[str, tuple[str, ...]] = {
    "review_id": ("id", "reviewid", "review_uuid", "uuid"),
    "product_id": ("item_id", "itemid", "sku", "product", "productid", "asin", "parent_asin"),
    "shopper_id": (
        "user_id",
        "userid",
        "customer_id",
        "customerid",
        "reviewer_id",
        "reviewerid",
        "author_id",
    ),
    "rating": ("stars", "star_rating", "score", "overall", "review_rating"),
    "title": ("summary", "headline", "review_title", "subject"),
    "text": ("review_text", "reviewtext", "body", "review_body", "comment", "content", "review"),
    "language": ("lang", "locale", "language_code"),
    "timestamp": ("time", "ts", "date", "created_at", "unixreviewtime", "review_time", "submitted_at"),
}
AMAZON_COLUMNS: dict[str, str] = {
    "product_id": "asin",
    "shopper_id": "reviewerID",
    "rating": "overall",
    "title": "summary",
    "text": "reviewText",
    "timestamp": "unixReviewTime",
}
_AMAZON_SUMMARY = re.compile(r"(one|two|three|four|five) stars?", re.I)
_AMAZON_DATE = re.compile(r"(\d{1,2}) (\d{1,2}), (\d{4})")  # reviewTime: "06 17, 2018"
_NUMERAL = re.compile(r"\s*[+-]?\d+(\.\d+)?\s*")
_MAX_UNIX_SECONDS = 1e11  # as for events: larger numbers are milliseconds or microseconds


@dataclass(frozen=True)
class ReviewProblem:
    """One reason a record is not a review; `field` is None when the record itself is wrong."""

    field: str | None
    reason: str


@dataclass(frozen=True)
class ParsedReview:
    review: Review | None
    review_id: str | None = None
    problems: tuple[ReviewProblem, ...] = ()


def parse_stars(value: object) -> int:
    """A whole number of stars from 1 to 5."""
    try:
        number = parse_rating(value)
    except InvalidValue as exc:
        if "outside the range" not in str(exc):
            raise
        number = 0.0
    if not float(number).is_integer() or not 1 <= number <= 5:
        raise InvalidValue(f"{shown(value)} is not a whole number of stars from 1 to 5")
    return int(number)


def parse_time(value: object) -> datetime:
    """ISO 8601 ('2024-05-01T12:30:00Z', '2018-06-17'; no zone means UTC) or unix seconds,
    read as `shelfwise.events` reads an event's time."""
    if isinstance(value, datetime):
        return value
    numeral = isinstance(value, str) and _NUMERAL.fullmatch(value) is not None
    number = isinstance(value, int | float) and not isinstance(value, bool)
    seconds = float(value) if numeral or number else None  # type: ignore[arg-type]
    if seconds is not None:
        if not math.isfinite(seconds) or abs(seconds) >= _MAX_UNIX_SECONDS:
            raise InvalidValue(f"{shown(value)} is too large for unix seconds (milliseconds?)")
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (ValueError, OverflowError, OSError):
            raise InvalidValue(f"{shown(value)} is out of range for unix seconds") from None
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return datetime.fromisoformat(value.strip())
    raise InvalidValue(f"{shown(value)} is not a time; use ISO 8601 (2024-05-01T12:30:00Z) or unix seconds")


_PARSERS: dict[str, Callable[[object], Any]] = {
    "review_id": parse_product_id,
    "product_id": parse_product_id,
    "shopper_id": parse_product_id,
    "rating": parse_stars,
    "title": parse_text,
    "text": parse_text,
    "language": parse_text,
    "timestamp": parse_time,
}


def parse_review(values: Mapping[str, object], *, allow_unknown: bool = False) -> ParsedReview:
    """Convert one record; every bad field is reported. Keys that are not review fields are
    problems unless `allow_unknown` (then they are ignored)."""
    fields: dict[str, object] = {}
    problems: list[ReviewProblem] = []
    for name, value in values.items():
        parser = _PARSERS.get(name)
        if parser is None:
            if not allow_unknown:
                problems.append(ReviewProblem(str(name), "is not a review field"))
        elif not is_missing(value):
            try:
                fields[name] = parser(value)
            except InvalidValue as exc:
                problems.append(ReviewProblem(name, str(exc)))
    review_id = fields.get("review_id")
    review_id = review_id if isinstance(review_id, str) and review_id else None
    for name in REQUIRED_FIELDS:
        if is_missing(fields.get(name)) and not any(p.field == name for p in problems):
            problems.append(ReviewProblem(name, "is required"))
    if problems:
        return ParsedReview(None, review_id, tuple(problems))
    try:
        return ParsedReview(Review.model_validate(fields), review_id)
    except ValidationError as exc:
        found = [
            ReviewProblem(str(e["loc"][0]) if e["loc"] else None, _reason(e["msg"])) for e in exc.errors()
        ]
        return ParsedReview(None, review_id, tuple(found))


def _reason(message: str) -> str:
    reason = message.removeprefix("Value error, ")
    return reason[:1].lower() + reason[1:]


def amazon_values(row: Mapping[str, object]) -> dict[str, object]:
    """An Amazon review row as review fields (`AMAZON_COLUMNS`; the id made from reviewer, asin
    and time; auto-generated "N Stars" summaries left out; `reviewTime` "06 17, 2018" when
    `unixReviewTime` is missing)."""
    values: dict[str, object] = {name: row.get(column) for name, column in AMAZON_COLUMNS.items()}
    if is_missing(values["timestamp"]) and isinstance(row.get("reviewTime"), str):
        date = _AMAZON_DATE.fullmatch(str(row["reviewTime"]).strip())
        values["timestamp"] = None if date is None else f"{date[3]}-{int(date[1]):02d}-{int(date[2]):02d}"
    title = values["title"]
    if isinstance(title, str) and _AMAZON_SUMMARY.fullmatch(title.strip()):
        values["title"] = None
    parts = [row.get("reviewerID"), row.get("asin"), values["timestamp"]]
    if not any(is_missing(part) for part in parts):
        values["review_id"] = "-".join(str(part).strip() for part in parts)
    return values


class ReviewMapping(BaseModel):
    """Which file column feeds which review field (`field=column` pairs); with `use_defaults`,
    fields not named are found by their own name or a common alias."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str] = Field(default_factory=dict)
    use_defaults: bool = True

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, value: dict[str, str]) -> dict[str, str]:
        for name, column in value.items():
            if name not in REVIEW_FIELDS:
                raise ValueError(f"unknown field '{name}'; use one of {', '.join(REVIEW_FIELDS)}")
            if not column.strip():
                raise ValueError(f"field '{name}' is mapped to an empty column name")
        return value

    @classmethod
    def from_pairs(cls, pairs: Iterable[str]) -> ReviewMapping:
        """From `field=column` strings, as given on the command line (`--column text=body`)."""
        columns: dict[str, str] = {}
        for pair in pairs:
            name, sep, column = pair.partition("=")
            if not sep or not name.strip() or not column.strip():
                raise ValueError(f"mapping '{pair}' is not of the form field=column")
            columns[name.strip()] = column.strip()
        return cls(columns=columns)


def resolve_review_columns(mapping: ReviewMapping, columns: Sequence[str]) -> dict[str, str]:
    """Field -> the column that feeds it: explicit pairs first, then field names and aliases."""
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalize_column(column), column)
    fields: dict[str, str] = {}
    for name, wanted in mapping.columns.items():
        actual = wanted if wanted in columns else by_normal.get(normalize_column(wanted))
        if actual is not None:
            fields[name] = actual
    if mapping.use_defaults:
        used = set(fields.values())
        for name in REVIEW_FIELDS:
            for alias in () if name in fields else (name, *ALIASES.get(name, ())):
                actual = by_normal.get(alias)
                if actual is not None and actual not in used:
                    fields[name] = actual
                    used.add(actual)
                    break
    return fields

"""Reviews as aspects read them, from a JSON-lines file, from the shop's review store or from the
demo shop.

A file holds one review a line with this package's fields (`review_id`, `product_id`, `category`
as a list or "A > B", `text`, `rating` 1-5, `language` en or zh, `flagged`); other fields are
ignored, so a reviews feed with more columns reads too. A bad line is reported with its file, line
and field and the rest is read: nothing valid is dropped for a neighbour's fault.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from shelfwise.aspects.records import AspectReview
from shelfwise.demo.reviews import DemoReview
from shelfwise.reviews.records import Review

_FIELDS = frozenset(AspectReview.model_fields)


@dataclass(frozen=True)
class ReviewRead:
    """What `read_reviews` read: the reviews, and one message per line it could not read."""

    reviews: list[AspectReview]
    errors: list[str]


def read_reviews(path: Path) -> ReviewRead:
    """The reviews of a JSON-lines file; errors say `file:line: field: what`."""
    reviews: list[AspectReview] = []
    errors: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                errors.append(f"{path}:{number}: not JSON: {error.msg}")
                continue
            if not isinstance(row, dict):
                errors.append(f"{path}:{number}: a review is a JSON object, got {type(row).__name__}")
                continue
            try:
                reviews.append(AspectReview.model_validate({k: v for k, v in row.items() if k in _FIELDS}))
            except ValidationError as error:
                first = error.errors()[0]
                field = ".".join(str(part) for part in first["loc"]) or "review"
                errors.append(f"{path}:{number}: {field}: {first['msg']}")
    return ReviewRead(reviews, errors)


def write_reviews(path: Path, reviews: Iterable[AspectReview]) -> int:
    """Write reviews as JSON lines; returns how many."""
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for review in reviews:
            handle.write(review.model_dump_json() + "\n")
            count += 1
    return count


def from_demo(reviews: Iterable[DemoReview]) -> list[AspectReview]:
    """The demo shop's reviews as aspects read them (none flagged: flagging is the reviews store's)."""
    return [
        AspectReview(
            review_id=r.review_id,
            product_id=r.product_id,
            category=r.category,
            text=r.text,
            rating=r.rating,
            language=r.language,
        )
        for r in reviews
    ]


def from_store(reviews: Iterable[Review], categories: Mapping[str, Sequence[str]]) -> list[AspectReview]:
    """The review store's reviews as aspects read them: each with its product's category from the
    catalog (`categories`, by product id; a product not there has none), its language en or zh
    (zh, zh-tw...: zh; every other: en) and `flagged` when the store's rules flagged it."""
    return [
        AspectReview(
            review_id=r.review_id,
            product_id=r.product_id,
            category=tuple(categories.get(r.product_id, ())),
            text=r.text,
            rating=r.rating,
            language="zh" if r.language.split("-")[0] == "zh" else "en",
            flagged=r.flagged,
        )
        for r in reviews
    ]

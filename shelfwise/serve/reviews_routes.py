"""Shoppers' reviews over HTTP: `POST /reviews` (one or a batch; the reviews action),
`GET /products/{id}/reviews` (paged, newest first, with the count and mean rating; the search
action) and `GET /reviews/flagged` (the admin's list of reviews held out as duplicates or spam).

Each review sent is checked on its own, with the errors of the product endpoints' shape; the
valid ones are flagged by the shop's rules (`Settings.reviews`) and durably stored before the
answer, even when others in the batch are rejected. Shopper ids are pseudonymized when the shop
does so.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from pydantic import ValidationError

from shelfwise.reviews import Review, ReviewOutcome, parse_review, write_reviews
from shelfwise.serve.errors import ApiError, as_request_error, format_loc
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.product_path import ReviewedProductConvertor  # noqa: F401  (registers the convertor)
from shelfwise.serve.review_schema import (
    MAX_REVIEWS_PER_REQUEST,
    FlaggedReview,
    FlaggedReviews,
    ProductReviews,
    ReviewBatchRequest,
    ReviewFieldError,
    ReviewIn,
    ReviewOut,
    ReviewResult,
    ReviewsResponse,
    ReviewSummaryOut,
    SummaryStatementOut,
    reviews_body_schema,
)
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.scoping import in_scope
from shelfwise.serve.security import AdminAccess, ReviewsAccess, SearchPrincipal
from shelfwise.serving import Serving

_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key"},
    403: {"model": ErrorBody, "description": "Key without the reviews action, expired or revoked; or no key"},
    422: {"model": ErrorBody, "description": "No valid review: `detail` lists each one's errors"},
    429: {"model": ErrorBody, "description": "Over a rate limit: see Retry-After"},
    507: {"model": ErrorBody, "description": "The data folder's disk is full: free space, send again"},
}
_EXAMPLE = {
    "review_id": "rv-1",
    "product_id": "hp-001",
    "shopper_id": "u-7",
    "rating": 5,
    "title": "Quiet",
    "text": "Noise cancelling works on the train.",
    "timestamp": "2026-11-01T12:30:00Z",
}
Page = Annotated[int, Query(ge=1, le=10_000, description="1-based")]
PageSize = Annotated[int, Query(ge=1, le=100)]


def _serving(request: Request) -> Serving:
    shelfwise: Serving = request.app.state.shelfwise
    return shelfwise


ServingDep = Annotated[Serving, Depends(_serving)]
reviews = APIRouter(route_class=StrictJsonRoute, tags=["reviews"])


@reviews.post(
    "/reviews",
    summary="Store shoppers' reviews (one, or a batch)",
    dependencies=[ReviewsAccess],
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": reviews_body_schema(MAX_REVIEWS_PER_REQUEST)}}
        }
    },
    responses=_WRITE_ERRORS,
)
def post_reviews(
    body: Annotated[
        dict[str, Any],
        Body(
            description='one review object, or {"reviews": [...]}',
            openapi_examples={"single": {"summary": "One review", "value": _EXAMPLE}},
        ),
    ],
    shelfwise: ServingDep,
) -> ReviewsResponse:
    """Sending a review again (same `review_id`) replaces it: never a second review. 200 when at
    least one review is valid; 422 when none is. Duplicates and spam are stored, flagged (the
    `flags` of each result) and left out of the product's count and mean rating."""
    batch = "reviews" in body
    items = _batch_items(body) if batch else [body]
    results: list[ReviewResult | None] = [None] * len(items)
    valid: list[tuple[int, Review]] = []
    for index, item in enumerate(items):
        review, rejected = _check(item, index, batch)
        if review is None:
            results[index] = rejected
        else:
            valid.append(
                (index, review.model_copy(update={"shopper_id": shelfwise.pseudonyms.id(review.shopper_id)}))
            )
    if not valid:
        raise ApiError(
            422, f"no valid reviews: {len(items)} rejected", [r.model_dump() for r in results if r]
        )
    written = write_reviews(
        shelfwise.data.reviews, [review for _, review in valid], shelfwise.settings.reviews
    )
    for (index, _), review, outcome in zip(valid, written.reviews, written.outcomes, strict=True):
        results[index] = ReviewResult(index=index, review_id=review.review_id, outcome=outcome.value,
                                      flags=[flag.code for flag in review.flags])  # fmt: skip
    done = [r for r in results if r is not None]
    return ReviewsResponse(
        **{name.value: sum(r.outcome == name.value for r in done) for name in ReviewOutcome},
        rejected=sum(r.outcome == "rejected" for r in done),
        flagged=sum(bool(r.flags) for r in done),
        results=done,
    )


def _batch_items(body: dict[str, Any]) -> Sequence[Any]:
    try:
        return ReviewBatchRequest.model_validate(body).reviews
    except ValidationError as exc:
        raise as_request_error(exc, ("body",)) from exc


def _error(where: list[int | str], field: str | None, reason: str) -> ReviewFieldError:
    loc = format_loc([*where, *([field] if field else [])])
    return ReviewFieldError(field=field, reason=reason, message=f"{loc}: {reason}" if loc else reason)


def _check(item: Any, index: int, batch: bool) -> tuple[Review | None, ReviewResult]:
    """The item as a Review, or its rejection with one error per problem."""
    where: list[int | str] = ["reviews", index] if batch else []
    if not isinstance(item, dict):
        error = _error(where, None, f"expected a review object, got {type(item).__name__}")
        return None, ReviewResult(index=index, outcome="rejected", errors=[error])
    parsed = parse_review(item)
    errors = [_error(where, p.field, p.reason) for p in parsed.problems]
    if parsed.review is not None:
        try:  # what files may spell loosely ("5", "4 stars"), JSON sends as the document says
            ReviewIn.model_validate(item)
        except ValidationError as exc:
            errors = [
                _error(where, str(e["loc"][0]) if e["loc"] else None, _reason(e["msg"])) for e in exc.errors()
            ]
            return None, ReviewResult(
                index=index, review_id=parsed.review_id, outcome="rejected", errors=errors
            )
    return parsed.review, ReviewResult(
        index=index, review_id=parsed.review_id, outcome="rejected", errors=errors
    )


def _reason(message: str) -> str:
    reason = message.removeprefix("Value error, ")
    return reason[:1].lower() + reason[1:]


@reviews.get(
    "/products/{product_id:reviewed_product_id}/reviews",
    summary="A product's reviews, newest first, with its count and mean rating",
    tags=["products"],
    responses={404: {"model": ErrorBody, "description": "No such product"}},
)
def product_reviews(
    product_id: str,
    shelfwise: ServingDep,
    principal: SearchPrincipal,
    page: Page = 1,
    page_size: PageSize = 20,
) -> ProductReviews:
    """Flagged reviews (duplicates, spam) are neither listed nor counted."""
    product = shelfwise.get_product(product_id)
    if product is None or not in_scope(principal, product):
        raise ApiError(404, f"product '{product_id}' not found", {"product_id": product_id})
    store = shelfwise.data.reviews
    summary = store.summary(product_id)
    found = store.for_product(product_id, limit=page_size, offset=(page - 1) * page_size)
    return ProductReviews(
        product_id=product_id, count=summary.count, mean=summary.mean, stars=list(summary.stars),
        page=page, page_size=page_size, reviews=[ReviewOut.of(r) for r in found],
        summary=_summary_out(shelfwise, product_id),
    )  # fmt: skip


def _summary_out(shelfwise: Serving, product_id: str) -> ReviewSummaryOut | None:
    served = shelfwise.review_summaries
    said = served.get(product_id)
    if said is None or not said.statements:
        return None
    fields = set(SummaryStatementOut.model_fields)
    statements = [SummaryStatementOut.model_validate(s.model_dump(include=fields)) for s in said.statements]
    return ReviewSummaryOut(
        version=served.version, language=said.language, text=said.text, statements=statements
    )


@reviews.get(
    "/reviews/flagged",
    summary="Reviews held out as duplicates or spam, newest first (admin)",
    dependencies=[AdminAccess],
    responses={k: v for k, v in _WRITE_ERRORS.items() if k in (401, 403, 429)},
)
def flagged_reviews(shelfwise: ServingDep, page: Page = 1, page_size: PageSize = 50) -> FlaggedReviews:
    """Each with its shopper and the flags' reason codes and evidence."""
    found = shelfwise.data.reviews.flagged(limit=page_size, offset=(page - 1) * page_size)
    return FlaggedReviews(page=page, page_size=page_size, reviews=[FlaggedReview.of(r) for r in found])

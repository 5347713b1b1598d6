"""A search answer's stars: each hit's mean rating and review count from the review store, as the
product page reads them (flagged reviews left out), in one query for the whole page."""

from __future__ import annotations

from shelfwise.records import ReviewStars, SearchResult
from shelfwise.reviews.base import ReviewStore


def result_with_stars(result: SearchResult, store: ReviewStore) -> SearchResult:
    """The result with each hit's `reviews` set (count 0 and no mean for a product without
    reviews); one `summaries` call for every hit of the page."""
    if not result.hits:
        return result
    found = store.summaries([hit.product.product_id for hit in result.hits])
    hits = []
    for hit in result.hits:
        summary = found.get(hit.product.product_id)
        stars = (
            ReviewStars(count=0) if summary is None else ReviewStars(count=summary.count, mean=summary.mean)
        )
        hits.append(hit.model_copy(update={"reviews": stars}))
    return result.model_copy(update={"hits": hits})

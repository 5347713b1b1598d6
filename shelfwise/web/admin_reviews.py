"""The admin console's Reviews page (the admin action): the reviews held out as duplicates or
spam (the review store's `flagged()`), newest first and paged, each with its shopper, product,
words and the flags' reasons; read-only, as `GET /reviews/flagged` and `shelfwise reviews flagged`."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from shelfwise.shop_server import ShopServer
from shelfwise.web.admin_auth import signed_in, to_login
from shelfwise.web.pages import Pages

PAGE_SIZE = 50


def add_review_pages(router: APIRouter, pages: Pages) -> None:
    @router.get("/reviews")
    def flagged_reviews(request: Request, page: Annotated[int, Query(ge=1, le=10_000)] = 1) -> Response:
        principal = signed_in(request)
        if principal is None:
            return to_login(request)
        if "admin" not in principal.actions:  # shoppers' ids and words
            return Response("flagged reviews need the admin action", status_code=403, media_type="text/plain")
        shelfwise: ShopServer = request.app.state.shelfwise
        store = shelfwise.data.reviews
        found = store.flagged(limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
        stats = store.stats()
        return pages.render(
            request, "admin_reviews", private=True, section="reviews", reviews=found[:PAGE_SIZE],
            stats=stats, page_number=page, more=len(found) > PAGE_SIZE,
        )  # fmt: skip

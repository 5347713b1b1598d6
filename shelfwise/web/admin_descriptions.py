"""The admin console's Descriptions page (the admin action): generated descriptions waiting for
approval (`shelfwise describe`), newest first, each with its product, where it came from and a
text box to edit it; Save, Approve and Reject are plain form buttons (keyboard-usable: Tab to a
draft's text, edit, Tab to a button, Enter). An approved draft becomes the product's description
through the server's catalog write, so this process's index has it at once and other processes'
at their catch-up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import RedirectResponse, Response

from shelfwise.describe import DRAFT_STATUSES, DraftConflict, approve, reject, save_edit
from shelfwise.shop_server import ShopServer
from shelfwise.web.admin_auth import form_fields, refused, signed_in, to_login
from shelfwise.web.pages import Pages

PAGE_SIZE = 20
ACTIONS = ("save", "approve", "reject")
_DONE = {"save": "saved", "approve": "approved", "reject": "rejected"}


def _server(request: Request) -> ShopServer:
    shelfwise: ShopServer = request.app.state.shelfwise
    return shelfwise


def _page(
    pages: Pages, request: Request, status: str, page: int, status_code: int = 200, **context: Any
) -> Response:
    shelfwise = _server(request)
    drafts = shelfwise.data.descriptions
    chosen = status if status in DRAFT_STATUSES else None
    found = drafts.list(chosen, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE)
    products = shelfwise.store.get_many([d.product_id for d in found[:PAGE_SIZE]])
    return pages.render(
        request, "admin_descriptions", status_code=status_code, private=True, section="descriptions",
        drafts=found[:PAGE_SIZE], products=products, counts=drafts.counts(), status=status,
        statuses=DRAFT_STATUSES, page_number=page, more=len(found) > PAGE_SIZE, **context,
    )  # fmt: skip


def add_description_pages(router: APIRouter, pages: Pages) -> None:
    @router.get("/descriptions")
    def drafts_page(
        request: Request,
        status: Annotated[str, Query(max_length=20)] = "pending",
        page: Annotated[int, Query(ge=1, le=10_000)] = 1,
        done: Annotated[str, Query(max_length=20)] = "",
        product: Annotated[str, Query(max_length=256)] = "",
    ) -> Response:
        principal = signed_in(request)
        if principal is None:
            return to_login(request)
        if "admin" not in principal.actions:
            return Response("descriptions need the admin action", status_code=403, media_type="text/plain")
        message = f"Draft of {product} {done}." if done in _DONE.values() and product else ""
        return _page(pages, request, status, page, message=message)

    @router.post("/descriptions")
    async def decide(request: Request) -> Response:
        if (refusal := refused(request, "admin")) is not None:
            return refusal
        principal = signed_in(request)
        assert principal is not None  # refused() checked it
        fields = form_fields(await request.body())
        product_id, action = fields.get("product_id", ""), fields.get("action", "")
        text = fields.get("text")
        if action not in ACTIONS or not product_id:
            return _page(
                pages, request, "pending", 1, 422, error="Choose a draft and save, approve or reject."
            )
        shelfwise = _server(request)
        drafts = shelfwise.data.descriptions
        try:
            if action == "save":
                save_edit(drafts, product_id, text or "")
            elif action == "approve":
                approve(drafts, shelfwise.store, shelfwise.upsert_products, product_id, principal.key_id,
                        datetime.now(UTC), text)  # fmt: skip
            else:
                reject(drafts, product_id, principal.key_id, datetime.now(UTC))
        except LookupError as problem:
            return _page(pages, request, "pending", 1, 404, error=str(problem.args[0]))
        except DraftConflict as problem:
            return _page(pages, request, "pending", 1, 409, error=str(problem))
        except ValueError as problem:
            return _page(pages, request, "pending", 1, 422, error=str(problem))
        target = "/admin/descriptions?" + urlencode({"done": _DONE[action], "product": product_id})
        return RedirectResponse(target, status_code=303)

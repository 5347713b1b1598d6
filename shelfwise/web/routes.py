"""The web routes: the storefront's page shells, filled in the browser by the scripts in
`static/` from the JSON API (/search, /suggest, /products, /recommend, /events), the list of
demo shoppers, the static files, and the admin console (`admin_routes.py`).

Nothing here searches or recommends: storefront pages carry only what the scripts need to start
(the page, the query, the product id) and every result comes from the API other clients use.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from starlette.exceptions import HTTPException

from shelfwise.shop_server import ShopServer
from shelfwise.web.admin_routes import admin_router
from shelfwise.web.pages import STATIC_PREFIX, Pages, assets_version, static_files
from shelfwise.web.shoppers import ShoppersResponse, demo_shoppers

PACKAGE_DIR = Path(__file__).parent


def _shelfwise(request: Request) -> ShopServer:
    shelfwise: ShopServer = request.app.state.shelfwise
    return shelfwise


def web_router(package_dir: Path = PACKAGE_DIR, shoppers_access: Sequence[Any] = ()) -> APIRouter:
    """The storefront (`/`, `/shop/search`, `/shop/products/{id}`, `/shop/cart`, `/shop/shoppers`
    as JSON, `/shop/static/{name}`) and the admin console under `/admin`. `shoppers_access`:
    the dependencies that guard `/shop/shoppers` (shoppers' ids and what they shop; the server
    passes the guard of shoppers' profiles)."""
    static = static_files(package_dir / "static")
    pages = Pages(package_dir / "templates", assets_version(static))
    router = APIRouter(tags=["storefront"])

    @router.get("/", include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return pages.render(request, "home")

    @router.get("/shop/search", include_in_schema=False)
    def search_page(request: Request, q: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
        return pages.render(request, "search", query=q)

    @router.get("/shop/products/{product_id:path}", include_in_schema=False)
    def product_page(request: Request, product_id: Annotated[str, PathParam(max_length=256)]) -> HTMLResponse:
        product = _shelfwise(request).get_product(product_id)
        if product is None:
            return pages.render(request, "missing", status_code=404, product_id=product_id)
        return pages.render(
            request, "product", product_id=product.product_id, title=product.title,
            reviews_open=pages.serve_config(request).public_reviews,
        )  # fmt: skip

    @router.get("/shop/cart", include_in_schema=False)
    def cart_page(request: Request) -> HTMLResponse:
        return pages.render(request, "cart")

    @router.get(
        "/shop/shoppers",
        summary="Demo shoppers the storefront can act as",
        dependencies=list(shoppers_access),
    )
    def shoppers(request: Request, limit: Annotated[int, Query(ge=1, le=50)] = 8) -> ShoppersResponse:
        """Signed-in shoppers with the most events (among the first 200 by id), with what they
        shop most: the storefront's shopper switch."""
        return ShoppersResponse(shoppers=demo_shoppers(_shelfwise(request), limit))

    @router.get(STATIC_PREFIX + "/{name}", include_in_schema=False)
    def static_file(name: str) -> FileResponse:
        path = static.get(name)
        if path is None:
            raise HTTPException(404, f"no static file '{name}'")
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})

    router.include_router(admin_router(pages))
    return router

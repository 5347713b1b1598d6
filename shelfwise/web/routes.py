"""The storefront's routes: page shells rendered with Jinja2, filled in the browser by the scripts
in `static/` from the JSON API (/search, /suggest, /products, /recommend, /events), plus the
list of demo shoppers and the static files themselves.

Nothing here searches or recommends: pages carry only what the scripts need to start (the page,
the query, the product id) and every result comes from the same API that other clients use.
"""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from shelfwise.serve.errors import ApiError
from shelfwise.service import Shelfwise
from shelfwise.web.shoppers import ShoppersResponse, demo_shoppers

PACKAGE_DIR = Path(__file__).parent
STATIC_PREFIX = "/shop/static"

# Pages load scripts, styles and data from this server only; product images may be anywhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https: http:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)


def _shelfwise(request: Request) -> Shelfwise:
    shelfwise: Shelfwise = request.app.state.shelfwise
    return shelfwise


def _static_files(folder: Path) -> dict[str, Path]:
    """Served by name only: nothing outside this folder can be asked for."""
    return {path.name: path for path in sorted(folder.iterdir()) if path.is_file()}


def _assets_version(files: dict[str, Path]) -> str:
    """Changes whenever a static file does, so browsers never run stale scripts."""
    digest = hashlib.sha256()
    for name, path in files.items():
        digest.update(name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


def storefront_router(package_dir: Path = PACKAGE_DIR) -> APIRouter:
    """The storefront: `/` (home feed), `/shop/search`, `/shop/products/{id}`, `/shop/cart`,
    `/shop/shoppers` (JSON) and `/shop/static/{name}`."""
    templates = Jinja2Templates(directory=package_dir / "templates")
    static = _static_files(package_dir / "static")
    version = _assets_version(static)
    router = APIRouter(tags=["storefront"])

    def page(request: Request, name: str, status_code: int = 200, **context: object) -> HTMLResponse:
        shelfwise = _shelfwise(request)
        response = templates.TemplateResponse(
            request,
            f"{name}.html",
            {
                "page": name,
                "static": STATIC_PREFIX,
                "assets": version,
                "multilingual": shelfwise.settings.encoder.name == "multilingual-e5-small",
                **context,
            },
            status_code=status_code,
        )
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        return response

    @router.get("/", include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        return page(request, "home")

    @router.get("/shop/search", include_in_schema=False)
    def search_page(request: Request, q: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
        return page(request, "search", query=q)

    @router.get("/shop/products/{product_id:path}", include_in_schema=False)
    def product_page(request: Request, product_id: Annotated[str, PathParam(max_length=256)]) -> HTMLResponse:
        product = _shelfwise(request).get_product(product_id)
        if product is None:
            return page(request, "missing", status_code=404, product_id=product_id)
        return page(request, "product", product_id=product.product_id, title=product.title)

    @router.get("/shop/cart", include_in_schema=False)
    def cart_page(request: Request) -> HTMLResponse:
        return page(request, "cart")

    @router.get("/shop/shoppers", summary="Demo shoppers the storefront can act as")
    def shoppers(request: Request, limit: Annotated[int, Query(ge=1, le=50)] = 8) -> ShoppersResponse:
        """Signed-in shoppers with the most events (among the first 200 by id), with what they
        shop most: the storefront's shopper switch."""
        return ShoppersResponse(shoppers=demo_shoppers(_shelfwise(request), limit))

    @router.get(STATIC_PREFIX + "/{name}", include_in_schema=False)
    def static_file(name: str) -> FileResponse:
        path = static.get(name)
        if path is None:
            raise ApiError(404, f"no static file '{name}'")
        media_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return FileResponse(path, media_type=media_type, headers={"Cache-Control": "public, max-age=3600"})

    return router

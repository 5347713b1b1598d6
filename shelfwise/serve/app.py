"""The HTTP API: `create_app` wires a `ShopServer` into FastAPI; `app_from_env` reads the settings.

Routes are thin: they validate, call the `ShopServer` (serving, catalog writes, swapping in kept
versions; no training: the web process never trains) and map its outcome to a response.
Serve with `uvicorn --factory shelfwise.serve.app:app_from_env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from shelfwise.catalog import IngestReport
from shelfwise.config import ServeConfig, Settings
from shelfwise.records import Product, SearchRequest, SearchResult
from shelfwise.serve.assistant_routes import assistant_router
from shelfwise.serve.catalog_wakeup import CatalogWakeup
from shelfwise.serve.errors import ApiError, RequestContextMiddleware, install_error_handlers
from shelfwise.serve.events_routes import events
from shelfwise.serve.graph_routes import graph_router
from shelfwise.serve.guard import Guard
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.keys_routes import keys_router
from shelfwise.serve.openapi_doc import document_errors, document_optional_keys, public_operations
from shelfwise.serve.patterns import NOT_BLANK
from shelfwise.serve.product_path import ProductIdConvertor  # noqa: F401  (registers {product_id:product_id})
from shelfwise.serve.profile_routes import profiles
from shelfwise.serve.recommend_routes import recommendations
from shelfwise.serve.retention import purge_forever
from shelfwise.serve.reviews_routes import reviews
from shelfwise.serve.schemas import (
    BulkDeleteRequest,
    BulkDeleteResponse,
    BulkUpsertRequest,
    BulkUpsertResponse,
    DeleteResponse,
    ErrorBody,
    ProductBody,
    SearchQuery,
    SuggestionBody,
    SuggestResponse,
    UpsertOutcomeName,
    UpsertResponse,
    search_request_from_query,
    validate_items,
)
from shelfwise.serve.scoping import in_scope, scoped_search, scoped_suggestions
from shelfwise.serve.security import (
    BodySizeLimitMiddleware,
    EventsAccess,
    SearchAccess,
    SearchPrincipal,
    UnscopedAccess,
    WriteAccess,
    events_access,
    search_access,
)
from shelfwise.serve.shopper_routes import shoppers
from shelfwise.serving import Health
from shelfwise.shop_server import ShopServer
from shelfwise.web import web_router

logger = logging.getLogger("shelfwise.serve")

TAGS = [
    {"name": "search", "description": "Hybrid lexical + vector search with filters and facets."},
    {"name": "products", "description": "Read and write catalog products (writes: the catalog action)."},
    {"name": "events", "description": "Shoppers' events from storefronts (key: see public_events)."},
    {
        "name": "reviews",
        "description": "Shoppers' reviews (writes: the reviews action); duplicates and "
        "spam are flagged, kept, and left out of ratings.",
    },
    {"name": "recommend", "description": "Recommendations read live from the event log, with reasons."},
    {"name": "graph", "description": "The product knowledge graph: neighbourhoods, paths, complements."},
    {"name": "assistant", "description": "The shopping assistant: one conversation turn (search action)."},
    {"name": "shoppers", "description": "Forgetting a shopper's data (admin, needs the key)."},
    {"name": "system", "description": "Health and ingestion status."},
    {"name": "keys", "description": "API keys with actions (the admin action manages them)."},
]

# ----- dependencies -------------------------------------------------------------------------


def get_shop_server(request: Request) -> ShopServer:
    shelfwise: ShopServer = request.app.state.shelfwise
    return shelfwise


def search_from_query(params: Annotated[SearchQuery, Query()]) -> SearchRequest:
    return search_request_from_query(params)


ShopServerDep = Annotated[ShopServer, Depends(get_shop_server)]
SearchParams = Annotated[SearchRequest, Depends(search_from_query)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    422: {"model": ErrorBody, "description": "Invalid parameters or body"},
    500: {"model": ErrorBody, "description": "Internal error (see the server log)"},
}
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    401: {"model": ErrorBody, "description": "Missing or wrong API key"},
    403: {
        "model": ErrorBody,
        "description": "Key without the catalog action, expired or revoked; or no key configured",
    },
    429: {"model": ErrorBody, "description": "Over a rate limit: see Retry-After"},
    413: {"model": ErrorBody, "description": "Request body over the size limit"},
    507: {"model": ErrorBody, "description": "The data folder's disk is full: free space, send again"},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No such product"}}
_NO_INDEX: dict[int | str, dict[str, Any]] = {
    503: {"model": ErrorBody, "description": "No index has been built yet"}
}


def _not_found(product_id: str) -> ApiError:
    return ApiError(404, f"product '{product_id}' not found", {"product_id": product_id})


# ----- system -------------------------------------------------------------------------------

system = APIRouter(route_class=StrictJsonRoute, tags=["system"], responses={500: _ERRORS[500]})


@system.get("/health", summary="Service and index status")
def health(shelfwise: ShopServerDep) -> Health:
    """Always 200; `status` is ok, indexing (index behind the catalog) or no-index."""
    return shelfwise.health()


@system.get(
    "/ingest/last",
    summary="Report of the latest ingestion",
    responses={404: {"model": ErrorBody, "description": "Nothing ingested yet"}},
)
def last_ingest(shelfwise: ShopServerDep) -> IngestReport:
    report = shelfwise.last_ingest_report()
    if report is None:
        raise ApiError(404, "no ingestion has run yet")
    return report


# ----- search -------------------------------------------------------------------------------

search = APIRouter(
    route_class=StrictJsonRoute, prefix="/search", tags=["search"], responses={**_ERRORS, **_NO_INDEX}
)


def request_id_of(request: Request) -> str:
    """The id `RequestContextMiddleware` gave this request (also in the X-Request-ID header)."""
    return str(request.state.request_id)


RequestId = Annotated[str, Depends(request_id_of)]


@search.get("", summary="Search with query parameters")
def search_get(
    search_request: SearchParams, shelfwise: ShopServerDep, request_id: RequestId, principal: SearchPrincipal
) -> SearchResult:
    """`brand` and `attr` (name:value) repeat; `facets` is comma-separated.
    Unknown parameters are refused (422), so a typo cannot silently drop a filter.
    The answer's `request_id` goes back on the events it leads to (clicks, carts, purchases);
    `user_id` / `session_id` say who is searching (experiments, personalization, attribution).
    A scoped key's filters are ANDed with the request's."""
    return scoped_search(shelfwise, search_request, request_id, principal)


@search.post("", summary="Search with a SearchRequest body")
def search_post(
    search_request: SearchRequest, shelfwise: ShopServerDep, request_id: RequestId, principal: SearchPrincipal
) -> SearchResult:
    return scoped_search(shelfwise, search_request, request_id, principal)


suggestions = APIRouter(route_class=StrictJsonRoute, tags=["search"], responses={**_ERRORS, **_NO_INDEX})


@suggestions.get("/suggest", summary="Autocomplete a typed prefix")
def suggest(
    shelfwise: ShopServerDep,
    principal: SearchPrincipal,
    q: Annotated[str, Query(max_length=200, description="what the shopper has typed so far")] = "",
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> SuggestResponse:
    """Popular queries, title phrases, brands, categories and products that complete `q`,
    tolerant of typos; an empty `q` gives the most popular queries."""
    started = time.perf_counter()
    scoped = principal is not None and principal.scope is not None
    found = shelfwise.suggest(q, 5 * limit if scoped else limit)
    found = scoped_suggestions(shelfwise, found, principal)[:limit]
    return SuggestResponse(
        q=q,
        suggestions=[
            SuggestionBody(
                text=s.text,
                kind=s.kind,
                score=round(s.score, 4),
                product_id=s.product_id,
                category=s.category,
                brand=s.brand,
                highlight=list(s.highlight),
            )
            for s in found
        ],
        took_ms=round((time.perf_counter() - started) * 1000, 3),
    )


# ----- products -----------------------------------------------------------------------------

products = APIRouter(route_class=StrictJsonRoute, prefix="/products", tags=["products"], responses=_ERRORS)


@products.post(
    "/bulk",
    summary="Insert or update many products",
    dependencies=[WriteAccess],
    responses=_WRITE_ERRORS,
)
def bulk_upsert(body: BulkUpsertRequest, shelfwise: ShopServerDep) -> BulkUpsertResponse:
    """Items are validated one by one: bad ones are reported with their index, good ones go in.
    422 only when no item is valid."""
    valid, errors = validate_items(body.products)
    if not valid:
        raise ApiError(
            422,
            f"no valid products: {len(body.products)} rejected",
            [e.model_dump() for e in errors],
        )
    report = shelfwise.upsert_products(valid)
    return BulkUpsertResponse(
        accepted=len(valid),
        rejected=len({e.index for e in errors}),
        inserted=report.inserted,
        updated=report.updated,
        unchanged=report.unchanged,
        duplicates=report.duplicate_rows,
        errors=errors,
        warnings=report.warnings,
    )


@products.post(
    "/bulk-delete",
    summary="Delete many products",
    dependencies=[WriteAccess],
    responses=_WRITE_ERRORS,
)
def bulk_delete(body: BulkDeleteRequest, shelfwise: ShopServerDep) -> BulkDeleteResponse:
    gone = shelfwise.delete_products(body.product_ids)
    deleted = set(gone)
    missing = list(dict.fromkeys(pid for pid in body.product_ids if pid not in deleted))
    return BulkDeleteResponse(deleted=gone, missing=missing)


@products.get("/{product_id:product_id}", summary="One product by id", responses=_NOT_FOUND)
def get_product(product_id: str, shelfwise: ShopServerDep, principal: SearchPrincipal) -> Product:
    product = shelfwise.get_product(product_id)
    if product is None or not in_scope(principal, product):
        raise _not_found(product_id)
    return product


@products.put(
    "/{product_id:product_id}",
    summary="Insert or replace one product",
    dependencies=[WriteAccess],
    responses=_WRITE_ERRORS,
)
def put_product(
    product_id: Annotated[str, Path(max_length=256, json_schema_extra={"pattern": NOT_BLANK})],
    body: ProductBody,
    shelfwise: ShopServerDep,
) -> UpsertResponse:
    """The id comes from the path (not blank); a `product_id` in the body, if sent, must equal it.
    An existing index is refreshed before the response, so the next search sees the change."""
    product = body.to_product(product_id)
    report = shelfwise.upsert_products([product])
    outcome: UpsertOutcomeName = (
        "inserted" if report.inserted else "updated" if report.updated else "unchanged"
    )
    return UpsertResponse(product_id=product.product_id, outcome=outcome)


@products.delete(
    "/{product_id:product_id}",
    summary="Delete one product",
    dependencies=[WriteAccess],
    responses={**_WRITE_ERRORS, **_NOT_FOUND},
)
def delete_product(product_id: str, shelfwise: ShopServerDep) -> DeleteResponse:
    gone = shelfwise.delete_products([product_id])
    if not gone:
        raise _not_found(product_id)
    return DeleteResponse(deleted=gone)


# ----- the application ----------------------------------------------------------------------


def load_published_index(shelfwise: ShopServer) -> None:
    """Serve an index built earlier (by `shelfwise index`); never build one here. One query is
    encoded, and the profiles and published ranking model loaded, before serving, so the first
    shopper waits for none of them (nor for the ONNX export, once per encoder version)."""
    if shelfwise.engine.manifest() is None:
        shelfwise.load_index()
    try:
        shelfwise.encoder.encode_query("warm up")
        _ = shelfwise.profiles, shelfwise.ranking_stage  # built from the event log and catalog once
    except Exception:  # serving still works; the first search pays for it instead
        logger.warning("warming up the query encoder or the final stage failed", exc_info=True)


async def _catch_up_forever(shelfwise: ShopServer, every_seconds: float, wakeup: CatalogWakeup) -> None:
    """Apply catalog changes made by other processes (e.g. `shelfwise ingest`) to the index:
    every `every_seconds`, and at once when the PostgreSQL catalog notifies a change."""
    while True:
        await wakeup.wait(every_seconds)
        try:
            stats = await run_in_threadpool(shelfwise.catch_up)
        except Exception:  # keep serving; the next round retries
            logger.exception("catching up with the catalog failed")
            continue
        if stats is not None:
            logger.info("index caught up: %d upserted, %d deleted", stats.upserted, stats.deleted)


def _lifespan(
    shelfwise: ShopServer, config: ServeConfig, owns_shelfwise: bool, freeze_heap: bool
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up (load the published index and warm up, then catch up with other processes in
    the background) and shut-down (stop the background tasks, close what the app owns)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        anyio.to_thread.current_default_thread_limiter().total_tokens = config.request_threads
        await run_in_threadpool(load_published_index, shelfwise)
        if freeze_heap:
            gc.collect()
            gc.freeze()
        wakeup = CatalogWakeup.for_settings(shelfwise.settings)
        wakeup.start()
        tasks = [asyncio.create_task(_catch_up_forever(shelfwise, config.catch_up_seconds, wakeup))]
        if shelfwise.settings.privacy.retention_days is not None:
            tasks.append(asyncio.create_task(purge_forever(shelfwise)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(wakeup.close)
            app.state.guard.keyring.store.close()  # reopens on next use
            if getattr(app.state, "assistant", None) is not None:
                app.state.assistant.close()
            if owns_shelfwise:
                await run_in_threadpool(shelfwise.close)

    return lifespan


def _include_routers(app: FastAPI, config: ServeConfig) -> None:
    """The API's routers behind their guards, the storefront at / and /shop/..., the admin
    console at /admin; the operations a public search or events setting opens say so."""
    for router in (search, suggestions, products, system):
        app.include_router(document_errors(router))
    app.include_router(document_errors(events), dependencies=[EventsAccess])
    app.include_router(document_errors(recommendations), dependencies=[SearchAccess])
    app.include_router(document_errors(graph_router), dependencies=[SearchAccess])
    app.include_router(document_errors(assistant_router), dependencies=[SearchAccess])
    app.include_router(document_errors(profiles), dependencies=[UnscopedAccess])
    app.include_router(document_errors(keys_router))
    app.include_router(document_errors(shoppers))
    app.include_router(document_errors(reviews))
    storefront = web_router(shoppers_access=[UnscopedAccess])
    app.include_router(document_errors(storefront))
    public = {search_access} if config.public_search else set()
    public |= {events_access} if config.public_events else set()
    routers = [(search, None), (suggestions, None), (products, None), (events, events_access),
               (recommendations, search_access), (graph_router, search_access), (profiles, search_access),
               (assistant_router, search_access),
               (storefront, None), (reviews, None)]  # fmt: skip
    document_optional_keys(app, public_operations(routers, frozenset(public)))


def _add_middleware(app: FastAPI, config: ServeConfig) -> None:
    # The last added runs first: request ids wrap everything, including 413s.
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=config.max_body_bytes)
    app.add_middleware(RequestContextMiddleware)
    if config.cors_origins:  # a storefront on another origin calls the API from the browser
        app.add_middleware(
            CORSMiddleware, allow_origins=config.cors_origins, allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["X-API-Key", "Authorization", "Content-Type"],
            expose_headers=["X-Request-ID", "Retry-After"], max_age=600,
        )  # fmt: skip


def create_app(
    shelfwise: ShopServer,
    config: ServeConfig,
    *,
    owns_shelfwise: bool = False,
    freeze_heap: bool = False,
    guard: Guard | None = None,
) -> FastAPI:
    """The API over `shelfwise`; with `owns_shelfwise` it is closed when the app shuts down.
    `guard` (keys, rate limits, clock): by default the master keys of `config` and the data
    folder's keys.db.
    `freeze_heap` (a server process, not a test that makes many apps): once start-up has loaded
    the index and models, the garbage collector stops walking them (a full collection over them
    paused a search up to 280 ms)."""
    app = FastAPI(
        title="Shelfwise",
        summary="Self-hosted e-commerce search",
        version="0.1.0",
        openapi_tags=TAGS,
        lifespan=_lifespan(shelfwise, config, owns_shelfwise, freeze_heap),
    )
    app.state.shelfwise = shelfwise
    app.state.serve_config = config
    app.state.guard = guard or Guard.build(shelfwise.data.keys, config)
    install_error_handlers(app)
    _include_routers(app, config)
    _add_middleware(app, config)
    return app


def app_from_env() -> FastAPI:
    """Factory for uvicorn: settings from SHELFWISE_* variables; the app owns its `ShopServer`
    (serving and catalog writes, no training: jobs train in a worker process)."""
    import os

    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep, not spin
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from shelfwise.serve.workers import THREADS_VARIABLE, limit_threads

    if os.environ.get(THREADS_VARIABLE):
        limit_threads(int(os.environ[THREADS_VARIABLE]))
    settings = Settings()
    return create_app(ShopServer(settings), settings.serve, owns_shelfwise=True, freeze_heap=True)

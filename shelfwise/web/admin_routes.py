"""The admin console, behind the API key: an overview (catalog health, index and model
versions), the search playground (every stage of one query), A/B experiments with their results
and reports with charts. Pages are
rendered on the server from the same objects the API and the CLI use; none holds the key."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from shelfwise.records import Filters, SearchRequest
from shelfwise.shop_server import ShopServer
from shelfwise.web.admin_auth import (
    COOKIE,
    SESSION_SECONDS,
    console_principal,
    form_fields,
    issue_token,
    refused,
    safe_next,
    same_origin,
    serve_config,
    signed_in,
    to_login,
)
from shelfwise.web.admin_catalog import artifact_versions, catalog_health
from shelfwise.web.admin_descriptions import add_description_pages
from shelfwise.web.admin_experiments import experiment_views
from shelfwise.web.admin_explorer import explore_product, explore_user
from shelfwise.web.admin_exposure import exposure_report
from shelfwise.web.admin_jobs import DEFAULT_CHANNELS, AdminJobs
from shelfwise.web.admin_keys import add_key_pages
from shelfwise.web.admin_reports import events_chart, ranker_reports, recommender_reports
from shelfwise.web.admin_reviews import add_review_pages
from shelfwise.web.admin_search_eval import evaluate_search_log
from shelfwise.web.admin_trace import search_trace
from shelfwise.web.pages import Pages

MODES = ("hybrid", "lexical", "vector")


def _shelfwise(request: Request) -> ShopServer:
    shelfwise: ShopServer = request.app.state.shelfwise
    return shelfwise


def admin_router(pages: Pages) -> APIRouter:
    """The console under /admin: signing in, the overview and the search playground, the index
    and models page with its jobs and swaps, the recommendation explorer, experiments and
    reports, and the keys page."""
    router = APIRouter(prefix="/admin", include_in_schema=False)
    jobs = AdminJobs()  # this server's rebuild, retrain or swap, if any
    _add_sign_in(router, pages)
    _add_search_pages(router, pages)
    _add_index_page(router, pages, jobs)
    _add_job_actions(router, jobs)
    _add_insight_pages(router, pages)
    add_key_pages(router, pages)
    add_review_pages(router, pages)
    add_description_pages(router, pages)
    return router


def _add_sign_in(router: APIRouter, pages: Pages) -> None:
    """The login form, signing in with a key (a signed session cookie) and signing out."""

    def login_page(request: Request, next_path: str, error: str = "", status_code: int = 200) -> HTMLResponse:
        closed = not serve_config(request).api_key
        return pages.render(
            request, "admin_login", status_code=403 if closed else status_code, private=True,
            closed=closed, error=error, next_path=next_path,
        )  # fmt: skip

    @router.get("/login")
    def login_form(request: Request, next: str | None = None) -> Response:
        if signed_in(request):
            return RedirectResponse(safe_next(next), status_code=303)
        return login_page(request, safe_next(next))

    @router.post("/login")
    async def login(request: Request) -> Response:
        if not same_origin(request):
            return Response("cross-site form posts are refused", status_code=403, media_type="text/plain")
        fields = form_fields(await request.body())
        next_path = safe_next(fields.get("next"))
        config = serve_config(request)
        principal = console_principal(fields.get("api_key", ""), request)
        if principal is None:
            error = "That is not the API key, or not one with the models or admin action."
            return login_page(request, next_path, error, status_code=401)
        assert config.api_key is not None  # console_principal checked it
        token = issue_token(config.api_key, time.time(), key_id=principal.key_id)
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(
            COOKIE, token, max_age=SESSION_SECONDS, path="/admin",
            httponly=True, samesite="strict", secure=request.url.scheme == "https",
        )  # fmt: skip
        return response

    @router.post("/logout")
    def logout() -> Response:
        response = RedirectResponse("/admin/login", status_code=303)
        response.delete_cookie(COOKIE, path="/admin")
        return response


def _add_search_pages(router: APIRouter, pages: Pages) -> None:
    """The overview (catalog health, versions) and the search playground (one query's stages)."""

    @router.get("")
    def overview(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        shelfwise = _shelfwise(request)
        return pages.render(
            request, "admin_overview", private=True, section="overview",
            catalog=catalog_health(shelfwise),
            versions=artifact_versions(shelfwise.settings.data_dir, shelfwise.settings.index_root),
        )  # fmt: skip

    @router.get("/playground")
    def playground(
        request: Request,
        q: Annotated[str, Query(max_length=500)] = "",
        mode: str = "hybrid",
        user_id: Annotated[str, Query(max_length=256)] = "",
        category: Annotated[str, Query(max_length=500)] = "",
    ) -> Response:
        if not signed_in(request):
            return to_login(request)
        form = {"q": q, "mode": mode if mode in MODES else "hybrid", "user_id": user_id, "category": category}
        trace, error = None, ""
        if q:
            try:
                search = SearchRequest(
                    query=q, user_id=user_id or None, page_size=20,
                    mode="lexical" if mode == "lexical" else "vector" if mode == "vector" else "hybrid",
                    filters=Filters(category=category or None),
                )  # fmt: skip
                trace = search_trace(_shelfwise(request), search)
            except (ValidationError, LookupError, RuntimeError) as problem:
                error = str(problem)
        return pages.render(
            request, "admin_playground", private=True, section="playground",
            form=form, modes=MODES, trace=trace, error=error,
        )  # fmt: skip


def _add_index_page(router: APIRouter, pages: Pages, jobs: AdminJobs) -> None:
    """Index, recommender and ranking-model versions, the console's job and the queue."""

    @router.get("/index")
    def index_page(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        shelfwise = _shelfwise(request)
        versions = artifact_versions(shelfwise.settings.data_dir, shelfwise.settings.index_root)
        serving = next((v for v in versions if v.kind == "recommender" and v.current), None)
        channels = (serving.details.get("channels") if serving else None) or DEFAULT_CHANNELS
        return pages.render(
            request, "admin_index", private=True, section="index", job=jobs.state(shelfwise),
            queue=jobs.queue(shelfwise),
            versions=[v for v in versions if v.kind == "index"], health=shelfwise.health(),
            recommenders=[v for v in versions if v.kind == "recommender"], channels=channels,
            rankers=[v for v in versions if v.kind == "ranker"],
        )  # fmt: skip


def _add_job_actions(router: APIRouter, jobs: AdminJobs) -> None:
    """The models action's buttons: queue a rebuild or a retrain (a worker runs them), cancel
    a job, serve a kept index or model version (a swap in this process, no training)."""

    @router.post("/index/rebuild")
    def rebuild(request: Request) -> Response:
        if (refusal := refused(request, "models")) is not None:
            return refusal
        jobs.start_rebuild(_shelfwise(request))  # a job already running is shown instead
        return RedirectResponse("/admin/index", status_code=303)

    @router.post("/recommender/retrain")
    async def retrain(request: Request) -> Response:
        if (refusal := refused(request, "models")) is not None:
            return refusal
        channels = form_fields(await request.body()).get("channels", "")
        jobs.start_retrain(_shelfwise(request), channels)
        return RedirectResponse("/admin/index", status_code=303)

    @router.post("/jobs/cancel")
    async def cancel_job(request: Request) -> Response:
        if (refusal := refused(request, "models")) is not None:
            return refusal
        job_id = form_fields(await request.body()).get("job_id", "")
        if job_id.isdigit():
            jobs.cancel(_shelfwise(request), int(job_id))
        return RedirectResponse("/admin/index", status_code=303)

    @router.post("/index/serve")
    async def serve_version(request: Request) -> Response:
        if (refusal := refused(request, "models")) is not None:
            return refusal
        version = form_fields(await request.body()).get("version", "")
        jobs.serve_version(_shelfwise(request), version)
        return RedirectResponse("/admin/index", status_code=303)

    @router.post("/models/serve")
    async def serve_model(request: Request) -> Response:
        if (refusal := refused(request, "models")) is not None:
            return refusal
        fields = form_fields(await request.body())
        jobs.serve_model(_shelfwise(request), fields.get("kind", ""), fields.get("version", ""))
        return RedirectResponse("/admin/index", status_code=303)


def _add_insight_pages(router: APIRouter, pages: Pages) -> None:
    """The recommendation explorer, the experiments with their results and the reports."""

    @router.get("/recommend")
    def explorer(
        request: Request,
        user_id: Annotated[str, Query(max_length=256)] = "",
        product_id: Annotated[str, Query(max_length=256)] = "",
        k: Annotated[int, Query(ge=1, le=50)] = 12,
    ) -> Response:
        if (principal := signed_in(request)) is None:
            return to_login(request)
        if user_id and not product_id and "admin" not in principal.actions:
            return Response("shoppers' events need admin", status_code=403, media_type="text/plain")
        shelfwise = _shelfwise(request)
        found = None
        if product_id:
            found = explore_product(shelfwise, product_id, k)
        elif user_id:
            found = explore_user(shelfwise, user_id, k)
        return pages.render(
            request, "admin_recommend", private=True, section="recommend",
            form={"user_id": user_id, "product_id": product_id, "k": k}, found=found,
        )  # fmt: skip

    @router.get("/experiments")
    def experiments(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        views = experiment_views(_shelfwise(request), datetime.now(UTC))
        return pages.render(
            request, "admin_experiments", private=True, section="experiments", experiments=views
        )

    @router.get("/reports")
    def reports(request: Request) -> Response:
        if not signed_in(request):
            return to_login(request)
        shelfwise = _shelfwise(request)
        return pages.render(
            request, "admin_reports", private=True, section="reports",
            recommenders=recommender_reports(shelfwise.settings.data_dir),
            rankers=ranker_reports(shelfwise.settings.data_dir),
            events=events_chart(shelfwise.events.stats().by_type),
            exposure=exposure_report(shelfwise),
            search_eval=evaluate_search_log(shelfwise),
        )  # fmt: skip

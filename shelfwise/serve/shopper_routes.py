"""DELETE /shoppers/{user_id}: forget a shopper (their events, impressions, exposures, reviews,
profile and cached answers, and the anonymous sessions seen on them); the answer counts what went."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.security import AdminAccess
from shelfwise.serving import Serving

shoppers = APIRouter(route_class=StrictJsonRoute, prefix="/shoppers", tags=["shoppers"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key"},
    403: {"model": ErrorBody, "description": "No API key configured, or the key may not do this"},
    422: {"model": ErrorBody, "description": "Invalid parameters"},
}


class ForgetResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    user_id: str = Field(description="the shopper forgotten, as sent")
    sessions: int = Field(description="anonymous sessions seen on their events, forgotten with them")
    events: int
    impressions: int = Field(description="served answers logged for them")
    exposures: int = Field(description="experiment exposures")
    profiles: int = Field(description="profiles dropped from this server process's memory")
    cached_answers: int = Field(description="recommendation answers cached for them")
    ranking_models: int = Field(description="saved ranking-model versions that knew them")
    reviews: int = Field(default=0, description="reviews they wrote")


@shoppers.delete(
    "/{user_id}",
    summary="Forget a shopper",
    dependencies=[AdminAccess],
    responses=_ERRORS,
)
def forget_shopper(
    request: Request, user_id: Annotated[str, Path(min_length=1, max_length=256)]
) -> ForgetResponse:
    """Deletes everything stored about the signed-in shopper from every store; the next
    training leaves them out, and their next request is answered as a new shopper's. Other
    server processes drop them from memory within `serve.catch_up_seconds`. Forgetting an
    unknown id succeeds with zero counts."""
    shelfwise: Serving = request.app.state.shelfwise
    report = shelfwise.forget_shopper(user_id)
    return ForgetResponse(
        user_id=user_id,
        sessions=report.sessions,
        events=report.events,
        impressions=report.impressions,
        exposures=report.exposures,
        profiles=report.profiles,
        cached_answers=report.cached_answers,
        ranking_models=report.ranking_models,
        reviews=report.reviews,
    )

"""Shopper profiles: what personalization has learned about a signed-in shopper or a visit."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.serve.errors import ApiError
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serving import Serving

profiles = APIRouter(route_class=StrictJsonRoute, prefix="/profiles", tags=["recommend"])
Identifier = Annotated[str, Path(min_length=1, max_length=256)]
Top = Annotated[int, Query(ge=1, le=50, description="entries per list")]


class ProfileResponse(BaseModel):
    model_config = ConfigDict(frozen=True)

    actor: str
    profile: dict[str, Any] = Field(
        description="events behind it, top categories, departments, brands, price bands and attribute "
        "values (colour, material) with their share, decayed weight and lift over the catalog; the "
        "usual price quantile within a category (price_level, 0 = cheapest) and its spread"
    )


def _answer(request: Request, actor: str, top: int) -> ProfileResponse:
    shelfwise: Serving = request.app.state.shelfwise
    found = shelfwise.profile(actor)
    if found is None or found.is_empty:
        raise ApiError(404, f"no profile for '{actor}': no events of catalog products yet", {"actor": actor})
    return ProfileResponse(actor=actor, profile=found.summary(top))


_NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorBody, "description": "No events yet"}}


@profiles.get("/user/{user_id}", summary="A signed-in shopper's profile", responses=_NOT_FOUND)
def user_profile(request: Request, user_id: Identifier, top: Top = 5) -> ProfileResponse:
    return _answer(request, f"user:{user_id}", top)


@profiles.get("/session/{session_id}", summary="An anonymous visit's profile", responses=_NOT_FOUND)
def session_profile(request: Request, session_id: Identifier, top: Top = 5) -> ProfileResponse:
    return _answer(request, f"session:{session_id}", top)

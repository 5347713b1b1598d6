"""`POST /assistant`: one turn of the shopping assistant (issue 31). Keyed like search (the search
action; a scoped key's filters bound what it retrieves and compares); the conversation id comes
back in the answer (send it again for the next turn); each turn is logged as an impression on the
surface "assistant". The assistant is made on the first turn and kept on the app."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from shelfwise.assistant import Assistant, AssistantAnswer, Choice, Turn
from shelfwise.assistant.faq import FaqFileError
from shelfwise.records import NonNegativeJsonFloat
from shelfwise.serve.errors import ApiError
from shelfwise.serve.json_body import StrictJsonRoute
from shelfwise.serve.schemas import ErrorBody
from shelfwise.serve.security import SearchPrincipal
from shelfwise.serving import Serving

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Missing or wrong API key (when search is not public)"},
    422: {"model": ErrorBody, "description": "Invalid body"},
    500: {"model": ErrorBody, "description": "Internal error, or the configured FAQ file cannot be read"},
    503: {"model": ErrorBody, "description": "No index has been built yet"},
}
assistant_router = APIRouter(route_class=StrictJsonRoute, tags=["assistant"], responses=_ERRORS)
_LOCK = threading.Lock()


class ChoiceIn(BaseModel):
    """An option of the last answer's question, as it came (field, value and price bounds)."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(max_length=200, pattern=r"^(category|brand|price|attr:.+)$")
    value: str = Field(default="", max_length=500, description="empty: any value is fine")
    price_min: NonNegativeJsonFloat | None = None
    price_max: NonNegativeJsonFloat | None = None


class AssistantRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conversation_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="from the last answer; none: a new conversation",
    )
    message: str = Field(default="", max_length=1000, description="what the shopper typed")
    language: Literal["en", "zh"] | None = Field(default=None, description="default: read from the message")
    choice: ChoiceIn | None = Field(default=None, description="a clicked option, instead of a message")
    user_id: str | None = Field(default=None, min_length=1, max_length=256)
    session_id: str | None = Field(default=None, min_length=1, max_length=256)


def _assistant(request: Request) -> Assistant:
    """The app's assistant, made on first use over its serving role."""
    state = request.app.state
    found: Assistant | None = getattr(state, "assistant", None)
    if found is not None:
        return found
    with _LOCK:
        found = getattr(state, "assistant", None)
        if found is None:
            serving: Serving = state.shelfwise
            try:
                found = Assistant(serving)
            except FaqFileError as error:
                raise ApiError(500, f"the assistant's FAQ cannot be read: {error}") from error
            state.assistant = found
    return found


AssistantDep = Annotated[Assistant, Depends(_assistant)]


@assistant_router.post("/assistant", summary="One turn of the shopping assistant")
def assistant_turn(
    body: AssistantRequest, assistant: AssistantDep, principal: SearchPrincipal, request: Request
) -> AssistantAnswer:
    """Reads the message into the conversation's state and shows products (each with the
    sources of what the reply says about it), asks the one question that splits the candidates
    best (click an option: send it back as `choice`), compares shown products ("which is
    lighter?", "哪个更轻"), or answers a shop question from the FAQ (or says it does not know and
    offers a hand-off)."""
    if not body.message.strip() and body.choice is None:
        raise ApiError(422, "send a message or a choice", {"field": "message"})
    choice = None if body.choice is None else Choice(**body.choice.model_dump())
    turn = Turn(
        message=body.message,
        conversation_id=body.conversation_id,
        language=body.language,
        choice=choice,
        user_id=body.user_id,
        session_id=body.session_id,
        scope=None if principal is None else principal.filters,
    )
    return assistant.turn(turn, request_id=str(request.state.request_id))

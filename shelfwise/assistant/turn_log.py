"""Each turn is logged like a search: an impression on the surface "assistant" with the products
shown (none when it asked, compared nothing or answered from the FAQ), the message as the query,
and the conversation, turn, action and question in its context, so clicks attribute to it."""

from __future__ import annotations

import logging
from datetime import datetime

from pydantic import JsonValue

from shelfwise.assistant.records import AssistantAnswer
from shelfwise.impressions import Impression, ShownItem
from shelfwise.serving import Serving

SURFACE = "assistant"
logger = logging.getLogger(__name__)


def turn_impression(
    answer: AssistantAnswer, message: str, user_id: str | None, session_id: str | None, at: datetime
) -> Impression:
    context: dict[str, JsonValue] = {
        "conversation": answer.conversation_id,
        "turn": answer.state.turn,
        "action": answer.action,
        "total": answer.candidates,
        "state": answer.state.model_dump(mode="json"),  # the admin's conversation view reads it
    }
    if answer.question is not None:
        context["question"] = answer.question.field
    return Impression(
        request_id=answer.request_id,
        surface=SURFACE,
        timestamp=at,
        user_id=user_id,
        session_id=session_id,
        query=message[:500],
        items=tuple(
            ShownItem(product_id=shown.product.product_id, position=i)
            for i, shown in enumerate(answer.products)
        ),
        context=context,
    )


def log_turn(
    serving: Serving,
    answer: AssistantAnswer,
    message: str,
    user_id: str | None,
    session_id: str | None,
    at: datetime,
) -> None:
    """Logged through the serving role's impression log (pseudonymized as its searches are); a
    failed write is logged and the answer still goes out."""
    try:
        user, session = serving.pseudonyms.maybe(user_id), serving.pseudonyms.maybe(session_id)
        serving.impressions.record([turn_impression(answer, message, user, session, at)])
    except Exception:
        logger.exception("could not log assistant turn %s", answer.request_id)

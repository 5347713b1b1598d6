"""`Assistant`: one turn of a conversation. It reads the message (reading.py) into the
conversation's next state (update.py), then retrieves with the state through the serving role's
search, and either shows the top products, asks the one question that splits the candidates
best (questions.py), compares shown products (compare.py) or answers a shop question from the
FAQ (faq.py). Every reply is templated and checked (grounding.py) before it is sent, and every
turn is logged as an impression on the surface "assistant"."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from shelfwise.assistant import replies
from shelfwise.assistant.compare import comparison
from shelfwise.assistant.conversations import ConversationStore, open_conversations
from shelfwise.assistant.faq import FAQ_FILE, FaqEntry, ShopFaq, read_faq
from shelfwise.assistant.grounding import UngroundedReply, check
from shelfwise.assistant.reading import TurnReading, message_language, read_turn
from shelfwise.assistant.records import AssistantAnswer, Source, Statement
from shelfwise.assistant.retrieval import Candidates, TurnContext
from shelfwise.assistant.state import DialogueState
from shelfwise.assistant.turn_log import log_turn
from shelfwise.assistant.turns import ask_or_show
from shelfwise.assistant.update import choose, next_state
from shelfwise.config import AssistantConfig
from shelfwise.models.multilingual import E5Encoder
from shelfwise.records import Filters
from shelfwise.serving import Serving

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Choice:
    """An option the shopper clicked (from the last answer's question)."""

    field: str
    value: str
    price_min: float | None = None
    price_max: float | None = None


@dataclass(frozen=True)
class Turn:
    message: str
    conversation_id: str | None = None
    language: str | None = None
    choice: Choice | None = None
    user_id: str | None = None
    session_id: str | None = None
    scope: Filters | None = None
    """a scoped key's filters: products outside them are never retrieved or compared"""


class Assistant:
    """The shopping assistant over one shop's serving role; conversations in `conversations`
    (default: the data folder's assistant.db), the FAQ from `faq` (default: the configured file,
    else the imported one)."""

    def __init__(
        self,
        serving: Serving,
        config: AssistantConfig | None = None,
        conversations: ConversationStore | None = None,
        faq: Sequence[FaqEntry] | None = None,
    ) -> None:
        self.serving = serving
        self.config = config or serving.settings.assistant
        lifetime = timedelta(hours=self.config.conversation_ttl_hours)
        self.conversations = conversations or open_conversations(serving.settings.data_dir, lifetime)
        entries = list(faq) if faq is not None else _configured_faq(self.config, serving.settings.data_dir)
        encoder = serving.encoder
        threads = serving.settings.encoder.threads
        self.faq = ShopFaq(
            entries, encoder, self.config.faq_min_similarity, lambda: E5Encoder(threads=threads)
        )

    def turn(self, turn: Turn, request_id: str | None = None, at: datetime | None = None) -> AssistantAnswer:
        started = time.perf_counter()
        at = at or datetime.now(UTC)
        request_id = request_id or uuid.uuid4().hex
        conversation_id = turn.conversation_id or uuid.uuid4().hex
        state = self.conversations.get(conversation_id, at) or DialogueState()
        language = message_language(turn.message, turn.language, state.language if state.turn else None)
        context = TurnContext(self.serving, self.config, turn.scope, turn.user_id, turn.session_id, at)
        if turn.choice is not None:
            choice = turn.choice
            new = choose(state, choice.field, choice.value, (choice.price_min, choice.price_max))
            answer = ask_or_show(context, new.model_copy(update={"language": language}))
        else:
            understanding = self.serving.engine.query_understanding()
            reading = read_turn(turn.message, understanding, language)
            answer = self._dispatch(context, state, reading)
        answer = self._grounded(answer)
        self.conversations.put(conversation_id, answer.state, at)
        result = answer.answer(conversation_id, request_id, round((time.perf_counter() - started) * 1000, 3))
        log_turn(self.serving, result, turn.message, turn.user_id, turn.session_id, at)
        return result

    def _dispatch(self, context: TurnContext, state: DialogueState, reading: TurnReading) -> Candidates:
        if reading.kind == "faq":
            return self._faq(state, reading)
        if reading.kind == "need" and reading.asks and not reading.constraints:
            answered = self._faq(state, reading)  # a question without shop words the FAQ knows
            if answered.action == "faq":
                return answered
        if reading.kind == "compare":
            return self._compare(context, state, reading)
        shown = context.shown_prices(state.shown)
        if reading.revision is not None and not shown:  # "cheaper" after a question: than the top ones
            shown = [p.price for p in context.search(state)[0][: self.config.show] if p.price is not None]
        new = next_state(state, reading, shown)
        if reading.kind == "more":
            return ask_or_show(context, new, skip_shown=True, may_ask=False)
        return ask_or_show(context, new)

    def _faq(self, state: DialogueState, reading: TurnReading) -> Candidates:
        new = state.model_copy(update={"turn": state.turn + 1, "language": reading.language})
        found = self.faq.match(reading.message, reading.language)
        if found is None or not found.known:
            said = Statement(text=replies.text(reading.language, "unknown"))
            return Candidates(action="unknown", state=new, statements=[said], hand_off=True)
        answer = found.entry.answer
        said = Statement(text=answer, sources=(Source(field="faq", value=answer),))
        return Candidates(action="faq", state=new, statements=[said], faq_answers=(answer,))

    def _compare(self, context: TurnContext, state: DialogueState, reading: TurnReading) -> Candidates:
        new = state.model_copy(update={"turn": state.turn + 1, "language": reading.language})
        positions = reading.ordinals or tuple(range(1, min(3, len(state.shown)) + 1))
        ids = [state.shown[p - 1] for p in positions if 0 < p <= len(state.shown)]
        products = context.products(ids)
        if len(products) < 2:
            said = Statement(text=replies.text(reading.language, "compare_none"))
            return Candidates(action="nothing", state=new, statements=[said])
        summaries = context.summaries(products)
        statements = comparison(products, reading.comparative, summaries, reading.language)
        return Candidates(
            action="compare", state=new, statements=statements, products=products, summaries=summaries
        )

    def _grounded(self, answer: Candidates) -> Candidates:
        """The answer if every fact it states is in the data; else the refusal, logged."""
        known = {p.product_id: p for p in answer.products}
        problems = check(answer.statements, known, answer.summaries, answer.faq_answers, answer.said)
        if not problems:
            return answer
        logger.error("assistant reply not sent: %s", UngroundedReply(problems))
        said = Statement(text=replies.text(answer.state.language, "unknown"))
        return Candidates(action="unknown", state=answer.state, statements=[said], hand_off=True)

    def close(self) -> None:
        self.conversations.close()


def _configured_faq(config: AssistantConfig, data_dir: Path) -> list[FaqEntry]:
    path = config.faq_path or data_dir / FAQ_FILE
    if config.faq_path is None and not path.exists():
        return []
    return read_faq(path)


__all__ = ["Assistant", "Choice", "Turn"]

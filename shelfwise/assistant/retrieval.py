"""Retrieval for one turn: the state as a search request through the serving role (the shopper's
final stage and experiment settings, no search impression: the turn logs its own), exclusions
applied to the hits ("not red", "no Sony"), a scoped key's filters ANDed, and the products and
review summaries a reply may speak of. `Candidates` is what a turn produced before it is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from shelfwise.aspects.records import ReviewSummary
from shelfwise.assistant.records import Action, AssistantAnswer, Question, ShownProduct, Source, Statement
from shelfwise.assistant.state import DialogueState
from shelfwise.config import AssistantConfig
from shelfwise.keys import admits, intersect_filters
from shelfwise.records import Filters, Product, SearchRequest
from shelfwise.serving import Serving

MAX_QUERY = 500
"""a search query's longest"""


@dataclass(frozen=True)
class Candidates:
    """A turn's outcome: the action, the new state, the statements, and what they speak of."""

    action: Action
    state: DialogueState
    statements: list[Statement]
    products: Sequence[Product] = ()
    summaries: Mapping[str, ReviewSummary | None] = field(default_factory=dict)
    question: Question | None = None
    hand_off: bool = False
    faq_answers: tuple[str, ...] = ()
    matched: int = 0
    said: tuple[str, ...] = ()
    """what the shopper said that a statement repeats (the wishes left out when nothing matched)"""

    def answer(self, conversation_id: str, request_id: str, took_ms: float) -> AssistantAnswer:
        """The `AssistantAnswer` it makes: the reply text, the products with their sources."""
        shown = [
            ShownProduct(product=p.without_raw(), sources=_sources_of(p.product_id, self.statements))
            for p in self.products
        ]
        lines = [s.text for s in self.statements]
        if self.action == "show":
            lines = [lines[0], *(f"{i}. {line}" for i, line in enumerate(lines[1:], 1))]
        if self.question is not None:
            lines.append(self.question.text)
        return AssistantAnswer(
            conversation_id=conversation_id,
            request_id=request_id,
            action=self.action,
            reply="\n".join(lines),
            statements=list(self.statements),
            products=shown,
            question=self.question,
            hand_off=self.hand_off,
            state=self.state,
            candidates=self.matched,
            took_ms=took_ms,
        )


def _sources_of(product_id: str, statements: Sequence[Statement]) -> list[Source]:
    found: list[Source] = []
    for statement in statements:
        found.extend(s for s in statement.sources if s.product_id == product_id and s not in found)
    return found


@dataclass(frozen=True)
class TurnContext:
    """What a turn retrieves through: the serving role, the settings, the caller's scope and ids."""

    serving: Serving
    config: AssistantConfig
    scope: Filters | None
    user_id: str | None
    session_id: str | None
    at: datetime

    def search(self, state: DialogueState) -> tuple[list[Product], int]:
        """The candidates for `state` (best first, exclusions and scope applied) and how many
        products matched in all."""
        filters: Filters | None = state.filters()
        if self.scope is not None and not self.scope.is_empty() and filters is not None:
            filters = intersect_filters(self.scope, filters)
        if filters is None:
            return [], 0
        request = SearchRequest(
            query=state.retrieval_text()[:MAX_QUERY],
            filters=filters,
            page_size=self.config.candidates,
            user_id=self.user_id,
            session_id=self.session_id,
        )
        result = self.serving.search_as_shopper(request, at=self.at)
        close = [h for h in result.hits if h.match != "nearest"]
        if not close and not filters.is_empty():  # the wishes chose them: the words need not match
            close = list(result.hits)
        products = [h.product for h in close if not _excluded(state, h.product)]
        dropped = len(close) - len(products)
        return products, max(0, (result.total if len(close) == len(result.hits) else len(close)) - dropped)

    def products(self, ids: Sequence[str]) -> list[Product]:
        """The products of `ids` that exist and are in the scope, in that order."""
        found = self.serving.store.get_many(list(ids))
        kept = [found[i] for i in ids if i in found]
        return [p for p in kept if self.scope is None or admits(self.scope, p)]

    def summaries(self, products: Sequence[Product]) -> dict[str, ReviewSummary | None]:
        served = self.serving.review_summaries
        return {p.product_id: served.get(p.product_id) for p in products}

    def shown_prices(self, ids: Sequence[str]) -> list[float]:
        return [p.price for p in self.products(ids) if p.price is not None]


def _excluded(state: DialogueState, product: Product) -> bool:
    if product.brand and product.brand in state.excluded_brands:
        return True
    return any(product.attributes.get(name) in values for name, values in state.excluded.items())

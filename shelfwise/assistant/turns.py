"""Ask or show: retrieve with the state; when more candidates match than a reply shows and one
field splits them well enough, ask about it (at most `max_questions` in a row), else show the
top few with the facts of each."""

from __future__ import annotations

from collections.abc import Sequence

from shelfwise.assistant import replies
from shelfwise.assistant.questions import best_question
from shelfwise.assistant.records import Option, Question, Source, Statement
from shelfwise.assistant.relax import names_the_words, relax
from shelfwise.assistant.retrieval import Candidates, TurnContext
from shelfwise.assistant.state import DialogueState
from shelfwise.records import Product


def ask_or_show(
    context: TurnContext, state: DialogueState, skip_shown: bool = False, may_ask: bool = True
) -> Candidates:
    language = state.language
    if not state.has_need:
        said = Statement(text=replies.text(language, "empty"))
        return Candidates(action="nothing", state=state, statements=[said])
    products, matched = context.search(state)
    relaxed: list[Source] = []
    if not names_the_words(products, state.text):
        state, products, matched, relaxed = relax(context, state, products, matched)
    if skip_shown:
        products = [p for p in products if p.product_id not in state.shown]
    if not products:
        said = Statement(text=replies.text(language, "nothing"))
        return Candidates(action="nothing", state=state.model_copy(update={"shown": ()}), statements=[said])
    config = context.config
    if (
        may_ask
        and not relaxed
        and len(products) > config.show
        and state.questions_in_row < config.max_questions
    ):
        question = _question(state, products, config.min_information_bits)
        if question is not None:
            asked = state.model_copy(
                update={"pending": question.field, "questions_in_row": state.questions_in_row + 1}
            )
            return Candidates(action="ask", state=asked, statements=[], question=question, matched=matched)
    top = products[: config.show]
    summaries = context.summaries(top)
    fields = tuple(f"attr:{name}" for name in state.attributes)
    statements = [Statement(text=replies.text(language, "intro"))]
    if relaxed:
        values = (
            "、".join(s.value for s in relaxed) if language == "zh" else ", ".join(s.value for s in relaxed)
        )
        statements = [
            Statement(text=replies.text(language, "relaxed").format(values=values), sources=tuple(relaxed))
        ]
    statements += [replies.product_statement(p, summaries.get(p.product_id), language, fields) for p in top]
    shown = state.model_copy(
        update={"shown": tuple(p.product_id for p in top), "questions_in_row": 0, "pending": None}
    )
    return Candidates(
        action="show", state=shown, statements=statements, products=top, summaries=summaries, matched=matched,
        said=tuple(s.value for s in relaxed),
    )  # fmt: skip


def _question(state: DialogueState, products: Sequence[Product], min_bits: float) -> Question | None:
    depth = len(state.category.split(" > ")) if state.category else 0
    found = best_question(products, state.constrained(), depth, state.language)
    if found is None or found[1] < min_bits:
        return None
    field, bits, options = found
    anyone = Option(label=replies.text(state.language, "any"), field=field, value="", count=len(products))
    return Question(
        field=field,
        text=replies.question_text(state.language, field),
        options=[*options, anyone],
        information_bits=round(bits, 3),
    )

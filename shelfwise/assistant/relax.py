"""Relaxing a state nothing matches: "green headphones" where no headphones are green shows
headphones, saying that green was left out, rather than nothing, or a green dress that only
matches the colour."""

from __future__ import annotations

import re
from collections.abc import Sequence

from shelfwise.assistant.records import Source
from shelfwise.assistant.retrieval import TurnContext
from shelfwise.assistant.state import DialogueState
from shelfwise.query.zh_text import has_han
from shelfwise.records import Product

_WORD = re.compile(r"[\w'-]+")


def names_the_words(products: Sequence[Product], text: str) -> bool:
    """Whether some product names one of the product words in its title or category (a word's
    plural or singular too; Chinese words as substrings); True when there are no words."""
    words = [w for w in _WORD.findall(text.lower()) if len(w) > 1 or has_han(w)]
    if not words:
        return bool(products)
    forms = {form for w in words for form in (w, w.rstrip("s"), w + "s")}
    for product in products:
        named = f"{product.title} {' '.join(product.category)}".lower()
        if any(
            form in named if has_han(form) else re.search(rf"\b{re.escape(form)}\b", named) for form in forms
        ):
            return True
    return False


def relax(
    context: TurnContext, state: DialogueState, found: list[Product], matched: int
) -> tuple[DialogueState, list[Product], int, list[Source]]:
    """When nothing matches every wish (or nothing that names the product words): the wishes left
    out one at a time (the latest attribute first, then the price, then the brand) until products
    that name the words match; the state without them and what was left out (as the shopper said
    it), or the state and products `found` as they were, with nothing left out."""
    dropped: list[Source] = []
    current = state
    steps = [f"attr:{name}" for name in reversed(list(state.attributes))]
    steps += ["price"] if state.price_min is not None or state.price_max is not None else []
    steps += ["brand"] if state.brands else []
    for step in steps:
        current, said = _without(current, step)
        dropped.extend(said)
        products, count = context.search(current)
        if products and names_the_words(products, current.text):
            return current, products, count, dropped
    return state, found, matched, []


def _without(state: DialogueState, field: str) -> tuple[DialogueState, list[Source]]:
    if field == "brand":
        return state.model_copy(update={"brands": ()}), [Source(field="said:brand", value=state.brands[0])]
    if field == "price":
        bounds = [b for b in (state.price_min, state.price_max) if b is not None]
        said = [Source(field="said:price", value=f"{b:g}") for b in bounds]
        return state.model_copy(update={"price_min": None, "price_max": None}), said
    name = field.removeprefix("attr:")
    left = {k: v for k, v in state.attributes.items() if k != name}
    return state.model_copy(update={"attributes": left}), [
        Source(field=f"said:{field}", value=state.attributes[name][0])
    ]

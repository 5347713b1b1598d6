"""The next dialogue state from the last one and a turn's reading: new product words start a new
need, constraints add or replace ("show Sony instead"), negations exclude ("not red", "不要红色"),
revisions move the price ("cheaper": under the middle price shown), "any" settles the question
asked. Pure functions over immutable states."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from statistics import median

from shelfwise.assistant.reading import TurnReading
from shelfwise.assistant.state import DialogueState
from shelfwise.query.parsed import ParsedConstraint


def next_state(state: DialogueState, reading: TurnReading, shown_prices: Sequence[float]) -> DialogueState:
    """`shown_prices`: the prices of the products shown last (for "cheaper" / "more expensive")."""
    base = state.model_copy(update={"turn": state.turn + 1, "language": reading.language})
    if reading.kind == "reset":
        return DialogueState(language=reading.language, turn=base.turn)
    if reading.kind != "need":
        return base
    if reading.any_value:
        return _settle(base, state.pending)
    if reading.words and _new_subject(state, reading):
        base = DialogueState(language=reading.language, turn=base.turn)
    update: dict[str, object] = {"pending": None}
    if reading.words:
        update["text"] = reading.words
    if reading.use:
        update["use"] = reading.use
    base = base.model_copy(update=update)
    for constraint in reading.constraints:
        base = _apply(base, constraint, reading.instead)
    if reading.revision is not None and shown_prices:
        base = _revise_price(base, reading.revision, shown_prices)
    if state.pending is not None and state.pending not in base.settled:  # one question per field
        base = base.model_copy(update={"settled": (*base.settled, state.pending)})
    return base


def choose(
    state: DialogueState, field: str, value: str, price: tuple[float | None, float | None]
) -> DialogueState:
    """The state after the shopper clicks an option of the question on `field`."""
    base = state.model_copy(update={"turn": state.turn + 1, "pending": None})
    if value == "":
        return _settle(base, field)
    if field == "category":
        base = base.model_copy(update={"category": value})
    elif field == "brand":
        base = base.model_copy(update={"brands": (value,)})
    elif field == "price":
        base = base.model_copy(update={"price_min": price[0], "price_max": price[1]})
    elif field.startswith("attr:"):
        name = field.removeprefix("attr:")
        base = base.model_copy(update={"attributes": {**base.attributes, name: (value,)}})
    return _settle(base, field)


def _settle(state: DialogueState, field: str | None) -> DialogueState:
    if field is None or field in state.settled:
        return state.model_copy(update={"pending": None})
    return state.model_copy(update={"settled": (*state.settled, field), "pending": None})


def _new_subject(state: DialogueState, reading: TurnReading) -> bool:
    """Product words that are not the ones of the current need start a new one (a refinement
    such as "red" parses as a constraint and leaves no words)."""
    if not state.text:
        return False
    old, new = set(state.text.lower().split()), set(reading.words.lower().split())
    return not (new <= old) and not reading.instead


def _apply(state: DialogueState, constraint: ParsedConstraint, instead: bool) -> DialogueState:
    values = tuple(constraint.values)
    if constraint.field == "price" and not constraint.negated:
        low, high = constraint.price_min, constraint.price_max
        return state.model_copy(update={"price_min": low, "price_max": high})
    if constraint.field == "brand":
        if constraint.negated:
            return state.model_copy(
                update={
                    "brands": tuple(b for b in state.brands if b not in values),
                    "excluded_brands": _union(state.excluded_brands, values),
                }
            )
        excluded = tuple(b for b in state.excluded_brands if b not in values)
        return state.model_copy(update={"brands": values, "excluded_brands": excluded})
    if constraint.field.startswith("attr:"):
        name = constraint.field.removeprefix("attr:")
        if constraint.negated:
            kept = tuple(v for v in state.attributes.get(name, ()) if v not in values)
            return state.model_copy(
                update={
                    "attributes": _with(state.attributes, name, kept),
                    "excluded": _with(state.excluded, name, _union(state.excluded.get(name, ()), values)),
                }
            )
        left = tuple(v for v in state.excluded.get(name, ()) if v not in values)
        return state.model_copy(
            update={
                "attributes": _with(state.attributes, name, values),
                "excluded": _with(state.excluded, name, left),
            }
        )
    return state


def _revise_price(state: DialogueState, revision: str, shown: Sequence[float]) -> DialogueState:
    """Cheaper: under the middle price of what was shown (and under any bound already set);
    more expensive: over it."""
    middle = float(median(shown))  # strictly under or over: the middle one itself is neither
    if revision == "cheaper":
        under = round(middle - 0.01, 2)
        under = under if state.price_max is None else min(state.price_max, under)
        keep_min = state.price_min is not None and state.price_min < under
        return state.model_copy(
            update={"price_max": under, "price_min": state.price_min if keep_min else None}
        )
    over = round(middle + 0.01, 2)
    over = over if state.price_min is None else max(state.price_min, over)
    keep_max = state.price_max is not None and state.price_max > over
    return state.model_copy(update={"price_min": over, "price_max": state.price_max if keep_max else None})


def _union(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys((*old, *new)))


def _with(
    mapping: Mapping[str, tuple[str, ...]], name: str, values: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    out = {k: v for k, v in mapping.items() if k != name}
    if values:
        out[name] = values
    return out

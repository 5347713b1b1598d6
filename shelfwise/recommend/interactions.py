"""Shoppers' events to interaction sequences: what each actor viewed, clicked, carted, bought or
rated, oldest first. Searches carry no single product and are left out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence

from shelfwise.records import Event

INTERACTION_TYPES = frozenset({"view", "click", "add_to_cart", "purchase", "rating"})
PURCHASE_TYPES = frozenset({"add_to_cart", "purchase"})


def product_sequence(events: Sequence[Event], types: frozenset[str] = INTERACTION_TYPES) -> list[str]:
    """Product ids of the events of the given types in time order; an immediate repeat of the
    same product (a view then a click then a cart of it) counts once."""
    ordered = sorted((e for e in events if e.type in types and e.product_id), key=lambda e: e.timestamp)
    out: list[str] = []
    for event in ordered:
        assert event.product_id is not None
        if not out or out[-1] != event.product_id:
            out.append(event.product_id)
    return out


def actor_sequences(
    events: Iterable[Event], types: frozenset[str] = INTERACTION_TYPES
) -> dict[str, list[str]]:
    """Every actor's product sequence (see `product_sequence`)."""
    by_actor: dict[str, list[Event]] = defaultdict(list)
    for event in events:
        if event.type in types and event.product_id:
            by_actor[event.actor].append(event)
    return {actor: product_sequence(evs, types) for actor, evs in by_actor.items()}

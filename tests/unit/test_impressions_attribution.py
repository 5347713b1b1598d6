"""Attribution: events are credited to the response and item that led to them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shelfwise.impressions import AttributionConfig, Impression, ShownItem, attribute
from shelfwise.records import Event

T0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)


def _shown(request_id: str, minutes: float, products: list[str], session: str = "s1") -> Impression:
    return Impression(
        request_id=request_id,
        surface="search",
        timestamp=T0 + timedelta(minutes=minutes),
        session_id=session,
        user_id="u1" if session == "s1" else None,
        query="kettle",
        items=tuple(ShownItem(product_id=p, position=i) for i, p in enumerate(products)),
        variants={"exp": "a"},
    )


def _event(
    kind: str,
    product: str,
    minutes: float,
    request_id: str | None = None,
    session: str = "s1",
    **more: object,
) -> Event:
    return Event(
        event_id=f"{kind}-{product}-{minutes}-{request_id}",
        type=kind,  # type: ignore[arg-type]
        session_id=session,
        product_id=product,
        timestamp=T0 + timedelta(minutes=minutes),
        request_id=request_id,
        **more,  # type: ignore[arg-type]
    )


def _labels(examples: list) -> dict[tuple[str, str], tuple[bool, bool, bool, float]]:  # type: ignore[type-arg]
    return {(e.request_id, e.product_id): (e.clicked, e.carted, e.converted, e.revenue) for e in examples}


def test_every_shown_item_is_an_example_and_request_ids_credit_exactly() -> None:
    impressions = [_shown("r1", 0, ["a", "b", "c"]), _shown("r2", 5, ["b", "d"])]
    events = [
        _event("click", "b", 1, "r1"),
        _event("add_to_cart", "b", 2, "r1"),
        _event("purchase", "b", 60, "r1", price=12.5),  # outside every window: the id still credits it
    ]
    examples, stats = attribute(impressions, events)
    assert [(e.request_id, e.product_id, e.position) for e in examples] == [
        ("r1", "a", 0), ("r1", "b", 1), ("r1", "c", 2), ("r2", "b", 0), ("r2", "d", 1),
    ]  # fmt: skip
    labels = _labels(examples)
    assert labels[("r1", "b")] == (True, True, True, 12.5)
    assert labels[("r2", "b")] == (False, False, False, 0.0)
    assert labels[("r1", "a")] == (False, False, False, 0.0)
    assert stats.by_request_id == 3 and stats.by_window == 0 and stats.unattributed == 0
    assert examples[0].variants == {"exp": "a"} and examples[0].query == "kettle"


def test_events_without_request_id_go_to_the_latest_response_in_the_session_window() -> None:
    impressions = [_shown("r1", 0, ["a", "b"]), _shown("r2", 10, ["b", "c"]), _shown("x", 10, ["b"], "s2")]
    events = [
        _event("click", "b", 12),  # r2 is the latest in s1 showing b
        _event("click", "a", 45),  # 45 min after r1: outside the 30-minute click window
        _event("view", "a", 15),  # a view without a request id: browsing, not credited by window
        _event("purchase", "b", 20 * 60, price=3.0),  # 20 h after the credited click on b: conversion window
    ]
    examples, stats = attribute(impressions, events)
    labels = _labels(examples)
    assert labels[("r2", "b")] == (True, False, True, 3.0)
    assert labels[("r1", "b")][0] is False and labels[("r1", "a")][0] is False
    assert labels[("x", "b")] == (False, False, False, 0.0)  # another session's response
    assert stats.by_window == 2 and stats.unattributed == 2
    with_views = attribute(impressions, events, AttributionConfig(window_credits_views=True))[0]
    assert _labels(with_views)[("r1", "a")][0] is True


def test_conversion_window_and_click_types_are_configurable() -> None:
    impressions = [_shown("r1", 0, ["a"])]
    events = [_event("view", "a", 1, "r1"), _event("purchase", "a", 120)]
    tight = AttributionConfig(conversion_window=timedelta(minutes=60))
    labels = _labels(attribute(impressions, events, tight)[0])
    assert labels[("r1", "a")] == (True, False, False, 0.0)
    clicks_only = AttributionConfig(views_are_clicks=False)
    assert _labels(attribute(impressions, events, clicks_only)[0])[("r1", "a")][0] is False


def test_unknown_ids_and_unshown_products_are_not_credited_by_id() -> None:
    impressions = [_shown("r1", 0, ["a"])]
    events = [
        _event("click", "z", 1, "r1"),  # r1 did not show z: related browsing
        _event("click", "a", 2, "gone"),  # an unknown request id, but r1 showed a in this session
    ]
    examples, stats = attribute(impressions, events)
    assert _labels(examples)[("r1", "a")][0] is True
    assert stats.unknown_request_ids == 1 and stats.by_window == 1 and stats.unattributed == 1


def test_a_signed_in_shopper_is_matched_across_sessions_by_user() -> None:
    impressions = [_shown("r1", 0, ["a"])]
    other_session = Event(
        event_id="e1", type="click", user_id="u1", session_id="s9", product_id="a",
        timestamp=T0 + timedelta(minutes=3),
    )  # fmt: skip
    assert _labels(attribute(impressions, [other_session])[0])[("r1", "a")][0] is True

"""Judgments from the shop's own log: events that carry a search answer's request id grade the
product for that answer's query (click 2, cart or purchase 3, the best grade kept)."""

from __future__ import annotations

from datetime import UTC, datetime

from shelfwise.impressions import Impression
from shelfwise.records import Event
from shelfwise.web.admin_search_eval import _length_bucket, judgments_from_log

T0 = datetime(2026, 12, 3, tzinfo=UTC)


def _event(n: int, kind: str, product: str, request_id: str | None) -> Event:
    return Event(
        event_id=f"e{n}", type=kind, user_id="u1", product_id=product, timestamp=T0, request_id=request_id
    )


def test_judgments_join_events_to_search_answers_by_request_id() -> None:
    answers = [
        Impression(request_id="s1", surface="search", timestamp=T0, query=" Red Kettle "),
        Impression(request_id="s2", surface="search", timestamp=T0, query="red kettle"),
        Impression(request_id="s3", surface="search", timestamp=T0, query="   "),
    ]
    events = [
        _event(1, "click", "p1", "s1"),
        _event(2, "purchase", "p1", "s2"),  # the same query (case and spaces aside): grade 3 wins
        _event(3, "click", "p2", "s2"),
        _event(4, "view", "p3", "s1"),  # a view is not a judgment
        _event(5, "click", "p4", "r9"),  # an answer that is not a search
        _event(6, "click", "p5", None),
        _event(7, "click", "p6", "s3"),  # a blank query
    ]
    assert judgments_from_log(answers, events) == {"red kettle": {"p1": 3.0, "p2": 2.0}}


def test_query_length_buckets() -> None:
    assert [_length_bucket(q) for q in ("kettle", "red kettle", "a b c", "a b c d e")] == [
        "1 word", "2 words", "3 words", "4+ words",
    ]  # fmt: skip

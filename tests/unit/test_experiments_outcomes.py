"""Per-unit outcomes from exposures and shoppers' events: the attribution rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from shelfwise.experiments import Experiment, Exposure, UnitOutcome, Variant, build_unit_outcomes
from shelfwise.records import Event

T0 = datetime(2026, 12, 1, 12, tzinfo=UTC)
_ids = count()


def _experiment(unit: str = "user", end: datetime | None = None) -> Experiment:
    variants = (Variant(name="control", share=0.5), Variant(name="treatment", share=0.5))
    return Experiment(name="exp", salt="s", unit=unit, variants=variants, end=end)  # type: ignore[arg-type]


def _exposure(
    unit: str, request_id: str, minutes: int = 0, variant: str = "control", experiment: str = "exp"
) -> Exposure:
    return Exposure(
        experiment=experiment,
        variant=variant,
        unit_id=unit,
        request_id=request_id,
        timestamp=T0 + timedelta(minutes=minutes),
    )


def _event(
    kind: str, minutes: int, user: str | None = "u1", session: str | None = None, **fields: object
) -> Event:
    return Event(
        event_id=f"e{next(_ids)}",
        type=kind,  # type: ignore[arg-type]
        user_id=user,
        session_id=session,
        product_id="p1",
        timestamp=T0 + timedelta(minutes=minutes),
        **fields,  # type: ignore[arg-type]
    )


def test_counts_events_after_the_first_exposure() -> None:
    exposures = [_exposure("u1", "r1"), _exposure("u1", "r2", minutes=10)]
    events = [
        _event("purchase", -1, price=99.0),  # before the first exposure: not caused by it
        _event("click", 1, request_id="r1"),
        _event("click", 2, request_id="r1"),  # a second click on the same request
        _event("click", 3),  # no request id: a click, not a clicked impression
        _event("add_to_cart", 4),
        _event("purchase", 5, price=20.0),
        _event("purchase", 6, price=5.5),
        _event("purchase", 7),  # no price
        _event("view", 8),
    ]
    [outcome] = build_unit_outcomes(_experiment(), exposures, events)
    assert outcome == UnitOutcome(
        unit_id="u1",
        variant="control",
        first_exposure=T0,
        impressions=2,
        clicked_impressions=1,
        clicks=3,
        add_to_carts=1,
        purchases=3,
        revenue=25.5,
        unpriced_purchases=1,
    )
    assert outcome.converted and outcome.clicked


def test_event_naming_an_exposed_request_counts_despite_clock_skew() -> None:
    [outcome] = build_unit_outcomes(
        _experiment(), [_exposure("u1", "r1")], [_event("click", -1, request_id="r1")]
    )
    assert (outcome.clicks, outcome.clicked_impressions) == (1, 1)


def test_window_ends_at_the_experiment_end_or_until() -> None:
    end = T0 + timedelta(hours=1)
    events = [_event("purchase", 30, price=10.0), _event("purchase", 90, price=7.0)]
    [outcome] = build_unit_outcomes(_experiment(end=end), [_exposure("u1", "r1")], events)
    assert (outcome.purchases, outcome.revenue) == (1, 10.0)
    [later] = build_unit_outcomes(
        _experiment(end=end), [_exposure("u1", "r1")], events, until=T0 + timedelta(hours=2)
    )
    assert later.revenue == 17.0


def test_unexposed_units_and_other_experiments_are_ignored() -> None:
    exposures = [
        _exposure("u1", "r1"),
        _exposure("u2", "r2", variant="treatment"),
        _exposure("u3", "r3", experiment="x"),
    ]
    events = [_event("purchase", 1, user="u9", price=1.0), _event("click", 1, user=None, session="s1")]
    outcomes = build_unit_outcomes(_experiment(), exposures, events)
    assert [(o.unit_id, o.variant, o.clicks, o.purchases) for o in outcomes] == [
        ("u1", "control", 0, 0),
        ("u2", "treatment", 0, 0),
    ]


def test_session_experiments_use_the_session_id() -> None:
    events = [_event("click", 1, user="s1"), _event("click", 2, user="u1", session="s1")]
    [outcome] = build_unit_outcomes(_experiment(unit="session"), [_exposure("s1", "r1")], events)
    assert outcome.clicks == 1  # a user id equal to the session id is another unit


def test_first_exposure_decides_the_variant_whatever_the_order() -> None:
    exposures = [
        _exposure("u1", "r2", minutes=5, variant="treatment"),
        _exposure("u1", "r1", variant="control"),
    ]
    [outcome] = build_unit_outcomes(_experiment(), exposures, [])
    assert (outcome.variant, outcome.first_exposure, outcome.impressions) == ("control", T0, 2)

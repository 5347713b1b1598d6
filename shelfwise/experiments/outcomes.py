"""Per-unit outcomes of an experiment, built from its exposures and the shoppers' events.

A unit is a user (`Event.user_id`) or a session (`Event.session_id`), as the experiment says.
An event counts for a unit when the unit was exposed and the event happened at or after the
unit's first exposure and before the analysis window closes (the experiment's end unless told
otherwise). An event whose `request_id` names one of the unit's exposed requests counts whatever
its timestamp says (the request caused it; client and server clocks differ).

Counted: clicks, add-to-carts, purchases and revenue (the sum of purchase prices; a purchase
without a price adds nothing to revenue and is counted in `unpriced_purchases`). Impressions are
the unit's exposed requests; `clicked_impressions` those of them that a click names by
`request_id`, so clicked_impressions / impressions is a click-through rate per impression.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from shelfwise.experiments.definitions import Experiment
from shelfwise.experiments.exposure import Exposure
from shelfwise.records import Event


class UnitOutcome(BaseModel):
    """What one exposed unit did while in the experiment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    unit_id: str
    variant: str = Field(description="the variant of the unit's first exposure")
    first_exposure: datetime
    impressions: int = Field(default=1, ge=0, description="exposed requests")
    clicked_impressions: int = Field(default=0, ge=0, description="exposed requests with a click")
    clicks: int = Field(default=0, ge=0)
    add_to_carts: int = Field(default=0, ge=0)
    purchases: int = Field(default=0, ge=0)
    revenue: float = Field(default=0.0, ge=0)
    unpriced_purchases: int = Field(default=0, ge=0)

    @property
    def converted(self) -> bool:
        return self.purchases > 0

    @property
    def clicked(self) -> bool:
        return self.clicks > 0


@dataclass
class _Tally:
    variant: str
    first_exposure: datetime
    requests: set[str] = field(default_factory=set)
    clicked_requests: set[str] = field(default_factory=set)
    clicks: int = 0
    add_to_carts: int = 0
    purchases: int = 0
    revenue: float = 0.0
    unpriced: int = 0

    def outcome(self, unit_id: str) -> UnitOutcome:
        return UnitOutcome(
            unit_id=unit_id,
            variant=self.variant,
            first_exposure=self.first_exposure,
            impressions=len(self.requests),
            clicked_impressions=len(self.clicked_requests),
            clicks=self.clicks,
            add_to_carts=self.add_to_carts,
            purchases=self.purchases,
            revenue=self.revenue,
            unpriced_purchases=self.unpriced,
        )


def _tallies(experiment: Experiment, exposures: Iterable[Exposure]) -> dict[str, _Tally]:
    """One tally per exposed unit, keyed by unit id; the earliest exposure sets the variant."""
    tallies: dict[str, _Tally] = {}
    for exposure in sorted(
        (e for e in exposures if e.experiment == experiment.name), key=lambda e: e.timestamp
    ):
        tally = tallies.get(exposure.unit_id)
        if tally is None:
            tally = tallies[exposure.unit_id] = _Tally(exposure.variant, exposure.timestamp)
        tally.requests.add(exposure.request_id)
    return tallies


def event_unit(experiment: Experiment, event: Event) -> str | None:
    """The id of the unit that did `event` in this experiment's terms, if it has one."""
    return event.user_id if experiment.unit == "user" else event.session_id


def _attributable(tally: _Tally, event: Event, until: datetime | None) -> bool:
    if event.request_id is not None and event.request_id in tally.requests:
        return True
    return event.timestamp >= tally.first_exposure and (until is None or event.timestamp < until)


def _count(tally: _Tally, event: Event) -> None:
    if event.type == "click":
        tally.clicks += 1
        if event.request_id is not None and event.request_id in tally.requests:
            tally.clicked_requests.add(event.request_id)
    elif event.type == "add_to_cart":
        tally.add_to_carts += 1
    elif event.type == "purchase":
        tally.purchases += 1
        if event.price is None:
            tally.unpriced += 1
        else:
            tally.revenue += event.price


def build_unit_outcomes(
    experiment: Experiment,
    exposures: Iterable[Exposure],
    events: Iterable[Event],
    until: datetime | None = None,
) -> list[UnitOutcome]:
    """One outcome per exposed unit (units with no events included), sorted by unit id.
    `events` is read once, in any order; `until` defaults to the experiment's end."""
    tallies = _tallies(experiment, exposures)
    window_end = until if until is not None else experiment.end
    for event in events:
        if event.type not in ("click", "add_to_cart", "purchase"):
            continue
        unit_id = event_unit(experiment, event)
        tally = tallies.get(unit_id) if unit_id is not None else None
        if tally is not None and _attributable(tally, event, window_end):
            _count(tally, event)
    return [tallies[unit_id].outcome(unit_id) for unit_id in sorted(tallies)]

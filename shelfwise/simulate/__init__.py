"""The shopper simulator: simulated shoppers' event histories over a catalog (`shoppers`), and
the closed loop in which they search and browse a running shop (`loop`). It sits above the
service: the closed loop drives a `Shelfwise`."""

from __future__ import annotations

from shelfwise.simulate.catalog import DEMO_COMPLEMENTS
from shelfwise.simulate.shoppers import (
    ShopperSimulation,
    ShopperTruth,
    SimulatedHistory,
    simulate_shoppers,
    write_events_jsonl,
)

__all__ = [
    "DEMO_COMPLEMENTS",
    "ShopperSimulation",
    "ShopperTruth",
    "SimulatedHistory",
    "simulate_shoppers",
    "write_events_jsonl",
]

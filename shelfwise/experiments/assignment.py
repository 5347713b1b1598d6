"""Deterministic assignment of units to variants by hashing.

`bucket = sha256(salt "\\n" name "\\n" unit_id)`, its first 53 bits divided by 2**53: a number in
[0, 1) that depends on nothing but those three strings, so it is the same in every process, on
every machine and in every release (tests pin known values), and adding or changing another
experiment never moves a unit. The bucket falls into the variants' cumulative shares in their
defined order. Salt and name cannot contain the newline (validated), so the joined text is
unambiguous.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import accumulate

from pydantic import JsonValue

from shelfwise.experiments.definitions import Experiment

_BITS = 53  # a float holds 53 bits exactly, so the bucket is < 1 without rounding


def bucket(salt: str, experiment: str, unit_id: str) -> float:
    """The unit's position in [0, 1) for this experiment."""
    digest = hashlib.sha256(f"{salt}\n{experiment}\n{unit_id}".encode()).digest()
    return (int.from_bytes(digest[:8], "big") >> (64 - _BITS)) / float(1 << _BITS)


@dataclass(frozen=True)
class Assignment:
    """The variant one unit gets in one experiment, with the settings that variant overrides."""

    experiment: str
    variant: str
    unit_id: str
    settings: dict[str, JsonValue] = field(default_factory=dict)


def variant_index(experiment: Experiment, position: float) -> int:
    """Index of the variant whose cumulative share interval holds `position` (in [0, 1))."""
    bounds = list(accumulate(variant.share for variant in experiment.variants))
    # the last bound may be 0.9999999 after float sums: anything beyond belongs to the last variant
    return min(bisect_right(bounds, position), len(experiment.variants) - 1)


def assign(experiment: Experiment, unit_id: str) -> Assignment:
    if not unit_id:
        raise ValueError("unit_id must not be empty")
    index = variant_index(experiment, bucket(experiment.salt, experiment.name, unit_id))
    chosen = experiment.variants[index]
    return Assignment(experiment.name, chosen.name, unit_id, dict(chosen.settings))

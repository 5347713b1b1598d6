"""Deterministic query splits for tuning and validation. Pure functions.

A query goes to validation when a hash of `(seed, query_id)` falls below `validation_fraction`.
The decision for one query depends on nothing else, so the split is the same on every machine
and run, and when more queries arrive the old ones stay where they were. The validation share
is therefore close to, not exactly, the fraction asked for (binomial noise: about
±sqrt(n * f * (1 - f)) queries).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import NamedTuple

from shelfwise.evaluate.trec import Judgments

__all__ = [
    "JudgmentsSplit",
    "QuerySplit",
    "is_validation_query",
    "split_judgments",
    "split_queries",
]

_HASH_SPACE = float(2**64)


class QuerySplit(NamedTuple):
    """Query ids of each part, in input order."""

    tuning: tuple[str, ...]
    validation: tuple[str, ...]


class JudgmentsSplit(NamedTuple):
    tuning: Judgments
    validation: Judgments


def _check_fraction(validation_fraction: float) -> None:
    if not 0.0 <= validation_fraction <= 1.0:
        raise ValueError(f"validation_fraction must be in [0, 1], got {validation_fraction}")


def _unit_hash(seed: int, query_id: str) -> float:
    """A number in [0, 1) fixed by (seed, query_id): the first 8 bytes of a SHA-256."""
    digest = hashlib.sha256(f"{seed}\x00{query_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _HASH_SPACE


def is_validation_query(query_id: str, validation_fraction: float, seed: int) -> bool:
    """Whether `query_id` belongs to the validation part."""
    _check_fraction(validation_fraction)
    return _unit_hash(seed, query_id) < validation_fraction


def split_queries(query_ids: Iterable[str], validation_fraction: float, seed: int) -> QuerySplit:
    """Split query ids into (tuning, validation); repeated ids are kept once."""
    _check_fraction(validation_fraction)
    tuning: list[str] = []
    validation: list[str] = []
    for query_id in dict.fromkeys(query_ids):
        part = validation if _unit_hash(seed, query_id) < validation_fraction else tuning
        part.append(query_id)
    return QuerySplit(tuple(tuning), tuple(validation))


def split_judgments(judgments: Judgments, validation_fraction: float, seed: int) -> JudgmentsSplit:
    """Split judgments by query, with the same rule as `split_queries`."""
    split = split_queries(judgments.query_ids, validation_fraction, seed)
    return JudgmentsSplit(
        tuning=judgments.subset(split.tuning),
        validation=judgments.subset(split.validation),
    )

"""Labelled impressions as columns (numpy arrays), their splits and their digest.

The ranker reads `LabeledImpression` records once into `Impressions`: one array per field, so
that features, labels and splits are vectorised. Splits never put rows of one request on two
sides: "time" orders requests by when they were served (the latest ones are held out, as a
model trained today is used tomorrow), "request" assigns whole requests by a seeded hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Literal

import numpy as np

from shelfwise.impressions.records import LabeledImpression

SplitKind = Literal["time", "request"]


def _objects(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@dataclass(frozen=True)
class Impressions:
    """Columns of labelled impressions (row i of every array is one shown item)."""

    request_ids: np.ndarray  # object (str)
    surfaces: np.ndarray  # object (str)
    timestamps: np.ndarray  # float64, unix seconds (UTC)
    product_ids: np.ndarray  # object (str)
    positions: np.ndarray  # int64
    actors: np.ndarray  # object (str or None)
    queries: np.ndarray  # object (str or None)
    clicked: np.ndarray  # bool
    converted: np.ndarray  # bool
    revenue: np.ndarray  # float64
    true_ctr: np.ndarray  # float64, nan where unknown
    true_cvr: np.ndarray  # float64, nan where unknown

    @classmethod
    def from_records(cls, records: Sequence[LabeledImpression]) -> Impressions:
        def nan_if_none(v: float | None) -> float:
            return np.nan if v is None else float(v)

        return cls(
            request_ids=_objects([r.request_id for r in records]),
            surfaces=_objects([r.surface for r in records]),
            timestamps=np.array([r.timestamp.timestamp() for r in records], dtype=np.float64),
            product_ids=_objects([r.product_id for r in records]),
            positions=np.array([r.position for r in records], dtype=np.int64),
            actors=_objects([r.actor for r in records]),
            queries=_objects([r.query or None for r in records]),
            clicked=np.array([r.clicked for r in records], dtype=bool),
            converted=np.array([r.converted for r in records], dtype=bool),
            revenue=np.array([r.revenue for r in records], dtype=np.float64),
            true_ctr=np.array([nan_if_none(r.true_ctr) for r in records], dtype=np.float64),
            true_cvr=np.array([nan_if_none(r.true_cvr) for r in records], dtype=np.float64),
        )

    def __len__(self) -> int:
        return int(self.positions.size)

    def take(self, rows: np.ndarray) -> Impressions:
        return Impressions(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    @property
    def click_labels(self) -> np.ndarray:
        return self.clicked.astype(np.float32)

    @property
    def ctcvr_labels(self) -> np.ndarray:
        """Clicked and converted: the ESMM target over all impressions."""
        return (self.clicked & self.converted).astype(np.float32)

    @property
    def has_true_probabilities(self) -> bool:
        return bool(len(self)) and not (np.isnan(self.true_ctr).any() or np.isnan(self.true_cvr).any())

    def request_codes(self) -> np.ndarray:
        """A 0-based integer per distinct request, in order of first appearance."""
        _, first, inverse = np.unique(self.request_ids.astype(str), return_index=True, return_inverse=True)
        order = np.argsort(np.argsort(first, kind="stable"), kind="stable")
        return order[inverse]


@dataclass(frozen=True)
class Split:
    """Row positions of the three parts: fit on `train`, stop early on `validation`, report
    and decide publishing on `test`."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray


def split_impressions(
    data: Impressions, kind: SplitKind, validation_fraction: float, test_fraction: float, seed: int
) -> Split:
    """Whole requests to each part; with "time" the latest requests are the test part, the ones
    before them validation (requests ordered by their first row's time, then id)."""
    held_out = validation_fraction + test_fraction
    if not 0 < validation_fraction < 1 or not 0 < test_fraction < 1 or held_out >= 1:
        raise ValueError("validation and test fractions must be in (0, 1) and sum below 1")
    codes = data.request_codes()
    n_requests = int(codes.max()) + 1 if len(data) else 0
    if n_requests < 3:
        raise ValueError(f"{n_requests} requests are too few to split into train, validation and test")
    if kind == "time":
        first_time = np.full(n_requests, np.inf)
        np.minimum.at(first_time, codes, data.timestamps)
        rank = np.empty(n_requests, dtype=np.float64)
        rank[np.lexsort((np.arange(n_requests), first_time))] = np.arange(n_requests)
        quantile = rank / n_requests
    elif kind == "request":
        ids = np.empty(n_requests, dtype=object)
        ids[codes] = data.request_ids
        quantile = np.array([_unit_hash(str(r), seed) for r in ids])
    else:
        raise ValueError(f"unknown split {kind!r}: time or request")
    part = np.where(quantile >= 1 - test_fraction, 2, np.where(quantile >= 1 - held_out, 1, 0))
    row_part = part[codes]
    return Split(*(np.flatnonzero(row_part == p) for p in range(3)))


def _unit_hash(text: str, seed: int) -> float:
    digest = hashlib.blake2b(f"{seed}:{text}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") / 2**64


def impressions_digest(data: Impressions) -> str:
    """sha256 (first 16 hex) over the rows' ids, positions, times and labels, in order."""
    digest = hashlib.sha256()
    for column in (data.request_ids, data.product_ids, data.surfaces, data.actors, data.queries):
        digest.update("\x1f".join("" if v is None else str(v) for v in column).encode())
    for array in (data.positions, data.timestamps, data.clicked, data.converted):
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:16]

"""Exposures: which variant a unit was served, per request. The `ExposureLog` protocol.

An exposure is recorded when a request is actually served under an experiment (not when a unit
is merely assigned), so the analysis counts only units that could have reacted to their variant.
Recording is idempotent by (experiment, request_id): a retried request is one exposure, and the
first record wins.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field, field_validator


class Exposure(BaseModel):
    """One request served to one unit under one variant of one experiment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    experiment: str = Field(min_length=1, max_length=128)
    variant: str = Field(min_length=1, max_length=64)
    unit_id: str = Field(min_length=1, max_length=256)
    request_id: str = Field(min_length=1, max_length=256)
    timestamp: datetime = Field(description="when it was served; naive times are read as UTC")
    surface: str = Field(default="search", min_length=1, max_length=64)

    @field_validator("timestamp")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class RecordOutcome(StrEnum):
    RECORDED = "recorded"
    DUPLICATE = "duplicate"
    """The experiment already has an exposure with this request_id (or one came earlier in the batch)."""


@runtime_checkable
class ExposureLog(Protocol):
    """Durable exposure storage: `record` returns only once its new exposures are durable."""

    def record(self, exposures: Sequence[Exposure]) -> list[RecordOutcome]:
        """Store the exposures as one batch; one outcome per exposure, in order."""
        ...

    def exposures(self, experiment: str) -> list[Exposure]:
        """Every exposure of one experiment, oldest first (ties in recording order)."""
        ...

    def count(self, experiment: str | None = None) -> int:
        """Exposures of one experiment, or of all of them."""
        ...

    def experiments(self) -> list[str]:
        """Names of the experiments with at least one exposure, sorted."""
        ...

    def forget_user(self, user_id: str, session_ids: Collection[str] = ()) -> int:
        """Delete the exposures whose unit is the shopper or one of the named sessions; returns
        how many went."""
        ...

    def purge_before(self, cutoff: datetime) -> int:
        """Delete the exposures served before `cutoff` (retention); returns how many went."""
        ...

    def close(self) -> None: ...

"""What an A/B experiment is: its variants, their traffic shares and settings overrides, its window."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator, model_validator

Unit = Literal["user", "session"]
SHARE_TOLERANCE = 1e-6
NAME_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Variant(BaseModel):
    """One arm: its share of the experiment's traffic and the settings it overrides."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=NAME_PATTERN)
    share: float = Field(gt=0, le=1, description="share of the experiment's units, (0, 1]")
    settings: dict[str, JsonValue] = Field(
        default_factory=dict, description="overrides for this arm, e.g. {'fusion': 'weighted'}"
    )


class Experiment(BaseModel):
    """An A/B(/n) experiment. The first variant is the control that the others are compared with.

    A unit ('user': a signed-in shopper's user_id, 'session': a visit's session_id) is assigned by
    hashing salt, name and unit id (`assignment.py`), so changing the salt, the shares or the
    order of the variants reassigns units: do that only for a new experiment.
    `surfaces` names where it runs ('search', 'recommend', ...); empty means every surface.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=128, pattern=NAME_PATTERN)
    unit: Unit = "user"
    variants: tuple[Variant, ...] = Field(min_length=2)
    salt: str = Field(min_length=1, max_length=128)
    surfaces: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    description: str = ""

    @field_validator("salt")
    @classmethod
    def _no_newline(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("must not contain a newline (it separates the hashed fields)")
        return value

    @field_validator("start", "end")
    @classmethod
    def _as_utc(cls, value: datetime | None) -> datetime | None:
        return _utc(value)

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        names = [variant.name for variant in self.variants]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"variant names must be unique; repeated: {', '.join(repeated)}")
        total = math.fsum(variant.share for variant in self.variants)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            shares = ", ".join(f"{v.name}={v.share:g}" for v in self.variants)
            raise ValueError(f"variant shares must sum to 1, got {total:.6g} ({shares})")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"end ({self.end.isoformat()}) must be after start ({self.start.isoformat()})")
        return self

    @property
    def control(self) -> Variant:
        return self.variants[0]

    def variant(self, name: str) -> Variant:
        for variant in self.variants:
            if variant.name == name:
                return variant
        raise KeyError(f"experiment '{self.name}' has no variant '{name}'")

    def is_running(self, at: datetime) -> bool:
        """Whether `at` lies in [start, end); an open end runs for ever."""
        moment = _utc(at)
        assert moment is not None
        if self.start is not None and moment < self.start:
            return False
        return self.end is None or moment < self.end

    def applies_to(self, surface: str) -> bool:
        return not self.surfaces or surface in self.surfaces

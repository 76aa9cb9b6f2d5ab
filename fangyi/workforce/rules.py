"""The edition's workforce rules: the shift pattern and the limits of a person's hours, over
Fangyi's defaults (defaults.toml). No number here: they are data."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fangyi.protocols.reader import Protocol, ProtocolError, current
from fangyi.timeutil import local_tz

DEFAULTS = Path(__file__).parent / "defaults.toml"


class ShiftSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    code: str = Field(min_length=1, max_length=20)
    start: str = Field(pattern=r"^\d{2}:\d{2}$")
    hours: int = Field(ge=1, le=24)
    night: bool = False


class Rules(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    shifts: tuple[ShiftSpec, ...] = Field(min_length=1)
    max_shift_hours: int = Field(ge=1)
    max_week_hours: int = Field(ge=1)
    min_rest_hours: int = Field(ge=0)
    positive_pool_test_days: tuple[int, ...] = ()

    def shift(self, code: str) -> ShiftSpec | None:
        return next((s for s in self.shifts if s.code == code), None)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.shifts)


@lru_cache(maxsize=1)
def _defaults() -> dict[str, Any]:
    data: dict[str, Any] = tomllib.loads(DEFAULTS.read_text(encoding="utf-8"))["workforce"]
    return data


_CACHE: dict[int, tuple[Protocol, Rules]] = {}


def rules(edition: Protocol | None = None) -> Rules:
    """The workforce rules of an edition (the one in force by default)."""
    edition = edition or current()
    cached = _CACHE.get(id(edition))
    if cached is not None and cached[0] is edition:
        return cached[1]
    try:
        found = Rules.model_validate({**_defaults(), **edition.workforce})
    except ValidationError as exc:
        raise ProtocolError(f"protocol edition {edition.edition!r}: [workforce] is invalid: {exc}") from exc
    _CACHE[id(edition)] = (edition, found)
    return found


@dataclass(frozen=True, order=True)
class Slot:
    """One shift on one local day: when it starts and ends (UTC)."""

    starts_at: datetime
    ends_at: datetime
    day: date
    code: str
    night: bool

    @property
    def hours(self) -> float:
        return (self.ends_at - self.starts_at).total_seconds() / 3600


def slot(found: Rules, day: date, code: str) -> Slot | None:
    spec = found.shift(code)
    if spec is None:
        return None
    hour, minute = (int(part) for part in spec.start.split(":"))
    start = datetime.combine(day, time(hour, minute), tzinfo=local_tz())
    end = start + timedelta(hours=spec.hours)
    return Slot(start.astimezone(UTC), end.astimezone(UTC), day, spec.code, spec.night)


def slots(found: Rules, first: date, days: int) -> list[Slot]:
    """Every shift of `days` days from `first`, in time order."""
    out = [slot(found, first + timedelta(days=n), spec.code) for n in range(days) for spec in found.shifts]
    return sorted(s for s in out if s is not None)


def week_of(day: date) -> date:
    """The Monday of the calendar week holding `day` (weeks run Monday to Sunday)."""
    return day - timedelta(days=day.weekday())

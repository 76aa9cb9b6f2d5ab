"""What quarantine tells the parts above it (tracing's contacts learn when they were placed; later,
transport moves them)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fangyi.events import Event


@dataclass(frozen=True)
class Placed:
    placement_id: int
    person_id: int
    contact_id: int | None  # tracing's contact the request came from, if any
    setting: str  # centralized | home


@dataclass(frozen=True)
class PlacementsMade(Event):
    """A batch of requests placed at one moment (the quarantine start of everyone in it)."""

    at: datetime
    placed: tuple[Placed, ...]

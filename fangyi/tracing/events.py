"""What tracing tells the parts after it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fangyi.events import Event


@dataclass(frozen=True)
class CaseConfirmed(Event):
    """A case was opened (typed, sent to the API, imported or confirmed from screening), its contacts
    derived: zones are proposed around it."""

    case_id: int
    case_no: str
    person_id: int
    area_code: str  # where the case's person lives
    confirmed_at: datetime

"""What zones add to the daily report: the zones and the risk areas in force at the end of the day,
counted within the reader's jurisdiction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.zones import service


def zone_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    """`as_of` is not rebuilt here (the zones' states change in place): the command's report says so."""
    return dict(service.counts(session, who, day, ("sealed", "controlled", "precaution")))


def risk_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    return dict(service.counts(session, who, day, ("high", "medium")))

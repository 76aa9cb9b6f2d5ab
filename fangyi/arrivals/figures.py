"""What arrivals adds to the daily report, counted within the reader's jurisdiction."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.arrivals import service


def arrival_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    """`as_of` is not rebuilt here (visits are marked done in place): the command's report says so."""
    return service.figures(session, who, day)

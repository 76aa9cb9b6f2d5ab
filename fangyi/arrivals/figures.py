"""What arrivals adds to the daily report, counted within the reader's jurisdiction."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.arrivals import service


def arrival_figures(session: Session, day: date, who: Principal) -> dict[str, Any]:
    return service.figures(session, who, day)

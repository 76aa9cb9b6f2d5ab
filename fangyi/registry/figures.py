"""What the registry adds to the daily report: current totals (formats.md)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.registry.models import Area, Checkin, Household, Person, Venue


def figures(session: Session, day: date, who: Principal) -> dict[str, int]:
    # The registry figures are current totals whatever the day asked for.
    def count(statement: object) -> int:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]

    return {
        "areas": count(select(func.count()).select_from(Area)),
        "persons": count(select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None))),
        "households": count(select(func.count()).select_from(Household)),
        "venues": count(select(func.count()).select_from(Venue)),
        "checkins": count(select(func.count()).select_from(Checkin)),
    }

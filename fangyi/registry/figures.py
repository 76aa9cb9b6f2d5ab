"""What the registry adds to the daily report: current totals (formats.md), within the jurisdiction
of whoever asks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from fangyi.access import Principal, county_wide, in_jurisdiction
from fangyi.registry.models import Area, Checkin, Household, Person, Venue


def figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, int]:
    # The registry figures are current totals whatever the day asked for; `as_of` leaves out the
    # persons registered after it (merges since are not undone: the command's report says so).
    def count(statement: Select[int]) -> int:
        return int(session.scalar(statement) or 0)

    everything = county_wide(who)

    def within(column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return true() if everything else in_jurisdiction(who, column)

    stays = select(func.count()).select_from(Checkin)
    if not everything:
        # A stay counts where its person lives, as the check-in lists do; the whole county's are
        # counted without the join (millions of rows).
        stays = stays.join(Person, Person.id == Checkin.person_id).where(within(Person.area_code))
    return {
        "areas": count(select(func.count()).select_from(Area).where(within(Area.code))),
        "persons": count(select(func.count()).select_from(Person).where(
            Person.merged_into_id.is_(None), within(Person.area_code),
            true() if as_of is None else Person.created_at <= as_of)),
        "households": count(select(func.count()).select_from(Household).where(within(Household.area_code))),
        "venues": count(select(func.count()).select_from(Venue).where(within(Venue.area_code))),
        "checkins": count(stays),
    }

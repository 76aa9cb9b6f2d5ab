"""What the registry adds to the daily report: current totals (formats.md), within the jurisdiction
of whoever asks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ColumnElement, Select, func, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from fangyi.access import Principal, county_wide, in_jurisdiction
from fangyi.registry import tally
from fangyi.registry.models import Area, Checkin, Household, Person, Venue


def figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, int]:
    # The registry figures are current totals whatever the day asked for; `as_of` leaves out the
    # persons registered after it (merges since are not undone: the command's report says so).
    def count(statement: Select[int]) -> int:
        return int(session.scalar(statement) or 0)

    everything = county_wide(who)

    def within(column: InstrumentedAttribute[str]) -> ColumnElement[bool]:
        return true() if everything else in_jurisdiction(who, column)

    if everything:
        # The whole county's: counted incrementally (tally.py), not row by row on every report.
        stays = tally.rows(session, Checkin, (Checkin.person_id, Checkin.venue_id, Checkin.in_at))
        persons = tally.rows(session, Person, (Person.id_number,)) - count(
            select(func.count()).select_from(Person).where(Person.merged_into_id.is_not(None)))
        if as_of is not None:
            persons -= count(select(func.count()).select_from(Person).where(
                Person.merged_into_id.is_(None), Person.created_at > as_of))
    else:
        # A stay counts where its person lives, as the check-in lists do.
        stays = count(select(func.count()).select_from(Checkin).join(Person, Person.id == Checkin.person_id)
                      .where(within(Person.area_code)))
        persons = count(select(func.count()).select_from(Person).where(
            Person.merged_into_id.is_(None), within(Person.area_code),
            true() if as_of is None else Person.created_at <= as_of))
    return {
        "areas": count(select(func.count()).select_from(Area).where(within(Area.code))),
        "persons": persons,
        "households": count(select(func.count()).select_from(Household).where(within(Household.area_code))),
        "venues": count(select(func.count()).select_from(Venue).where(within(Venue.area_code))),
        "checkins": stays,
    }

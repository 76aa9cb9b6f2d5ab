"""What tracing adds to the daily report: `cases` and `contacts` as of the end of a local day.

Each figure is counted from the times records carry (confirmation, first
derivation, decision, reach attempt), so a report can be rebuilt for any past
day. A case ruled out leaves the case counts from the day it was ruled out.

`as_of`: the figures as the records stood at that moment. The cases are rebuilt from the audit
trail (classification, source, confirmation, ruling out, person as they stood; a case entered later
does not count); the contacts are counted from what was recorded by then, each contact's degree and
decision as they stand now (the command's report says so).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, not_, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, Session

from fangyi.access import Principal, county_wide, in_jurisdiction
from fangyi.audit.asof import as_of as rebuilt
from fangyi.registry.models import Person
from fangyi.timeutil import aware, day_bounds, parse_instant
from fangyi.tracing.models import Case, Contact, ReachAttempt


def _count(session: Session, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def _living_in(who: Principal, person_id: InstrumentedAttribute[int]) -> ColumnElement[bool]:
    """Rows whose person lives in the asker's jurisdiction."""
    if county_wide(who):
        return true()
    return person_id.in_(select(Person.id).where(in_jurisdiction(who, Person.area_code)))


def case_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, int]:
    if as_of is not None:
        return _case_figures_as_of(session, day, who, as_of)
    start, end = day_bounds(day)
    mine = _living_in(who, Case.person_id)

    def cases(*where: ColumnElement[bool]) -> int:
        return _count(session, select(func.count()).select_from(Case).where(
            Case.confirmed_at < end, or_(Case.ruled_out_at.is_(None), Case.ruled_out_at >= end), mine, *where))

    return {
        "new": cases(Case.confirmed_at >= start),
        "total": cases(),
        "confirmed": cases(Case.classification == "confirmed"),
        "asymptomatic": cases(Case.classification == "asymptomatic"),
        "imported": cases(Case.source == "imported"),
        "local": cases(Case.source == "local"),
    }


# A case's fields the counts read, rebuilt as they stood at a moment.
_COUNTED = ("person_id", "classification", "confirmed_at", "source", "ruled_out_at")


def _case_figures_as_of(session: Session, day: date, who: Principal, moment: datetime) -> dict[str, int]:
    start, end = day_bounds(day)
    columns = [getattr(Case, name) for name in _COUNTED]
    now_rows = {row.id: {name: getattr(row, name) for name in _COUNTED}
                for row in session.execute(select(Case.id, *columns).where(Case.created_at <= moment))}
    stood = rebuilt(session, "case", now_rows, moment).values()

    def instant(value: Any) -> datetime | None:
        return None if value is None else aware(value) if isinstance(value, datetime) else parse_instant(value)

    mine = None if county_wide(who) else set(session.scalars(
        select(Person.id).where(in_jurisdiction(who, Person.area_code))))
    counted = []
    for case in stood:
        confirmed, ruled_out = instant(case["confirmed_at"]), instant(case["ruled_out_at"])
        if confirmed is None or confirmed >= end or (ruled_out is not None and ruled_out < end):
            continue
        if mine is not None and case["person_id"] not in mine:
            continue
        counted.append({**case, "new": confirmed >= start})
    return {
        "new": sum(1 for case in counted if case["new"]),
        "total": len(counted),
        "confirmed": sum(1 for case in counted if case["classification"] == "confirmed"),
        "asymptomatic": sum(1 for case in counted if case["classification"] == "asymptomatic"),
        "imported": sum(1 for case in counted if case["source"] == "imported"),
        "local": sum(1 for case in counted if case["source"] == "local"),
    }


def _standing(end: Any) -> ColumnElement[bool]:
    """Contacts on the lists at that moment: derived by then, not yet rejected or dropped."""
    return and_(
        Contact.created_at < end,
        not_(and_(Contact.status == "rejected", Contact.decided_at < end)),
        not_(and_(Contact.stale.is_(True), Contact.stale_at < end, Contact.status != "confirmed")),
    )


def contact_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None
                    ) -> dict[str, int]:
    """Persons, not rows: someone who is a contact of two cases counts once, and a close
    contact of one case is not counted again as another's secondary contact.

    `unreached`: persons confirmed as contacts by the end of the day whom no reach
    attempt had reached by then.
    """
    start, end = day_bounds(day)
    if as_of is not None:  # what was recorded by then: derivations, decisions and calls carry their times
        end = min(end, as_of)
    standing = and_(_standing(end), _living_in(who, Contact.person_id))
    close_people = select(Contact.person_id).where(standing, Contact.degree == "close")
    confirmed = and_(Contact.status == "confirmed", Contact.decided_at < end, _living_in(who, Contact.person_id))
    reached = exists().where(
        ReachAttempt.contact_id == Contact.id, ReachAttempt.outcome == "reached", ReachAttempt.at < end
    )

    def people(*where: ColumnElement[bool]) -> int:
        return _count(session, select(func.count(func.distinct(Contact.person_id))).where(*where))

    reached_people = select(Contact.person_id).where(confirmed, reached)
    return {
        "close": people(standing, Contact.degree == "close"),
        "secondary": people(standing, Contact.degree == "secondary", Contact.person_id.not_in(close_people)),
        "confirmed_today": people(Contact.status == "confirmed", Contact.decided_at >= start,
                                  Contact.decided_at < end, _living_in(who, Contact.person_id)),
        "unreached": people(confirmed, Contact.person_id.not_in(reached_people)),
    }

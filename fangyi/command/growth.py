"""How fast the local outbreak grows, and whether tracing keeps up (issue 18).

- The growth rate r a day: the week's local cases by confirmation date against the week before,
  r = ln(this week / last week) / 7; the doubling time ln 2 / r while it grows, the halving time
  ln 2 / -r while it shrinks. A week-on-week ratio rather than a fitted line: it reads the same
  on paper, and a weekday's testing rhythm cancels out.
- The share of the week's new local cases already under control when found: at their confirmation
  they were in quarantine (a placement running, or the case's own quarantine start recorded), on
  a contact list of another case (derived before, not rejected before), or found by the testing of
  people under control (`found_by` under_control). A low share says transmission runs ahead of
  tracing.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction, require
from fangyi.quarantine.models import Placement
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds, today
from fangyi.tracing.models import Case, Contact

WEEK = 7


def rate(this_week: int, last_week: int, days: int = WEEK) -> dict[str, float | None]:
    """The growth rate a day, and the doubling or halving time in days (None where not defined:
    no case in one of the weeks, or no change)."""
    if this_week <= 0 or last_week <= 0:
        return {"growth_rate": None, "doubling_days": None, "halving_days": None}
    r = math.log(this_week / last_week) / days
    return {"growth_rate": round(r, 4),
            "doubling_days": round(math.log(2) / r, 1) if r > 0 else None,
            "halving_days": round(math.log(2) / -r, 1) if r < 0 else None}


def _under_control() -> Any:
    """Whether a case's person was under control at the case's confirmation (a SQL condition)."""
    in_quarantine = exists().where(Placement.person_id == Case.person_id, Placement.placed_at <= Case.confirmed_at,
                                   or_(Placement.ended_at.is_(None), Placement.ended_at > Case.confirmed_at))
    on_a_list = exists().where(
        Contact.person_id == Case.person_id, Contact.case_id != Case.id, Contact.created_at <= Case.confirmed_at,
        or_(Contact.stale_at.is_(None), Contact.stale_at > Case.confirmed_at),
        ~and_(Contact.status == "rejected", Contact.decided_at <= Case.confirmed_at))
    return or_(Case.found_by == "under_control", Case.isolated_at <= Case.confirmed_at, in_quarantine, on_a_list)


def growth(session: Session, actor: Principal, *, until: date | None = None) -> dict[str, Any]:
    """The week ending `until` (today): its local cases against the week before, the growth rate
    and doubling (halving) time, and how many of its cases were under control when found."""
    require(actor, "read_report")
    last = until or today()
    start, end = day_bounds(last - timedelta(days=WEEK - 1))[0], day_bounds(last)[1]
    before = day_bounds(last - timedelta(days=2 * WEEK - 1))[0]
    local = (select(func.count()).select_from(Case).join(Person, Person.id == Case.person_id)
             .where(Case.ruled_out_at.is_(None), Case.source == "local", in_jurisdiction(actor, Person.area_code)))
    this_week = session.scalar(local.where(Case.confirmed_at >= start, Case.confirmed_at < end)) or 0
    last_week = session.scalar(local.where(Case.confirmed_at >= before, Case.confirmed_at < start)) or 0
    controlled = session.scalar(local.where(Case.confirmed_at >= start, Case.confirmed_at < end,
                                            _under_control())) or 0
    return {"date": last.isoformat(), "days": WEEK, "cases": this_week, "cases_before": last_week,
            **rate(this_week, last_week), "under_control": controlled,
            "under_control_share": round(controlled / this_week, 4) if this_week else None}

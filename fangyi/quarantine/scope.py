"""Where each quarantine record lies, for the jurisdiction checks every service here makes.

- A placement request and a transport request lie where the person lives (their area code).
- A site and its rooms lie at the site's area: a site manager of 洣水镇 runs the sites of 洣水镇.
- A placement (with its health checks, tests and alerts) lies where the person lives; a placement
  at a site lies at the site as well, since the site's staff care for everyone in it, wherever
  they come from (the board, the checks and tests, the release, the cleaning after).
- The figures count placements where the person lives and beds where the site is, so that the
  townships' figures add up to the county's.

A record outside the jurisdiction is refused as one that does not exist: the same 404, the same words.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, county_wide, in_jurisdiction, sees
from fangyi.errors import NotFound
from fangyi.quarantine.models import Placement, QuarantineSite
from fangyi.registry.models import Person

S = TypeVar("S", bound=Select[Any])


def hidden(what: str) -> NotFound:
    """The refusal for a record that does not exist or lies outside the jurisdiction: one and the same."""
    return NotFound(f"{what} not found in your jurisdiction")


def person_where(who: Principal) -> ColumnElement[bool]:
    """Rows whose joined Person lives in the jurisdiction."""
    return in_jurisdiction(who, Person.area_code)


def site_where(who: Principal) -> ColumnElement[bool]:
    """Rows whose joined QuarantineSite lies in the jurisdiction."""
    return in_jurisdiction(who, QuarantineSite.area_code)


def placements_seen(query: S, who: Principal) -> S:
    """A query over Placement (or joined to it) kept to the placements the principal sees: the
    person's area, or the site's. The county sees all without the joins."""
    if county_wide(who):
        return query
    return query.join(Person, Person.id == Placement.person_id).outerjoin(
        QuarantineSite, QuarantineSite.id == Placement.site_id).where(or_(person_where(who), site_where(who)))


def check_person(session: Session, who: Principal, person_id: int) -> Person:
    person = session.get(Person, person_id)
    if person is None or not sees(who, person.area_code):
        raise hidden(f"person {person_id}")
    return person


def check_site(session: Session, who: Principal, site_id: int, what: str) -> QuarantineSite:
    site = session.get(QuarantineSite, site_id)
    if site is None or not sees(who, site.area_code):
        raise hidden(what)
    return site


def site_by_code(session: Session, who: Principal, code: str) -> QuarantineSite:
    site = session.scalar(select(QuarantineSite).where(QuarantineSite.code == code))
    if site is None or not sees(who, site.area_code):
        raise hidden(f"quarantine site {code}")
    return site


def sees_placement(session: Session, who: Principal, placement: Placement) -> bool:
    if county_wide(who):
        return True
    person = session.get(Person, placement.person_id)
    if person is not None and sees(who, person.area_code):
        return True
    site = session.get(QuarantineSite, placement.site_id) if placement.site_id is not None else None
    return site is not None and sees(who, site.area_code)


def check_placement(session: Session, who: Principal, placement: Placement | None, what: str) -> Placement:
    if placement is None or not sees_placement(session, who, placement):
        raise hidden(what)
    return placement

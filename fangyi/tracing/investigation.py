"""The case's own account, from the interview: places and times, and the people they name.

Both count as exposures next to check-ins and households; each addition derives
the case's contacts again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.errors import Invalid
from fangyi.identity import IdentityError, parse_id_number
from fangyi.registry import service as registry
from fangyi.registry.fields import VenueFields
from fangyi.registry.models import VENUE_KINDS, Area, Person, Venue
from fangyi.timeutil import now
from fangyi.tracing.contacts import refresh, within
from fangyi.tracing.models import Case, InvestigationPlace, NamedContact


@dataclass
class NewPlace:
    """A place the case names that has no venue code yet: it becomes a venue."""

    name: str
    kind: str
    area_code: str
    address: str | None = None


def _times(start: datetime, end: datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise Invalid("times need a time zone", column="start_at")
    if end < start:
        raise Invalid("the place is left before it is reached", column="end_at")
    if end > now():
        raise Invalid("the time is in the future", column="end_at")


def _new_venue(session: Session, actor: Principal, case: Case, place: NewPlace) -> Venue:
    name = place.name.strip()
    if not name or len(name) > 200:
        raise Invalid("a new place needs a name of at most 200 characters", column="name")
    if place.kind not in VENUE_KINDS:
        raise Invalid(f"kind {place.kind!r} is not one of {', '.join(VENUE_KINDS)}", column="kind")
    if session.get(Area, place.area_code) is None:
        raise Invalid(f"area {place.area_code} is not in the registry", column="area_code")
    # A code of its own, derived from the case, until the place gets a real QR code.
    number = 1 + (session.scalar(
        select(func.count()).select_from(Venue).where(Venue.code.startswith(f"{case.case_no}-P", autoescape=True))
    ) or 0)
    while session.scalar(select(Venue.id).where(Venue.code == f"{case.case_no}-P{number}")) is not None:
        number += 1
    return registry.save_venue(session, actor, VenueFields(
        code=f"{case.case_no}-P{number}", name=name, kind=place.kind, area_code=place.area_code,
        address=place.address, default_stay_minutes=None, lat=None, lon=None))


def add_place(
    session: Session,
    actor: Principal,
    case: Case,
    *,
    start_at: datetime,
    end_at: datetime,
    venue_code: str | None = None,
    new_place: NewPlace | None = None,
    note: str | None = None,
) -> InvestigationPlace:
    """Record a place and time from the interview: a known venue, or a new place that becomes one."""
    require(actor, "edit_cases")
    within(session, actor, case.person_id)
    _times(start_at, end_at)
    if (venue_code is None) == (new_place is None):
        raise Invalid("give either a known venue's code or a new place", column="venue_code")
    if note is not None and len(note) > 500:
        raise Invalid("the note is longer than 500 characters", column="note")
    if venue_code is not None:
        venue = session.scalar(select(Venue).where(Venue.code == venue_code.strip()))
        if venue is None:
            raise Invalid(f"no venue {venue_code} in the registry", column="venue_code")
    else:
        assert new_place is not None
        venue = _new_venue(session, actor, case, new_place)
    place = InvestigationPlace(case_id=case.id, venue_id=venue.id, start_at=start_at, end_at=end_at, note=note,
                               actor_id=actor.id or None)
    session.add(place)
    session.flush()
    audit.record(session, actor, "create", "investigation_place", place.id,
                 after=audit.snapshot(place) | {"venue_code": venue.code})
    refresh(session, actor, case)
    return place


def add_named_contact(
    session: Session,
    actor: Principal,
    case: Case,
    *,
    id_number: str,
    relationship: str,
    last_contact_at: datetime,
    note: str | None = None,
) -> NamedContact:
    """Record someone the case names; they become a close contact when within the window."""
    require(actor, "edit_cases")
    within(session, actor, case.person_id)
    try:
        number = parse_id_number(id_number).id_number
    except IdentityError as exc:
        raise Invalid(f"id_number: {exc}", column="id_number") from None
    person = session.scalar(select(Person).where(Person.id_number == number))
    if person is None:
        raise Invalid(f"no person with identity number {number} in the registry", column="id_number")
    while person.merged_into_id is not None:
        survivor = session.get(Person, person.merged_into_id)
        assert survivor is not None
        person = survivor
    if person.id == case.person_id:
        raise Invalid("the case cannot name themselves as a contact", column="id_number")
    relationship = relationship.strip()
    if not relationship or len(relationship) > 50:
        raise Invalid("say how the case knows them, in at most 50 characters", column="relationship")
    if last_contact_at.tzinfo is None or last_contact_at > now():
        raise Invalid("the last contact time is in the future (or has no time zone)", column="last_contact_at")
    if note is not None and len(note) > 500:
        raise Invalid("the note is longer than 500 characters", column="note")
    named = NamedContact(case_id=case.id, person_id=person.id, relationship=relationship,
                         last_contact_at=last_contact_at, note=note, actor_id=actor.id or None)
    session.add(named)
    session.flush()
    audit.record(session, actor, "create", "named_contact", named.id, after=audit.snapshot(named))
    refresh(session, actor, case)
    return named


def investigation_of(
    session: Session, case: Case
) -> tuple[list[tuple[InvestigationPlace, Venue]], list[tuple[NamedContact, Person]]]:
    places = session.execute(
        select(InvestigationPlace, Venue).join(Venue, Venue.id == InvestigationPlace.venue_id)
        .where(InvestigationPlace.case_id == case.id).order_by(InvestigationPlace.start_at)
    ).all()
    named = session.execute(
        select(NamedContact, Person).join(Person, Person.id == NamedContact.person_id)
        .where(NamedContact.case_id == case.id).order_by(NamedContact.last_contact_at)
    ).all()
    return [(p, v) for p, v in places], [(n, p) for n, p in named]

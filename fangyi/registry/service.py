"""Areas, venues and check-ins: reads inside the user's jurisdiction, and audited writes.

Persons have their own module (persons.py); this one follows the same habits:
keyword arguments, the acting user first, domain errors, the audit trail on every write.
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.registry.fields import AreaFields, CheckinFields, VenueFields
from fangyi.registry.models import Area, Checkin, Person, Venue

Ts = TypeVarTuple("Ts")


def _page(session: Session, query: Select[*Ts], offset: int, limit: int) -> tuple[list[Any], int]:
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    return list(session.execute(query.offset(offset).limit(limit)).all()), total


# --- areas -----------------------------------------------------------------------


def list_areas(
    session: Session, user: Principal, *, parent: str | None = None, level: str | None = None,
    offset: int = 0, limit: int = 50,
) -> tuple[list[Area], int]:
    require(user, "read_registry")
    query = select(Area).where(in_jurisdiction(user, Area.code))
    if parent is not None:
        query = query.where(Area.parent_code == parent)
    if level is not None:
        query = query.where(Area.level == level)
    rows, total = _page(session, query.order_by(Area.code), offset, limit)
    return [row[0] for row in rows], total


def get_area(session: Session, user: Principal, code: str) -> Area:
    require(user, "read_registry")
    area = session.get(Area, code)
    if area is None:
        raise NotFound(f"area {code} not found")
    check_area(user, area.code)
    return area


def children_of(session: Session, area: Area) -> list[Area]:
    return list(session.scalars(select(Area).where(Area.parent_code == area.code).order_by(Area.code)))


def save_area(session: Session, actor: Principal, values: AreaFields, area: Area | None = None) -> Area:
    """Create an area, or rename / move its centroid; code, level and parent are fixed by the code."""
    require(actor, "edit_areas")
    check_area(actor, values.code)
    if values.parent_code is not None and session.get(Area, values.parent_code) is None:
        raise Invalid(f"parent area {values.parent_code} is not in the registry", column="parent_code")
    if area is None:
        if session.get(Area, values.code) is not None:
            raise Conflict(f"area {values.code} exists already")
        area = Area(code=values.code, level=values.level, parent_code=values.parent_code)
        session.add(area)
        before: dict[str, Any] = {}
    else:
        if area.code != values.code:
            raise Invalid("an area's code cannot change", column="code")
        before = audit.snapshot(area)
    area.name, area.lat, area.lon = values.name, values.lat, values.lon
    session.flush()
    _audit_write(session, actor, "area", area.code, before, audit.snapshot(area))
    return area


def _audit_write(
    session: Session, actor: Principal, entity: str, entity_id: object, before: dict[str, Any], after: dict[str, Any]
) -> None:
    if not before:
        audit.record(session, actor, "create", entity, entity_id, after=after)
        return
    changed_before, changed_after = audit.changes(before, after)
    if changed_after:
        audit.record(session, actor, "update", entity, entity_id, before=changed_before, after=changed_after)


# --- venues ----------------------------------------------------------------------


def list_venues(
    session: Session, user: Principal, *, kind: str | None = None, area_code: str | None = None,
    q: str | None = None, offset: int = 0, limit: int = 50,
) -> tuple[list[Venue], int]:
    require(user, "read_registry")
    query = select(Venue).where(in_jurisdiction(user, Venue.area_code))
    if kind is not None:
        query = query.where(Venue.kind == kind)
    if area_code is not None:
        try:
            query = query.where(Venue.area_code.startswith(prefix(area_code), autoescape=True))
        except AreaCodeError as exc:
            raise Invalid(str(exc), column="area") from None
    if q and q.strip():
        term = q.strip()
        query = query.where((Venue.code == term) | Venue.name.contains(term, autoescape=True))
    rows, total = _page(session, query.order_by(Venue.code), offset, limit)
    return [row[0] for row in rows], total


def get_venue(session: Session, user: Principal, venue_id: int) -> Venue:
    require(user, "read_registry")
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(f"venue {venue_id} not found")
    check_area(user, venue.area_code)
    return venue


VENUE_COLUMNS = ("code", "name", "kind", "area_code", "address", "default_stay_minutes", "lat", "lon")


def save_venue(session: Session, actor: Principal, values: VenueFields, venue: Venue | None = None) -> Venue:
    """Create a venue, or update one, with the audit trail's before and after."""
    require(actor, "edit_registry")
    if session.get(Area, values.area_code) is None:
        raise Invalid(f"area {values.area_code} is not in the registry", column="area_code")
    check_area(actor, values.area_code)
    holder = session.scalar(select(Venue.id).where(Venue.code == values.code))
    if holder is not None and (venue is None or holder != venue.id):
        raise Conflict(f"a venue with code {values.code} exists already", column="code")
    if venue is None:
        venue = Venue(code=values.code)
        session.add(venue)
        before: dict[str, Any] = {}
    else:
        check_area(actor, venue.area_code)
        before = audit.snapshot(venue)
    for column in VENUE_COLUMNS:
        setattr(venue, column, getattr(values, column))
    session.flush()
    _audit_write(session, actor, "venue", venue.id, before, audit.snapshot(venue))
    return venue


# --- check-ins -------------------------------------------------------------------


def _visible_person(session: Session, user: Principal, id_number: str) -> Person:
    person = session.scalar(select(Person).where(Person.id_number == id_number))
    # A record folded into another still scans: the stay belongs to the survivor.
    seen: set[int] = set()
    while person is not None and person.merged_into_id is not None and person.id not in seen:
        seen.add(person.id)
        person = session.get(Person, person.merged_into_id)
    try:
        if person is None:
            raise NotFound(id_number)
        check_area(user, person.area_code)
    except NotFound:
        raise Invalid(f"no person with identity number {id_number} in your jurisdiction", column="id_number") from None
    return person


def _visible_venue(session: Session, user: Principal, code: str) -> Venue:
    venue = session.scalar(select(Venue).where(Venue.code == code))
    try:
        if venue is None:
            raise NotFound(code)
        check_area(user, venue.area_code)
    except NotFound:
        raise Invalid(f"no venue with code {code} in your jurisdiction", column="venue_code") from None
    return venue


def add_checkin(session: Session, actor: Principal, values: CheckinFields) -> tuple[Checkin, bool]:
    """Record one stay; returns (check-in, created).

    Scanners retry on bad networks, so the same (person, venue, check-in time)
    sent again returns the stay already recorded instead of failing. A repeat
    that adds a check-out time to a stay without one records the check-out; a
    repeat with a different check-out time is a Conflict.
    """
    require(actor, "edit_registry")
    person = _visible_person(session, actor, values.id_number)
    venue = _visible_venue(session, actor, values.venue_code)
    existing = session.scalar(
        select(Checkin).where(
            Checkin.person_id == person.id, Checkin.venue_id == venue.id, Checkin.in_at == values.in_at
        )
    )
    if existing is not None:
        if values.out_at is None or values.out_at == existing.out_at:
            return existing, False
        if existing.out_at is not None:
            raise Conflict(
                f"check-in {existing.id} has a different check-out time already", column="checked_out_at"
            )
        existing.out_at = values.out_at
        session.flush()
        audit.record(session, actor, "update", "checkin", existing.id, before={"out_at": None},
                     after={"out_at": values.out_at})
        return existing, False
    checkin = Checkin(person_id=person.id, venue_id=venue.id, in_at=values.in_at, out_at=values.out_at)
    session.add(checkin)
    session.flush()
    audit.record(session, actor, "create", "checkin", checkin.id, after=audit.snapshot(checkin))
    return checkin, True


def list_checkins(
    session: Session, user: Principal, *, venue_id: int | None = None, person_id: int | None = None,
    start: int | None = None, end: int | None = None, offset: int = 0, limit: int = 50,
) -> tuple[list[tuple[Checkin, Venue]], int]:
    """Stays of persons inside the user's jurisdiction, newest first; ``end`` is exclusive."""
    require(user, "read_registry")
    query = (
        select(Checkin, Venue)
        .join(Venue, Venue.id == Checkin.venue_id)
        .join(Person, Person.id == Checkin.person_id)
        .where(in_jurisdiction(user, Person.area_code))
    )
    if venue_id is not None:
        query = query.where(Checkin.venue_id == venue_id)
    if person_id is not None:
        query = query.where(Checkin.person_id == person_id)
    if start is not None:
        query = query.where(Checkin.in_at >= start)
    if end is not None:
        query = query.where(Checkin.in_at < end)
    rows, total = _page(session, query.order_by(Checkin.in_at.desc(), Checkin.id.desc()), offset, limit)
    return [(row[0], row[1]) for row in rows], total

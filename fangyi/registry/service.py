"""Areas, venues and check-ins: reads inside the user's jurisdiction, and audited writes.

Persons have their own module (persons.py); this one follows the same habits:
keyword arguments, the acting user first, domain errors, the audit trail on every write.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require, sees
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.audit import service as audit
from fangyi.config import get_settings
from fangyi.db.once import create_once
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.registry.fields import AreaFields, CheckinFields, VenueFields, clean_area, clean_checkin, clean_venue
from fangyi.registry.models import Area, Checkin, Person, Venue
from fangyi.registry.persons import NOT_FOUND, checked, get_person

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
    return _area(session, user, code)


def _area(session: Session, user: Principal, code: str) -> Area:
    area = session.get(Area, code)
    if area is None:
        raise NotFound(NOT_FOUND)
    check_area(user, area.code)
    return area


def area_with_children(session: Session, user: Principal, code: str) -> tuple[Area, list[Area]]:
    area = get_area(session, user, code)
    return area, children_of(session, user, area)


def children_of(session: Session, user: Principal, area: Area) -> list[Area]:
    return list(session.scalars(
        select(Area).where(Area.parent_code == area.code, in_jurisdiction(user, Area.code)).order_by(Area.code)
    ))


def area_choices(session: Session, user: Principal) -> list[Area]:
    """The areas of the user's jurisdiction a list can be narrowed to; groups are left out (a county
    has thousands, and a village narrows enough)."""
    require(user, "read_registry")
    return list(session.scalars(
        select(Area).where(in_jurisdiction(user, Area.code), Area.level != "group").order_by(Area.code)
    ))


def _lineage(code: str) -> list[str]:
    """The township, village and group codes an area code names (the county left out), from its digits."""
    if not code.isdigit() or len(code) not in (12, 15):
        return []
    return [code[:9] + "000", code[:12], code][: 2 if len(code) == 12 else 3]


def area_labels(session: Session, user: Principal, codes: Iterable[str]) -> dict[str, str]:
    """Where each code is, as a person reads it: 乡镇/村/组 names (the county left out). The codes are
    those of records the caller was given by a service; a code that names no area keeps its digits."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    parts = wanted | {part for code in wanted for part in _lineage(code)}
    names: dict[str, str] = {}
    chunk = sorted(parts)
    for start in range(0, len(chunk), 500):
        rows = session.execute(select(Area.code, Area.name).where(Area.code.in_(chunk[start:start + 500])))
        names.update((str(code), str(name)) for code, name in rows)
    labels = {}
    for code in wanted:
        known = [names[part] for part in dict.fromkeys(_lineage(code) or [code]) if part in names]
        labels[code] = "/".join(known) if code in names else code
    return labels


def area_label_choices(session: Session, user: Principal) -> list[str]:
    """The names a list can be narrowed to, as 乡镇/村 paths of the user's jurisdiction (for a <datalist>)."""
    areas = area_choices(session, user)
    labels = area_labels(session, user, [area.code for area in areas])
    return [labels[area.code] for area in areas if area.level != "county"]


def find_area(session: Session, user: Principal, text: str, *, column: str = "area") -> str:
    """The code of the area a person typed: its code, its name, or the end of its 乡镇/村/组 path
    ("金龙村", "石滩乡/金龙村", "金龙村/曾家冲组"), within the user's jurisdiction."""
    typed = text.strip().replace("／", "/")
    if not typed or typed.isdigit():
        return typed
    path = [part.strip() for part in typed.split("/") if part.strip()]
    if not path:
        raise Invalid(f"no area is named {text!r}", column=column)
    found = list(session.scalars(
        select(Area).where(Area.name == path[-1], in_jurisdiction(user, Area.code)).order_by(Area.code).limit(50)
    ))
    labels = area_labels(session, user, [area.code for area in found])
    matching = [area for area in found if labels[area.code].split("/")[-len(path):] == path]
    if len(matching) == 1:
        return matching[0].code
    if not matching:
        raise Invalid(f"no area named {typed!r} in your jurisdiction; choose one from the list", column=column)
    raise Invalid(f"{len(matching)} areas are named {typed!r} ({'; '.join(labels[a.code] for a in matching[:5])}): "
                  f"type the township too, as 乡镇/村", column=column)


_CHOSEN = re.compile(r"[（(]\s*([A-Za-z0-9_\-]+)\s*[)）]\s*$")  # "石滩饭店（HD0000305）", as the list offers it


def find_venue(session: Session, user: Principal, text: str, *, column: str = "venue") -> Venue:
    """The venue a person typed: its code, its name, or a choice from the list (name and code), within
    the user's jurisdiction. Several venues of that name: refused, naming them, to pick one."""
    require(user, "read_registry")
    typed = text.strip()
    chosen = _CHOSEN.search(typed)
    code = chosen.group(1) if chosen else typed
    venue = session.scalar(select(Venue).where(Venue.code == code, in_jurisdiction(user, Venue.area_code)))
    if venue is not None:
        return venue
    named = list(session.scalars(select(Venue).where(Venue.name == typed, in_jurisdiction(user, Venue.area_code))
                                 .order_by(Venue.code).limit(6)))
    if len(named) == 1:
        return named[0]
    if not named:
        raise NotFound(f"no venue named or numbered {typed!r} in your jurisdiction; choose one from the list",
                       column=column)
    labels = area_labels(session, user, [v.area_code for v in named])
    listed = "; ".join(f"{v.code} {labels[v.area_code]}" for v in named[:5])
    raise Invalid(f"several venues are named {typed!r} ({listed}): choose one from the list", column=column)


@dataclass
class AreaTree:
    roots: list[Area]
    kids: dict[str, list[Area]]
    persons: dict[str, int]  # persons living at or below each area


def area_tree(session: Session, user: Principal) -> AreaTree:
    """The user's jurisdiction as a tree, with how many persons live in each area."""
    require(user, "read_registry")
    areas = session.scalars(select(Area).where(in_jurisdiction(user, Area.code)).order_by(Area.code)).all()
    by_code = {area.code: area for area in areas}
    kids: dict[str, list[Area]] = defaultdict(list)
    roots = []
    for area in areas:
        if area.parent_code in by_code:
            kids[area.parent_code].append(area)
        else:
            roots.append(area)
    # One grouped count, rolled up the tree in Python: cheap even for a county.
    counts: dict[str, int] = defaultdict(int)
    rows = session.execute(
        select(Person.area_code, func.count())
        .where(Person.merged_into_id.is_(None), in_jurisdiction(user, Person.area_code))
        .group_by(Person.area_code)
    )
    for code, count in rows:
        at: str | None = code
        while at is not None and at in by_code:
            counts[at] += count
            at = by_code[at].parent_code
    return AreaTree(roots, kids, counts)


def create_area(session: Session, actor: Principal, values: Mapping[str, Any]) -> Area:
    require(actor, "edit_areas")
    return save_area(session, actor, checked(clean_area, values))


def update_area(session: Session, actor: Principal, code: str, changes: Mapping[str, Any]) -> Area:
    """Rename an area or move its centroid; only the fields given change."""
    require(actor, "edit_areas")
    area = _area(session, actor, code)
    current = {"code": area.code, "name": area.name, "level": area.level, "parent_code": area.parent_code,
               "lat": area.lat, "lon": area.lon}
    return save_area(session, actor, checked(clean_area, current | dict(changes)), area)


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


def export_venues(
    session: Session, user: Principal, *, kind: str | None = None, area_code: str | None = None,
    q: str | None = None, limit: int,
) -> tuple[list[Venue], int]:
    """The venues a search finds, for a spreadsheet; each export is on the audit trail."""
    venues, total = list_venues(session, user, kind=kind, area_code=area_code, q=q, limit=limit)
    audit.record(session, user, "export", "venue", None,
                 after={"q": q or "", "kind": kind or "", "area": area_code or "", "rows": len(venues),
                        "total": total})
    return venues, total


def venue_names(session: Session, user: Principal, codes: Iterable[str]) -> dict[str, str]:
    """The names of venues a service named by code (a contact's reason, a case's place), for a page
    that shows each by name with its code in small type; a code no venue has is left out."""
    wanted = sorted({code for code in codes if code})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        rows = session.execute(select(Venue.code, Venue.name).where(Venue.code.in_(wanted[start:start + 500])))
        names.update((str(code), str(name)) for code, name in rows)
    return names


def get_venue(session: Session, user: Principal, venue_id: int) -> Venue:
    require(user, "read_registry")
    return _venue(session, user, venue_id)


def _venue(session: Session, user: Principal, venue_id: int) -> Venue:
    venue = session.get(Venue, venue_id)
    if venue is None:
        raise NotFound(NOT_FOUND)
    check_area(user, venue.area_code)
    return venue


VENUE_COLUMNS = ("code", "name", "kind", "area_code", "address", "default_stay_minutes", "lat", "lon")


def create_venue(session: Session, actor: Principal, values: Mapping[str, Any]) -> Venue:
    return add_venue(session, actor, values)[0]


def add_venue(session: Session, actor: Principal, values: Mapping[str, Any]) -> tuple[Venue, bool]:
    """A venue made once: the same venue sent again is the stored one (False: not new); other
    values under a stored code are a Conflict."""
    require(actor, "edit_registry")
    fields = checked(clean_venue, values)

    def same() -> Venue | None:
        stored = session.scalar(select(Venue).where(Venue.code == fields.code))
        if stored is None or not sees(actor, stored.area_code):
            return None
        return stored if all(getattr(stored, c) == getattr(fields, c) for c in VENUE_COLUMNS) else None

    return create_once(session, same, lambda: save_venue(session, actor, fields))


def update_venue(session: Session, actor: Principal, venue_id: int, changes: Mapping[str, Any]) -> Venue:
    """Change the fields given; the others keep their stored values."""
    require(actor, "edit_registry")
    venue = _venue(session, actor, venue_id)
    current = {column: getattr(venue, column) for column in VENUE_COLUMNS}
    return save_venue(session, actor, checked(clean_venue, current | dict(changes)), venue)


def save_venue(session: Session, actor: Principal, values: VenueFields, venue: Venue | None = None) -> Venue:
    """Create a venue, or update one, with the audit trail's before and after: the venue as stored
    and the area it moves to both lie in the actor's jurisdiction."""
    require(actor, "edit_registry")
    if venue is not None:
        check_area(actor, venue.area_code)
    check_area(actor, values.area_code)
    if session.get(Area, values.area_code) is None:
        raise Invalid(f"area {values.area_code} is not in the registry", column="area_code")
    holder = session.scalar(select(Venue.id).where(Venue.code == values.code))
    if holder is not None and (venue is None or holder != venue.id):
        raise Conflict(f"a venue with code {values.code} exists already", column="code")
    if venue is None:
        venue = Venue(code=values.code)
        session.add(venue)
        before: dict[str, Any] = {}
    else:
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
        # Not the number: the one who sent it may not read whoever holds it.
        raise NotFound("no person with this identity number in your jurisdiction", column="id_number") from None
    return person


def _visible_venue(session: Session, user: Principal, code: str) -> Venue:
    venue = session.scalar(select(Venue).where(Venue.code == code))
    try:
        if venue is None:
            raise NotFound(code)
        check_area(user, venue.area_code)
    except NotFound:
        raise NotFound(f"no venue with code {code} in your jurisdiction", column="venue_code") from None
    return venue


def record_checkin(session: Session, actor: Principal, values: Mapping[str, Any]) -> tuple[Checkin, Venue, bool]:
    """A stay from a request's fields (checked by clean_checkin): (check-in, its venue, created)."""
    require(actor, "edit_registry")
    fields = checked(lambda row: clean_checkin(row, get_settings().tz), values)
    checkin, created = add_checkin(session, actor, fields)
    venue = session.get(Venue, checkin.venue_id)
    assert venue is not None
    return checkin, venue, created


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
    """Stays of persons inside the user's jurisdiction, newest first; ``end`` is exclusive. A venue
    or person named must lie in the jurisdiction (else NotFound, not an empty list)."""
    require(user, "read_registry")
    if venue_id is not None:
        _venue(session, user, venue_id)
    if person_id is not None:
        get_person(session, user, person_id)
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

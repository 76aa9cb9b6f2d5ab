"""Centralized sites and their rooms: the list with bed totals, a site's details as the command office
keeps them, and a room's state (out of service, back in service, cleaned after a stay)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, require
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid
from fangyi.quarantine.models import Placement, QuarantineSite, Room, RoomOutage
from fangyi.quarantine.scope import check_site, hidden, site_by_code, site_where
from fangyi.timeutil import now


@dataclass
class SiteLine:
    site: QuarantineSite
    rooms: int
    beds: int
    beds_free: int


def sites(session: Session, who: Principal) -> list[SiteLine]:
    """Sites in the principal's jurisdiction with their room and bed totals."""
    require(who, "read_quarantine")
    return _lines(session, who)


def _lines(session: Session, who: Principal, site_id: int | None = None) -> list[SiteLine]:
    query = select(QuarantineSite).where(site_where(who))
    totals_query = select(Room.site_id, func.count(), func.sum(Room.beds),
                          func.sum(Room.beds).filter(Room.state == "free")).group_by(Room.site_id)
    if site_id is not None:
        query = query.where(QuarantineSite.id == site_id)
        totals_query = totals_query.where(Room.site_id == site_id)
    found = session.scalars(query.order_by(QuarantineSite.code)).all()
    totals = {key: (int(n), int(beds or 0), int(free or 0)) for key, n, beds, free in session.execute(totals_query)}
    return [SiteLine(s, *totals.get(s.id, (0, 0, 0))) for s in found]


def line_of(session: Session, who: Principal, site: QuarantineSite) -> SiteLine:
    """The totals of a site the caller has already checked."""
    lines = _lines(session, who, site.id)
    if not lines:
        raise hidden(f"quarantine site {site.code}")
    return lines[0]


def update_site(session: Session, actor: Principal, code: str, **fields: str | None) -> SiteLine:
    """The site's address, contact and staff, as the command office keeps them."""
    require(actor, "manage_sites")
    site = site_by_code(session, actor, code)
    before = {key: getattr(site, key) for key in fields}
    for key, value in fields.items():
        if key not in ("address", "contact", "staff"):
            raise Invalid(f"{key} of a site cannot be changed here", column=key)
        setattr(site, key, (value or "").strip() or None)
    session.flush()
    audit.record(session, actor, "update", "quarantine_site", site.id, before=before,
                 after={key: getattr(site, key) for key in fields})
    return line_of(session, actor, site)


def _room(session: Session, actor: Principal, room_id: int) -> tuple[Room, QuarantineSite]:
    room = session.get(Room, room_id)
    if room is None:
        raise hidden(f"room {room_id}")
    return room, check_site(session, actor, room.site_id, f"room {room_id}")


def set_room_service(session: Session, actor: Principal, room_id: int, in_service: bool) -> SiteLine:
    """Take a free room out of service (broken, staff quarters) or bring it back."""
    require(actor, "manage_sites")
    room, site = _room(session, actor, room_id)
    wanted, allowed = ("free", "out_of_service") if in_service else ("out_of_service", "free")
    if room.state != allowed:
        raise Conflict(f"room {room.room} is {room.state}: only a {allowed} room can become {wanted}")
    before = room.state
    moment = now()
    room.state, room.state_since = wanted, moment
    if in_service:  # the outage that began when it left service ends now
        session.execute(update(RoomOutage).where(RoomOutage.room_id == room.id, RoomOutage.end_at.is_(None))
                        .values(end_at=moment))
    else:
        session.add(RoomOutage(room_id=room.id, start_at=moment))
    session.flush()
    audit.record(session, actor, "update", "quarantine_room", room.id, before={"state": before},
                 after={"state": wanted})
    return line_of(session, actor, site)


def room_cleaned(session: Session, actor: Principal, room_id: int) -> SiteLine:
    """Terminal disinfection done by the site's staff: the room is free again."""
    require(actor, "record_checks")
    room, site = _room(session, actor, room_id)
    if room.state != "cleaning":
        raise Conflict(f"room {room.room} is {room.state}, not cleaning")
    moment = now()
    room.state, room.state_since = "free", moment
    for placement in session.scalars(select(Placement).where(Placement.room_id == room.id,
                                                             Placement.room_freed_at.is_(None),
                                                             Placement.status != "active")):
        placement.room_freed_at = moment
    session.flush()
    audit.record(session, actor, "cleaned", "quarantine_room", room.id, after={"state": "free"})
    return line_of(session, actor, site)

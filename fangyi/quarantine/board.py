"""What the pages and the API read: sites in a jurisdiction, a site's board, a placement with its clock."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import check_area, in_jurisdiction, require
from fangyi.auth.models import User
from fangyi.config import get_settings
from fangyi.errors import NotFound
from fangyi.protocols.reader import current
from fangyi.quarantine.care import what_is_missing
from fangyi.quarantine.clock import Clock, TestDay, clock
from fangyi.quarantine.models import Alert, HealthCheck, Placement, QuarantineSite, QuarantineTest, Room
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds


@dataclass
class SiteLine:
    site: QuarantineSite
    rooms: int
    beds: int
    beds_free: int


def sites(session: Session, user: User, *, site_id: int | None = None) -> list[SiteLine]:
    """Sites in the user's jurisdiction with their room and bed totals; with site_id, that one only."""
    require(user, "read_quarantine")
    query = select(QuarantineSite).where(in_jurisdiction(user, QuarantineSite.area_code))
    totals_query = select(Room.site_id, func.count(), func.sum(Room.beds),
                          func.sum(Room.beds).filter(Room.state == "free")).group_by(Room.site_id)
    if site_id is not None:
        query = query.where(QuarantineSite.id == site_id)
        totals_query = totals_query.where(Room.site_id == site_id)
    found = session.scalars(query.order_by(QuarantineSite.code)).all()
    totals = {key: (int(n), int(beds or 0), int(free or 0)) for key, n, beds, free in session.execute(totals_query)}
    return [SiteLine(s, *totals.get(s.id, (0, 0, 0))) for s in found]


def site_line(session: Session, user: User, site_id: int) -> SiteLine:
    lines = sites(session, user, site_id=site_id)
    if not lines:
        raise NotFound(f"no quarantine site {site_id} in your jurisdiction")
    return lines[0]


def site_by_code(session: Session, user: User, code: str) -> QuarantineSite:
    require(user, "read_quarantine")
    site = session.scalar(select(QuarantineSite).where(QuarantineSite.code == code))
    if site is None:
        raise NotFound(f"no quarantine site {code}")
    check_area(user, site.area_code)
    return site


def check_placement(session: Session, user: User, placement: Placement) -> None:
    """A placement is seen by who sees its site, or (at home) the person's area."""
    require(user, "read_quarantine")
    if placement.site_id is not None:
        site = session.get(QuarantineSite, placement.site_id)
        assert site is not None
        check_area(user, site.area_code)
    else:
        person = session.get(Person, placement.person_id)
        assert person is not None
        check_area(user, person.area_code)


def placement_for(session: Session, user: User, placement_id: int) -> Placement:
    placement = session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(f"placement {placement_id} not found")
    check_placement(session, user, placement)
    return placement


def active_for_person(session: Session, user: User, person_id: int) -> Placement | None:
    placement = session.scalar(select(Placement).where(Placement.person_id == person_id,
                                                       Placement.status == "active"))
    if placement is not None:
        check_placement(session, user, placement)
    return placement


@dataclass
class Occupant:
    placement: Placement
    person: Person
    clock: Clock
    tests_due: list[TestDay]
    checks_today: int


@dataclass
class Board:
    site: QuarantineSite
    rooms: list[tuple[Room, list[Occupant]]]
    alerts: list[tuple[Alert, Person]]
    checks_per_day: int
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def occupants(self) -> list[Occupant]:
        return [o for _, people in self.rooms for o in people]


def board(session: Session, user: User, code: str, on: date) -> Board:
    site = site_by_code(session, user, code)
    protocol, tz = current(), get_settings().tz
    start, end = day_bounds(on)
    rooms = session.scalars(select(Room).where(Room.site_id == site.id).order_by(Room.room)).all()
    rows = session.execute(select(Placement, Person).join(Person, Person.id == Placement.person_id)
                           .where(Placement.site_id == site.id, Placement.status == "active")).all()
    ids = [p.id for p, _ in rows]
    done: dict[int, set[tuple[str, int | None]]] = defaultdict(set)
    checks: dict[int, int] = {}
    if ids:
        for placement_id, phase, day in session.execute(
                select(QuarantineTest.placement_id, QuarantineTest.phase, QuarantineTest.day)
                .where(QuarantineTest.placement_id.in_(ids), QuarantineTest.sampled_at.is_not(None))):
            done[placement_id].add((phase, day))
        checks = {pid: int(n) for pid, n in session.execute(
            select(HealthCheck.placement_id, func.count()).where(
                HealthCheck.placement_id.in_(ids), HealthCheck.at >= start, HealthCheck.at < end)
            .group_by(HealthCheck.placement_id))}
    cache: dict[tuple[str, date], Clock] = {}
    by_room: dict[int, list[Occupant]] = defaultdict(list)
    for placement, person in rows:
        key = (placement.category, placement.last_exposure.astimezone(tz).date())
        if key not in cache:
            cache[key] = clock(protocol, placement.category, placement.last_exposure, tz)
        the_clock = cache[key]
        due = [t for t in the_clock.test_days if t.on == on and (t.phase, t.day) not in done[placement.id]]
        by_room[placement.room_id or 0].append(Occupant(placement, person, the_clock, due, checks.get(placement.id, 0)))
    alerts = session.execute(select(Alert, Person).join(Person, Person.id == Alert.person_id)
                             .join(Placement, Placement.id == Alert.placement_id)
                             .where(Placement.site_id == site.id, Alert.handled_at.is_(None))
                             .order_by(Alert.at.desc())).all()
    result = Board(site, [(room, by_room.get(room.id, [])) for room in rooms], [(a, p) for a, p in alerts],
                   protocol.health_checks.per_day)
    states: dict[str, int] = defaultdict(int)
    for room in rooms:
        states[room.state] += 1
    result.counts = {**states, "people": len(rows), "tests_due": sum(len(o.tests_due) for o in result.occupants),
                     "checks_due": sum(o.checks_today < result.checks_per_day for o in result.occupants)}
    return result


def placement_view(session: Session, placement: Placement, on: date) -> dict[str, Any]:
    the_clock = clock(current(), placement.category, placement.last_exposure, get_settings().tz)
    site = session.get(QuarantineSite, placement.site_id) if placement.site_id else None
    room = session.get(Room, placement.room_id) if placement.room_id else None
    gaps = what_is_missing(session, placement, on) if placement.status == "active" else []
    return {
        "id": placement.id, "person_id": placement.person_id, "category": placement.category,
        "setting": placement.setting, "site_code": site.code if site else None, "room": room.room if room else None,
        "address": placement.address, "status": placement.status, "placed_at": placement.placed_at,
        "ended_at": placement.ended_at, "release_kind": placement.release_kind,
        "last_exposure": placement.last_exposure, "edition": the_clock.edition, "day1": the_clock.day1,
        "test_days": [{"phase": t.phase, "day": t.day, "on": t.on} for t in the_clock.test_days],
        "quarantine_end": the_clock.quarantine_end, "release_date": the_clock.release_date,
        "monitoring_end": the_clock.monitoring_end,
        "missing": [{"code": g.code, "params": dict(g.params)} for g in gaps],
    }

"""What the pages and the API read: a site's board, a placement with its clock, a person's stays, and
the printable notices and certificates. Each read checks its permission, then the jurisdiction
(scope.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, require, sees
from fangyi.config import get_settings
from fangyi.protocols.reader import current
from fangyi.quarantine.care import what_is_missing
from fangyi.quarantine.clock import Clock, TestDay, clock
from fangyi.quarantine.models import Alert, HealthCheck, Placement, QuarantineSite, QuarantineTest, Room
from fangyi.quarantine.scope import check_placement, hidden, site_by_code, site_where
from fangyi.quarantine.sites import SiteLine
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds

PRINT_LIMIT = 500  # notices in one print run: a batch, not the county


def placement_for(session: Session, who: Principal, placement_id: int) -> Placement:
    require(who, "read_quarantine")
    return check_placement(session, who, session.get(Placement, placement_id), f"placement {placement_id}")


def view_of(session: Session, who: Principal, placement_id: int, on: date) -> dict[str, Any]:
    return describe(session, placement_for(session, who, placement_id), on)


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
    line: SiteLine
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def occupants(self) -> list[Occupant]:
        return [o for _, people in self.rooms for o in people]


def board(session: Session, who: Principal, code: str, on: date, *, for_checks: bool = False) -> Board:
    """A site's rooms, who is in each with their clock, and the alerts not handled. `for_checks`: the
    board a check typed on it answers with, shown to whoever may record the checks there."""
    require(who, "record_checks" if for_checks else "read_quarantine")
    site = site_by_code(session, who, code)
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
    # The site's totals from the rooms at hand, as sites.sites() counts them.
    line = SiteLine(site, len(rooms), sum(r.beds for r in rooms), sum(r.beds for r in rooms if r.state == "free"))
    result = Board(site, [(room, by_room.get(room.id, [])) for room in rooms], [(a, p) for a, p in alerts],
                   protocol.health_checks.per_day, line)
    states: dict[str, int] = defaultdict(int)
    for room in rooms:
        states[room.state] += 1
    result.counts = {**states, "people": len(rows), "tests_due": sum(len(o.tests_due) for o in result.occupants),
                     "checks_due": sum(o.checks_today < result.checks_per_day for o in result.occupants)}
    return result


def describe(session: Session, placement: Placement, on: date) -> dict[str, Any]:
    """A placement a service has handed over (so checked already), with its clock and what is missing."""
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


@dataclass
class Stay:
    view: dict[str, Any]
    checks: Sequence[HealthCheck]
    tests: Sequence[QuarantineTest]
    alerts: Sequence[Alert]


def history(session: Session, who: Principal, person_id: int, on: date, *,
            for_checks: bool = False) -> tuple[Person, list[Stay]]:
    """A person's stays, newest first: all of them for their jurisdiction, only those at its sites for
    another (a site's staff see who stays with them). `for_checks`: the page a test typed on it answers
    with, shown to whoever may record tests."""
    require(who, "record_checks" if for_checks else "read_quarantine")
    person = session.get(Person, person_id)
    if person is None:
        raise hidden(f"person {person_id}")
    query = select(Placement).where(Placement.person_id == person_id)
    theirs = sees(who, person.area_code)
    if not theirs:
        query = query.join(QuarantineSite, QuarantineSite.id == Placement.site_id).where(site_where(who))
    placements = session.scalars(query.order_by(Placement.placed_at.desc())).all()
    if not theirs and not placements:
        raise hidden(f"person {person_id}")
    return person, [Stay(
        describe(session, placement, on),
        session.scalars(select(HealthCheck).where(HealthCheck.placement_id == placement.id)
                        .order_by(HealthCheck.at.desc()).limit(100)).all(),
        session.scalars(select(QuarantineTest).where(QuarantineTest.placement_id == placement.id)
                        .order_by(QuarantineTest.id)).all(),
        session.scalars(select(Alert).where(Alert.placement_id == placement.id)).all(),
    ) for placement in placements]


@dataclass
class Printable:
    placement: Placement
    person: Person
    site: QuarantineSite | None
    view: dict[str, Any]


def printables(session: Session, who: Principal, ids: Sequence[int], on: date) -> list[Printable]:
    """Quarantine notices for these placements (a batch, up to PRINT_LIMIT)."""
    require(who, "read_quarantine")
    pages = []
    for placement_id in [i for i in ids if 0 < i < 2**62][:PRINT_LIMIT]:
        placement = placement_for(session, who, placement_id)
        person = session.get(Person, placement.person_id)
        assert person is not None
        site = session.get(QuarantineSite, placement.site_id) if placement.site_id else None
        pages.append(Printable(placement, person, site, describe(session, placement, on)))
    return pages


def certificate(session: Session, who: Principal, placement_id: int, on: date) -> Printable:
    """The release certificate of a released placement."""
    page = printables(session, who, [placement_id], on)
    if not page or page[0].placement.status != "released":
        raise hidden(f"released placement {placement_id}")
    return page[0]

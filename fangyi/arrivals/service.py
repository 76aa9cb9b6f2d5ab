"""What arrivals does and what other parts may ask of it. Every function checks the caller's
permission and the jurisdiction of each record (an arrival lies where the person stays), audits
every write and never commits.

- register: a person found by identity number, or put in on the spot through the registry's own
  checks; the same arrival sent twice (same person and time, or the same person again within the
  edition's window, at another checkpoint) is merged into the one stored.
- measures: the origin's risk level on the arrival date gives the edition's quarantine category;
  a centralized one becomes a placement request in quarantine.
- the village doctor's day: what each arrival staying in their villages is due on a day.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM, Principal, Role, check_area, in_jurisdiction, jurisdiction, require, sees
from fangyi.areacodes import prefix
from fangyi.arrivals.models import (
    MEANS,
    ORIGIN_LEVELS,
    Arrival,
    ArrivalEntry,
    ArrivalWork,
    HouseholdVisit,
    OriginRisk,
)
from fangyi.arrivals.rules import (
    Due,
    Plan,
    check_temperature,
    lineage,
    origin_known,
    origin_name,
    origin_names,
    plan,
    rules_of,
)
from fangyi.arrivals.schemas import CLIENT_ID_CHARS
from fangyi.audit import service as audit
from fangyi.db.once import create_once
from fangyi.db.session import one_at_a_time
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.identity import IdentityError, parse_id_number, parse_phone
from fangyi.protocols.reader import Protocol, current
from fangyi.quarantine import service as quarantine
from fangyi.registry import persons
from fangyi.registry.models import Area, Household, Person
from fangyi.timeutil import day_bounds, now, to_local
from fangyi.zones import service as zones
from fangyi.zones.models import Zone

NOT_FOUND = "arrival not found in your jurisdiction"


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Dates and times as ISO text, as the audit trail keeps them."""
    return {key: value.isoformat() if isinstance(value, date | datetime) else value for key, value in values.items()}


# ---- the origin-risk list ---------------------------------------------------------------------


def origin_code(raw: str | None, column: str = "origin_code", *, inside: bool = False) -> str:
    """A 6-digit national division code; for an arrival's origin (`inside`), also an area code of the
    county's registry (12 or 15 digits) for someone moving inside it."""
    code = (raw or "").strip()
    if not code.isdigit() or not (len(code) == 6 or (inside and len(code) in (12, 15))):
        raise Invalid(f"{column} must be a 6-digit national division code"
                      + (" or an area code of the county" if inside else ""), column=column)
    return code


def save_origin_risk(session: Session, actor: Principal, *, area_code: str, level: str, valid_from: date,
                     valid_to: date | None, import_id: int | None = None) -> tuple[OriginRisk, bool]:
    """One row of the command's list, keyed by (area, from): returns it and whether anything changed."""
    require(actor, "keep_origin_risks")
    code = origin_code(area_code, "area_code")
    if level not in ORIGIN_LEVELS:
        raise Invalid(f"level must be one of {', '.join(ORIGIN_LEVELS)}", column="level")
    if valid_to is not None and valid_to < valid_from:
        raise Invalid("to is before from", column="to")
    row = session.scalar(select(OriginRisk).where(OriginRisk.area_code == code, OriginRisk.valid_from == valid_from))
    after = {"level": level, "valid_to": valid_to}
    if row is None:
        row = OriginRisk(area_code=code, valid_from=valid_from, import_id=import_id, **after)
        session.add(row)
        session.flush()
        audit.record(session, actor, "create", "origin_risk", row.id, after=audit.snapshot(row))
        return row, True
    before = {key: getattr(row, key) for key in after}
    if before == after:
        return row, False
    for key, value in after.items():
        setattr(row, key, value)
    session.flush()
    old, new = audit.changes(before, after)
    audit.record(session, actor, "update", "origin_risk", row.id, before=_plain(old), after=_plain(new))
    return row, True


def origin_risks(session: Session, actor: Principal, day: date | None = None) -> list[OriginRisk]:
    """The list (in force on `day`, when given): places outside the county, shown to every reader."""
    require(actor, "read_arrivals")
    query = select(OriginRisk)
    if day is not None:
        query = query.where(OriginRisk.valid_from <= day,
                            or_(OriginRisk.valid_to.is_(None), OriginRisk.valid_to >= day))
    return list(session.scalars(query.order_by(OriginRisk.area_code, OriginRisk.valid_from)))


# A zone's kind read as an origin's risk level (cn-8's zones; cn-9's risk areas are levels already).
ZONE_LEVEL = {"sealed": "high", "controlled": "medium", "precaution": "low", "high": "high", "medium": "medium",
              "low": "low"}


def _inside_level(session: Session, code: str, day: date) -> str | None:
    """The strictest zone or risk area in force at the end of the day over a place of the county,
    as the zones part keeps them."""
    held = zones.as_of(session, day)
    if not held:
        return None
    found = [ZONE_LEVEL[held[zone_id].kind]
             for zone_id, areas in session.execute(select(Zone.id, Zone.area_codes).where(Zone.id.in_(list(held))))
             if held[zone_id].in_force and any(code.startswith(prefix(area)) for area in areas)]
    return min(found, key=ORIGIN_LEVELS.index, default=None)


def _in_county(session: Session, code: str) -> bool:
    return session.get(Area, code) is not None


def risk_level(session: Session, code: str, day: date, protocol: Protocol) -> str | None:
    """The origin's level on a day. Inside the county (a place of the registry): the zones part's
    zones and risk areas over it. Elsewhere: the most specific listed row in force (the county's
    own, else its prefecture's, else its province's: a county inherits what the command listed above
    it), or high for a province the edition treats as high risk; None when nothing is listed."""
    if _in_county(session, code):
        return _inside_level(session, code, day)
    if len(code) != 6:
        return None
    if code[:2] in rules_of(protocol).treated_as_high_risk:
        return "high"
    rows = session.execute(select(OriginRisk.area_code, OriginRisk.level).where(
        OriginRisk.area_code.in_(lineage(code)), OriginRisk.valid_from <= day,
        or_(OriginRisk.valid_to.is_(None), OriginRisk.valid_to >= day))).all()
    for candidate in lineage(code):
        levels = [level for area, level in rows if area == candidate]
        if levels:
            # Two periods overlapping on one place: the stricter holds.
            return min(levels, key=ORIGIN_LEVELS.index)
    return None


# ---- entries made on phones, each kept once under the phone's own id --------------------------

CLIENT_ID = re.compile(rf"^{CLIENT_ID_CHARS}{{8,64}}$")
T = TypeVar("T")


def client_id_of(raw: str) -> str:
    """A phone's id for an entry: 8 to 64 letters, digits or `_-:.`, made once and never reused."""
    cid = (raw or "").strip()
    if not CLIENT_ID.match(cid):
        raise Invalid("client_id must be 8 to 64 letters, digits or _-:.", column="client_id")
    return cid


def _stored_entry(session: Session, actor: Principal, cid: str, kind: str) -> ArrivalEntry | None:
    """The entry stored under this id, when the actor may have its answer again: its own sender, or
    one whose jurisdiction holds its record. Another's id, or an id reused for another kind, is refused."""
    entry = session.scalar(select(ArrivalEntry).where(ArrivalEntry.client_id == cid))
    if entry is None:
        return None
    if entry.kind != kind or (entry.actor_id != (actor.id or None) and not sees(actor, entry.area_code)):
        raise Conflict("this entry id was sent before by another phone: the phone must make a new one",
                       column="client_id")
    return entry


REUSED = "this entry id was used for another entry: the phone must make a new one"


def _once(session: Session, actor: Principal, client_id: str, kind: str, again: Callable[[ArrivalEntry], T],
          make: Callable[[], tuple[T, int, bool, str]]) -> T:
    """Do `make()` once under the phone's id: it returns (answer, record id, merged, area); sent
    again, `again(entry)` answers from the stored entry. A twin sent at the same moment trips the
    id's unique index inside create_once's savepoint, and the twin's entry is the answer."""
    cid = client_id_of(client_id)
    answers: list[T] = []

    def entry_made() -> ArrivalEntry:
        answer, record_id, merged, area = make()
        answers.append(answer)
        entry = ArrivalEntry(client_id=cid, kind=kind, record_id=record_id, merged=merged, area_code=area,
                             actor_id=actor.id or None, at=now())
        session.add(entry)
        session.flush()
        audit.record(session, actor, "create", "arrival_entry", entry.id, after=audit.snapshot(entry))
        return entry

    entry, new = create_once(session, lambda: _stored_entry(session, actor, cid, kind), entry_made)
    return answers[-1] if new else again(entry)


once = _once


# ---- registering an arrival -------------------------------------------------------------------


@dataclass
class Registered:
    arrival: Arrival
    new: bool  # False: merged into an arrival already stored
    measures: Plan | None
    name: str = ""  # the person's, for the answer
    repeated: bool = False  # the phone's entry (client_id) had been received before: its answer again


def _name_for(actor: Principal, person: Person, typed: str) -> str:
    """The registry's name for the answer, when the actor may read the person's record; else what was typed."""
    return person.name if sees(actor, person.area_code) else typed.strip()


def origin_choices(actor: Principal) -> dict[str, str]:
    """The shipped origin codes and names, for a registering form's suggestions."""
    require(actor, "register_arrivals")
    return origin_names()


def _person(session: Session, actor: Principal, id_number: str, name: str, staying: str,
            note: str = "registered on arrival") -> Person:
    try:
        number = parse_id_number(id_number).id_number
    except IdentityError as exc:
        raise Invalid(str(exc), column="id_number") from None
    person = session.scalar(select(Person).where(Person.id_number == number))
    if person is not None:
        return person
    if not name.strip():
        raise Invalid("name is required for a person not yet in the registry", column="name")
    return persons.register_on_the_spot(session, actor, id_number=number, name=name.strip(), area_code=staying,
                                        note=note)


# For the fever sentinels (sentinels.py): the same identity checks, the same outbox, the same clock.
find_or_register = _person


def _same(session: Session, person_id: int, arrived_at: datetime, hours: int) -> Arrival | None:
    """The stored arrival this one repeats: the same moment, or within the window either side."""
    window = timedelta(hours=hours)
    near = session.scalars(select(Arrival).where(
        Arrival.person_id == person_id,
        Arrival.arrived_at >= arrived_at - window, Arrival.arrived_at <= arrived_at + window))
    return min(near, key=lambda a: abs((a.arrived_at - arrived_at).total_seconds()), default=None)


def register_arrival(session: Session, actor: Principal, *, id_number: str, name: str, origin: str,
                     arrived_at: datetime, staying_area_code: str, phone: str | None = None,
                     means: str | None = None, plate: str | None = None, registered_at: str | None = None,
                     import_id: int | None = None, client_id: str | None = None) -> Registered:
    """Register an arrival, or merge it into the same one stored. With a phone's `client_id`, the
    entry is kept under it: sent again, it gets the first answer (`repeated`) and changes nothing."""
    require(actor, "register_arrivals")
    if client_id is None:
        return _register(session, actor, id_number=id_number, name=name, origin=origin, arrived_at=arrived_at,
                         staying_area_code=staying_area_code, phone=phone, means=means, plate=plate,
                         registered_at=registered_at, import_id=import_id)

    def again(entry: ArrivalEntry) -> Registered:
        arrival = session.get(Arrival, entry.record_id)
        if arrival is None:  # pragma: no cover - arrivals are never deleted
            raise NotFound(NOT_FOUND)
        person = session.get(Person, arrival.person_id)
        return Registered(arrival, False, measures_of(arrival), _name_for(actor, person, name) if person else name,
                          repeated=True)

    def make() -> tuple[Registered, int, bool, str]:
        done = _register(session, actor, id_number=id_number, name=name, origin=origin, arrived_at=arrived_at,
                         staying_area_code=staying_area_code, phone=phone, means=means, plate=plate,
                         registered_at=registered_at, import_id=import_id)
        return done, done.arrival.id, not done.new, done.arrival.staying_area_code

    return _once(session, actor, client_id, "arrival", again, make)


def register_at_the_village(session: Session, actor: Principal, **fields: Any) -> Registered:
    """Someone back from elsewhere found in the village, registered from the village doctor's day:
    who may work the day and register arrivals."""
    require(actor, "arrival_work")
    return register_arrival(session, actor, **fields)


def _register(session: Session, actor: Principal, *, id_number: str, name: str, origin: str,
              arrived_at: datetime, staying_area_code: str, phone: str | None, means: str | None,
              plate: str | None, registered_at: str | None, import_id: int | None) -> Registered:
    code = origin_code(origin, inside=True)
    staying = (staying_area_code or "").strip()
    check_area(actor, staying)
    if session.get(Area, staying) is None:
        raise Invalid(f"area {staying} is not in the registry", column="staying_area_code")
    if means is not None and means not in MEANS:
        raise Invalid(f"means must be one of {', '.join(MEANS)}", column="means")
    try:
        phone = parse_phone(phone) if phone else None
    except IdentityError as exc:
        raise Invalid(str(exc), column="phone") from None
    plate = (plate or "").strip().upper()[:12] or None
    where = (registered_at or "").strip()[:40] or None
    protocol = current()
    person = _person(session, actor, id_number, name, staying)
    stored = _same(session, person.id, arrived_at, rules_of(protocol).same_arrival_hours)
    known = _in_county(session, code) or (len(code) == 6 and origin_known(code))
    level = risk_level(session, code, to_local(arrived_at).date(), protocol)
    if stored is not None:
        check_area(actor, stored.staying_area_code)
        # Two checkpoints naming different origins: the stricter origin holds, with its measures.
        graver = (code, known, level) if _stricter(level, stored.risk_level) else None
        merged = _merge(session, actor, stored, arrived_at=arrived_at, phone=phone, means=means, plate=plate,
                        where=where, origin=graver, protocol=protocol, pickup=_pickup(actor, where))
        return Registered(merged, False, measures_of(merged), _name_for(actor, person, name))
    arrival = Arrival(person_id=person.id, origin_code=code, origin_known=known, arrived_at=arrived_at,
                      means=means, plate=plate, phone=phone, staying_area_code=staying, registered_at_code=where,
                      seen_at=[where] if where else [], edition=protocol.edition, registered_by_id=actor.id or None,
                      import_id=import_id)
    arrival.risk_level = level
    arrival.category = rules_of(protocol).measures.get(level or "")
    session.add(arrival)
    session.flush()
    _request_placement(session, arrival, _pickup(actor, where))
    audit.record(session, actor, "create", "arrival", arrival.id, after=audit.snapshot(arrival))
    return Registered(arrival, True, measures_of(arrival), _name_for(actor, person, name))


def _pickup(actor: Principal, where: str | None) -> str | None:
    """A checkpoint officer's registration: the person is at the checkpoint, and is collected there."""
    if actor.role != Role.checkpoint:
        return None
    return f"卡口 {where}" if where else "卡口"


def _stricter(level: str | None, than: str | None) -> bool:
    """Whether an origin's level asks more than another's (no level asks least)."""
    rank = {name: n for n, name in enumerate(ORIGIN_LEVELS)}
    return level is not None and rank[level] < rank.get(than or "", len(ORIGIN_LEVELS))


def _request_placement(session: Session, arrival: Arrival, pickup: str | None = None) -> None:
    """A centralized measure's placement request, once an arrival's. Registered at a checkpoint, the
    person waits there: the checkpoint is where transport collects them (`pickup`)."""
    measures = measures_of(arrival)
    if measures is None or measures.setting != "centralized" or arrival.placement_request_id is not None:
        return
    # The rule, not the officer, sends them: the request is Fangyi's, after this actor's checks.
    wanted = quarantine.Wanted(person_id=arrival.person_id, category=arrival.category or "",
                               last_exposure=arrival.arrived_at,
                               reason=f"arrival from {origin_name(arrival.origin_code)} ({arrival.risk_level})",
                               source="arrivals", pickup=pickup)
    arrival.placement_request_id = quarantine.request_placements(session, SYSTEM, [wanted])[0].id
    session.flush()


def _merge(session: Session, actor: Principal, stored: Arrival, *, arrived_at: datetime, phone: str | None,
           means: str | None, plate: str | None, where: str | None, origin: tuple[str, bool, str | None] | None,
           protocol: Protocol, pickup: str | None = None) -> Arrival:
    """The same arrival again: fill what was missing, note the second checkpoint, keep the earliest
    time; a stricter origin (code, known, level) replaces the stored one, and its measures hold."""
    seen: list[str] = list(stored.seen_at)
    before: dict[str, Any] = {"arrived_at": stored.arrived_at, "phone": stored.phone, "means": stored.means,
                              "plate": stored.plate, "seen_at": seen, "origin_code": stored.origin_code,
                              "origin_known": stored.origin_known, "risk_level": stored.risk_level,
                              "category": stored.category}
    after: dict[str, Any] = {"arrived_at": min(stored.arrived_at, arrived_at), "phone": stored.phone or phone,
                             "means": stored.means or means, "plate": stored.plate or plate,
                             "seen_at": [*seen, where] if where and where not in seen else seen}
    if origin is not None:
        code, known, level = origin
        after |= {"origin_code": code, "origin_known": known, "risk_level": level,
                  "category": rules_of(protocol).measures.get(level or "")}
    else:
        after |= {key: before[key] for key in ("origin_code", "origin_known", "risk_level", "category")}
    if after == before:
        return stored
    for key, value in after.items():
        setattr(stored, key, value)
    session.flush()
    _request_placement(session, stored, pickup)
    old, new = audit.changes(before, after)
    audit.record(session, actor, "merge", "arrival", stored.id, before=_plain(old), after=_plain(new))
    return stored


def measures_of(arrival: Arrival, protocol: Protocol | None = None) -> Plan | None:
    if arrival.category is None:
        return None
    protocol = protocol or current()
    rule = protocol.quarantine.get(arrival.category)
    return None if rule is None else plan(rule, arrival.category, to_local(arrival.arrived_at).date())


# ---- reading arrivals -------------------------------------------------------------------------


def get_arrival(session: Session, actor: Principal, arrival_id: int) -> Arrival:
    require(actor, "read_arrivals")
    arrival = session.get(Arrival, arrival_id)
    if arrival is None:
        raise NotFound(NOT_FOUND)
    check_area(actor, arrival.staying_area_code)
    return arrival


def list_arrivals(session: Session, actor: Principal, *, day: date | None = None, flagged: bool = False,
                  limit: int = 200) -> list[tuple[Arrival, Person]]:
    require(actor, "read_arrivals")
    query = (select(Arrival, Person).join(Person, Person.id == Arrival.person_id)
             .where(in_jurisdiction(actor, Arrival.staying_area_code)))
    if day is not None:
        start, end = day_bounds(day)
        query = query.where(Arrival.arrived_at >= start, Arrival.arrived_at < end)
    if flagged:
        query = query.where(Arrival.origin_known.is_(False))
    return [(a, p) for a, p in session.execute(query.order_by(Arrival.arrived_at.desc()).limit(limit))]


# ---- the village doctor's day -----------------------------------------------------------------


@dataclass
class Task:
    arrival: Arrival
    person: Person
    kind: str
    label: str = ""
    done: int = 0  # temperatures taken today (of per_day)
    wanted: int = 1
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        return self.done < self.wanted


def due_on(arrival: Arrival, measures: Plan | None, day: date, per_day: int,
           done: list[ArrivalWork]) -> list[tuple[str, str, int, int]]:
    """(kind, label, done, wanted) of everything an arrival is due on `day`, done or not."""
    found: list[tuple[str, str, int, int]] = []
    visited = [w for w in done if w.kind == "first_visit"]
    # Someone sent to centralized quarantine is first visited once home (if their measures bring them home).
    home = measures is None or measures.setting != "centralized"
    first = to_local(arrival.arrived_at).date() if home else measures.home_from if measures else None
    if first is not None and first <= day and (not visited or visited[0].day == day):
        found.append(("first_visit", "", 1 if visited else 0, 1))
    if measures is None:
        return found
    on_day = [w for w in done if w.day == day]
    span = measures.home_from, measures.home_to
    if span[0] is not None and span[1] is not None and span[0] <= day <= span[1]:
        taken = sum(1 for w in on_day if w.kind == "temperature")
        found.append(("temperature", "", min(taken, per_day), per_day))
    tests: list[Due] = [t for t in measures.tests if t.day == day]
    for test in tests:
        taken = any(w.kind == "test" and w.detail.get("label") == test.label for w in done)
        found.append(("test", test.label, int(taken), 1))
    if measures.release == day:
        released = any(w.kind == "release" for w in done)
        found.append(("release", "", int(released), 1))
    return found


def _open_arrivals(session: Session, actor: Principal, day: date) -> list[tuple[Arrival, Person]]:
    """Arrivals in the actor's jurisdiction that may still be due something on `day`: arrived by its
    end, and either not yet visited or within the longest home period the edition knows."""
    protocol = current()
    longest = max((r.days + r.monitoring_days for r in protocol.quarantine.values()), default=0) + 2
    _, end = day_bounds(day)
    visited = select(ArrivalWork.arrival_id).where(ArrivalWork.kind == "first_visit", ArrivalWork.day < day)
    return [(a, p) for a, p in session.execute(
        select(Arrival, Person).join(Person, Person.id == Arrival.person_id)
        .where(in_jurisdiction(actor, Arrival.staying_area_code), Arrival.arrived_at < end,
               or_(Arrival.arrived_at >= end - timedelta(days=longest), Arrival.id.not_in(visited)))
        .order_by(Arrival.staying_area_code, Arrival.arrived_at))]


def village_day(session: Session, actor: Principal, day: date) -> list[Task]:
    """Everything the arrivals staying in the actor's villages are due on `day`, open ones first."""
    require(actor, "arrival_work")
    rows = _open_arrivals(session, actor, day)
    work: dict[int, list[ArrivalWork]] = {}
    if rows:
        for w in session.scalars(select(ArrivalWork).where(ArrivalWork.arrival_id.in_([a.id for a, _ in rows]))
                                 .order_by(ArrivalWork.day, ArrivalWork.id)):
            work.setdefault(w.arrival_id, []).append(w)
    per_day = current().health_checks.per_day
    tasks = [Task(arrival, person, kind, label, done, wanted)
             for arrival, person in rows
             for kind, label, done, wanted in due_on(arrival, measures_of(arrival), day, per_day,
                                                     work.get(arrival.id, []))]
    return sorted(tasks, key=lambda t: (not t.open, t.arrival.staying_area_code, t.person.name))


@dataclass
class Done:
    work: ArrivalWork
    alert_id: int | None = None
    merged: bool = False  # done already (by this phone or someone else): the stored item is the answer
    repeated: bool = False  # the phone's entry (client_id) had been received before: its answer again


def record_work(session: Session, actor: Principal, *, arrival_id: int, kind: str, day: date | None = None,
                temperature: float | None = None, label: str | None = None, note: str | None = None,
                at: datetime | None = None, client_id: str | None = None) -> Done:
    """One thing done for an arrival: a visit, a temperature (a fever raises quarantine's alert), a
    test taken, the release. A reading no living person gives is refused, to be asked again.

    `at` is when it was done (a phone offline sends it later; never after now); with a phone's
    `client_id`, the entry is kept under it and a resend gets the first answer and changes nothing.
    A first visit, a test or a release done already (by someone else, or typed twice) is merged:
    the stored one is the answer, nothing is doubled."""
    require(actor, "arrival_work")
    if client_id is None:
        return _record_work(session, actor, arrival_id=arrival_id, kind=kind, day=day, temperature=temperature,
                            label=label, note=note, at=at)

    def again(entry: ArrivalEntry) -> Done:
        work = session.get(ArrivalWork, entry.record_id)
        if work is None:  # pragma: no cover - work is never deleted
            raise NotFound(NOT_FOUND)
        if work.arrival_id != arrival_id or work.kind != kind:  # the id sent again, for another arrival or kind
            raise Conflict(REUSED, column="client_id")
        return Done(work, merged=entry.merged, repeated=True)

    def make() -> tuple[Done, int, bool, str]:
        done = _record_work(session, actor, arrival_id=arrival_id, kind=kind, day=day, temperature=temperature,
                            label=label, note=note, at=at)
        area = session.get(Arrival, done.work.arrival_id)
        return done, done.work.id, done.merged, area.staying_area_code if area else ""

    return _once(session, actor, client_id, "work", again, make)


def _when(at: datetime | None) -> datetime:
    """When something was done: the phone's time, never later than now."""
    moment = now()
    if at is None:
        return moment
    if at.tzinfo is None:
        raise Invalid("the time needs its zone", column="at")
    return min(at, moment)


when = _when


def _record_work(session: Session, actor: Principal, *, arrival_id: int, kind: str, day: date | None,
                 temperature: float | None, label: str | None, note: str | None, at: datetime | None) -> Done:
    arrival = session.get(Arrival, arrival_id)
    if arrival is None:
        raise NotFound(NOT_FOUND)
    check_area(actor, arrival.staying_area_code)
    moment = _when(at)
    day = day or to_local(moment).date()
    if day > to_local(now()).date():
        raise Invalid("that day has not come yet", column="day")
    protocol = current()
    detail: dict[str, Any] = {}
    if kind in ("test", "first_visit", "release"):
        # Two handhelds sending the same one at once: the second waits for the first and merges into it.
        one_at_a_time(session, f"arrival-work:{arrival.id}:{kind}")
    same = select(ArrivalWork).where(ArrivalWork.arrival_id == arrival.id, ArrivalWork.kind == kind)
    if kind == "temperature":
        check_temperature(temperature, protocol)
    elif kind == "test":
        detail["label"] = (label or "").strip()[:12]
        stored = [w for w in session.scalars(same.order_by(ArrivalWork.id)) if w.detail.get("label") == detail["label"]]
        if stored:
            return Done(stored[0], merged=True)
    elif kind in ("first_visit", "release"):
        if (first := session.scalars(same.order_by(ArrivalWork.id)).first()) is not None:
            return Done(first, merged=True)
    else:
        raise Invalid("kind must be first_visit, temperature, test or release", column="kind")
    if note:
        detail["note"] = note.strip()[:300]
    work = ArrivalWork(arrival_id=arrival.id, kind=kind, day=day, temperature=temperature if kind == "temperature"
                       else None, detail=detail, at=moment, by_id=actor.id or None)
    session.add(work)
    session.flush()
    audit.record(session, actor, "create", "arrival_work", work.id, after=audit.snapshot(work))
    alert_id = None
    if kind == "temperature" and temperature is not None and temperature >= protocol.health_checks.fever_celsius:
        alert = quarantine.fever_at_home(session, actor, person_id=arrival.person_id, temperature=temperature,
                                         where=arrival.staying_area_code, source=f"arrival {arrival.id}")
        alert_id = alert.id
    return Done(work, alert_id)


# ---- the household sweep ----------------------------------------------------------------------

MAX_RETURNED = 50  # people back from elsewhere found in one household: more is a typing slip


@dataclass
class HouseholdRow:
    household: Household
    members: list[str]  # the registry's names of those living there, for the doctor to know the door
    last: HouseholdVisit | None  # the latest visit by the end of the day


@dataclass
class Coverage:
    village: Area
    households: int
    visited: int  # households visited at least once by the end of the day
    returned: int  # people back from elsewhere found, each household's latest count

    @property
    def share(self) -> float:
        return self.visited / self.households if self.households else 0.0


def _village(session: Session, actor: Principal, code: str) -> Area:
    area = session.get(Area, (code or "").strip())
    if area is None or area.level != "village":
        raise NotFound("village not found in your jurisdiction")
    scope = jurisdiction(actor)
    # A doctor of one group (a 15-digit area) works the village above it: its households are then
    # limited to the group's by in_jurisdiction, as sweep_villages offers it.
    if not (len(scope) > 12 and scope[:12] == area.code):
        check_area(actor, area.code)
    return area


def sweep_villages(session: Session, actor: Principal) -> list[Area]:
    """The villages of the actor's jurisdiction (a village doctor's own village, or those under their area)."""
    require(actor, "arrival_work")
    scope = jurisdiction(actor)
    rows = list(session.scalars(select(Area).where(Area.level == "village", in_jurisdiction(actor, Area.code))
                                .order_by(Area.code)))
    if not rows and len(scope) > 12:  # a doctor of one group: the village above it
        village = session.get(Area, scope[:12])
        rows = [village] if village is not None and village.level == "village" else []
    return rows


def sweep(session: Session, actor: Principal, village_code: str, day: date) -> list[HouseholdRow]:
    """A village's households as a checklist, each with its latest visit by the end of `day`."""
    require(actor, "arrival_work")
    village = _village(session, actor, village_code)
    households = list(session.scalars(select(Household).where(
        Household.area_code.startswith(village.code, autoescape=True), in_jurisdiction(actor, Household.area_code))
        .order_by(Household.code)))
    ids = [h.id for h in households]
    members: dict[int, list[str]] = {}
    last: dict[int, HouseholdVisit] = {}
    if ids:
        for household_id, name in session.execute(select(Person.household_id, Person.name).where(
                Person.household_id.in_(ids), Person.merged_into_id.is_(None)).order_by(Person.id)):
            if household_id is not None:
                members.setdefault(household_id, []).append(name)
        for visit in session.scalars(select(HouseholdVisit).where(HouseholdVisit.household_id.in_(ids),
                                                                  HouseholdVisit.day <= day)
                                     .order_by(HouseholdVisit.day, HouseholdVisit.id)):
            last[visit.household_id] = visit
    return [HouseholdRow(h, members.get(h.id, []), last.get(h.id)) for h in households]


@dataclass
class Visited:
    visit: HouseholdVisit
    merged: bool = False  # visited already that day: the one visit holds the larger count
    repeated: bool = False


def visit_household(session: Session, actor: Principal, *, household_id: int, returned: int,
                    day: date | None = None, note: str | None = None, at: datetime | None = None,
                    client_id: str | None = None) -> Visited:
    """Mark a household visited on a day with the number of people back from elsewhere found there.
    A second visit the same day (another doctor, or the same one twice) is merged into the first:
    the count found is the larger of the two."""
    require(actor, "arrival_work")
    if client_id is None:
        return _visit_household(session, actor, household_id=household_id, returned=returned, day=day, note=note,
                                at=at)

    def again(entry: ArrivalEntry) -> Visited:
        visit = session.get(HouseholdVisit, entry.record_id)
        if visit is None:  # pragma: no cover - visits are never deleted
            raise NotFound("household not found in your jurisdiction")
        if visit.household_id != household_id:  # the id sent again, for another household
            raise Conflict(REUSED, column="client_id")
        return Visited(visit, merged=entry.merged, repeated=True)

    def make() -> tuple[Visited, int, bool, str]:
        done = _visit_household(session, actor, household_id=household_id, returned=returned, day=day, note=note,
                                at=at)
        return done, done.visit.id, done.merged, done.visit.area_code

    return _once(session, actor, client_id, "household", again, make)


def _visit_household(session: Session, actor: Principal, *, household_id: int, returned: int, day: date | None,
                     note: str | None, at: datetime | None) -> Visited:
    household = session.get(Household, household_id)
    if household is None:
        raise NotFound("household not found in your jurisdiction")
    check_area(actor, household.area_code)
    if not 0 <= returned <= MAX_RETURNED:
        raise Invalid(f"people back from elsewhere must be 0 to {MAX_RETURNED}", column="returned")
    moment = _when(at)
    day = day or to_local(moment).date()
    if day > to_local(now()).date():
        raise Invalid("that day has not come yet", column="day")
    text = (note or "").strip()[:300] or None
    # Two doctors marking the household at once: the second waits for the first, then merges into
    # its visit (the larger count), so neither is lost to the (household, day) key.
    one_at_a_time(session, f"household-visit:{household.id}:{day.isoformat()}")
    stored = session.scalar(select(HouseholdVisit).where(HouseholdVisit.household_id == household.id,
                                                         HouseholdVisit.day == day))
    if stored is not None:
        count, kept = max(stored.returned, returned), stored.note or text
        before: dict[str, Any] = {"returned": stored.returned, "note": stored.note}
        after: dict[str, Any] = {"returned": count, "note": kept}
        if after != before:
            stored.returned, stored.note = count, kept
            session.flush()
            old, new = audit.changes(before, after)
            audit.record(session, actor, "merge", "household_visit", stored.id, before=old, after=new)
        return Visited(stored, merged=True)
    visit = HouseholdVisit(household_id=household.id, area_code=household.area_code, day=day, returned=returned,
                           note=text, by_id=actor.id or None, at=moment)
    session.add(visit)
    session.flush()
    audit.record(session, actor, "create", "household_visit", visit.id, after=audit.snapshot(visit))
    return Visited(visit)


def coverage(session: Session, actor: Principal, day: date) -> list[Coverage]:
    """Per village of the actor's jurisdiction: its households, how many were visited by the end of
    the day, and the people back from elsewhere found (each household's latest count)."""
    require(actor, "read_arrivals")
    return _coverage(session, actor, day)


def _coverage(session: Session, actor: Principal, day: date) -> list[Coverage]:
    villages = list(session.scalars(select(Area).where(Area.level == "village", in_jurisdiction(actor, Area.code))
                                    .order_by(Area.code)))
    if not villages:
        return []
    # Counted in the database, per village (the first 12 digits of an area code): never every visit in Python.
    village_of = func.substr(Household.area_code, 1, 12)
    households: dict[str, int] = {code: count for code, count in session.execute(
        select(village_of, func.count()).where(in_jurisdiction(actor, Household.area_code)).group_by(village_of))}
    # Each household's latest visit by the end of the day (one a household and day).
    latest = (select(HouseholdVisit.household_id, func.max(HouseholdVisit.day).label("day"))
              .where(in_jurisdiction(actor, HouseholdVisit.area_code), HouseholdVisit.day <= day)
              .group_by(HouseholdVisit.household_id).subquery())
    visit_village = func.substr(HouseholdVisit.area_code, 1, 12)
    visited: dict[str, tuple[int, int]] = {
        code: (int(count), int(found or 0)) for code, count, found in session.execute(
            select(visit_village, func.count(), func.sum(HouseholdVisit.returned))
            .join(latest, (HouseholdVisit.household_id == latest.c.household_id) & (HouseholdVisit.day == latest.c.day))
            .group_by(visit_village))}
    return [Coverage(v, households.get(v.code, 0), *visited.get(v.code, (0, 0))) for v in villages
            if households.get(v.code) or v.code in visited]


# ---- figures ----------------------------------------------------------------------------------


def figures(session: Session, actor: Principal, day: date) -> dict[str, Any]:
    """Registered on the day and in total by its end, those under a measure that day, and the
    village's work due and done on it: all inside the actor's jurisdiction (the report's own
    permission is the command's to check, as for every part's figures)."""
    start, end = day_bounds(day)
    mine = in_jurisdiction(actor, Arrival.staying_area_code)
    today = session.scalar(select(func.count()).where(mine, Arrival.arrived_at >= start, Arrival.arrived_at < end))
    total = session.scalar(select(func.count()).where(mine, Arrival.arrived_at < end))
    protocol = current()
    per_day = protocol.health_checks.per_day
    longest = max((r.days + r.monitoring_days for r in protocol.quarantine.values()), default=0) + 2
    recent = list(session.scalars(select(Arrival).where(
        mine, Arrival.arrived_at < end, Arrival.arrived_at >= end - timedelta(days=longest))))
    work: dict[int, list[ArrivalWork]] = {}
    if recent:
        for w in session.scalars(select(ArrivalWork).where(
                ArrivalWork.arrival_id.in_([a.id for a in recent]), ArrivalWork.day <= day)):
            work.setdefault(w.arrival_id, []).append(w)
    under = 0
    counted: Counter[str] = Counter()
    for arrival in recent:
        measures = measures_of(arrival, protocol)
        if measures is not None and to_local(arrival.arrived_at).date() <= day <= measures.ends:
            under += 1
        for _kind, _label, done, wanted in due_on(arrival, measures, day, per_day, work.get(arrival.id, [])):
            counted["due"] += wanted
            counted["done"] += done
    levels = dict(session.execute(select(Arrival.risk_level, func.count()).where(mine, Arrival.arrived_at < end)
                                  .group_by(Arrival.risk_level)).all())
    by_risk = {f"origin_{level}": levels.get(level, 0) for level in ORIGIN_LEVELS}
    by_risk["origin_none"] = levels.get(None, 0)
    villages = _coverage(session, actor, day)
    households = sum(c.households for c in villages)
    visited = sum(c.visited for c in villages)
    sweep = {"sweep_households": households, "sweep_visited": visited,
             "sweep_coverage": round(visited / households, 4) if households else 0.0,
             "sweep_returned": sum(c.returned for c in villages)}
    # Each village's share of households visited, under its area code and name (two townships may
    # each have a village of one name).
    sweep |= {f"{c.village.code} {c.village.name}": round(c.share, 4) for c in villages}
    return {"today": today or 0, "total": total or 0, "under_measures": under,
            "visits_due": counted["due"], "visits_done": counted["done"], **by_risk, **sweep}

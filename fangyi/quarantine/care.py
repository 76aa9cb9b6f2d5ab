"""Life in quarantine: health checks, tests, alerts, the index turning, release and transport.

A fever or a positive test raises an alert at once, with a transport request to the
designated hospital and a single test task. A close contact testing positive makes each of
its secondary contacts a close contact with a new clock.

Each function checks its permission first, then that the placement (or transport) lies in the
actor's jurisdiction (see scope.py): a person the actor does not see is "not found", whether or
not they are in quarantine.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, can, require, sees
from fangyi.audit import service as audit
from fangyi.config import get_settings
from fangyi.errors import Conflict, Forbidden, Invalid, NotFound
from fangyi.parts import installed
from fangyi.protocols.reader import current
from fangyi.quarantine.clock import WAIVED, Clock, Missing, Result, clock, missing, rule_for
from fangyi.quarantine.models import (
    Alert,
    HealthCheck,
    Placement,
    PlacementRequest,
    QuarantineSite,
    QuarantineTest,
    Room,
    TransportRequest,
)
from fangyi.quarantine.scope import check_person, check_placement, hidden, sees_placement, site_by_code
from fangyi.registry.models import Person
from fangyi.timeutil import day_bounds, now

# What a living person's thermometer can read: outside it the reading is a typing error,
# not a patient (physiology, not protocol).
LOWEST_CELSIUS, HIGHEST_CELSIUS = 34.0, 43.0
HOSPITAL = "定点医院 designated hospital"
RESULT_VALUES = ("negative", "positive", "invalid")


def _active(session: Session, person_id: int) -> Placement | None:
    return session.scalar(select(Placement).where(Placement.person_id == person_id, Placement.status == "active"))


def _monitored(session: Session, person_id: int) -> Placement | None:
    """The stay a monitoring-day test belongs to: released into home health monitoring, or still active."""
    return session.scalar(select(Placement).where(
        Placement.person_id == person_id,
        (Placement.status == "active") | (Placement.release_kind == "monitoring"),
    ).order_by(Placement.placed_at.desc()).limit(1))


def _stay(session: Session, actor: Principal, person_id: int, find: Callable[[Session, int], Placement | None],
          absent: str) -> Placement:
    """The person's stay as `find` picks it. A stay the actor sees is theirs to work on; otherwise a
    person outside the jurisdiction is not found (in quarantine or not), and one inside is a 409."""
    placement = find(session, person_id)
    if placement is not None and sees_placement(session, actor, placement):
        return placement
    check_person(session, actor, person_id)
    raise Conflict(f"person {person_id} is {absent}", column="person_id")


def active_placement(session: Session, actor: Principal, person_id: int) -> Placement:
    return _stay(session, actor, person_id, _active, "not in quarantine")


def monitored_placement(session: Session, actor: Principal, person_id: int) -> Placement:
    return _stay(session, actor, person_id, _monitored, "neither in quarantine nor in home health monitoring")


def _placement(session: Session, actor: Principal, placement_id: int) -> Placement:
    return check_placement(session, actor, session.get(Placement, placement_id), f"placement {placement_id}")


def clock_of(placement: Placement) -> Clock:
    """The clock by the edition in force; a placement keeps the category it was given."""
    return clock(current(), placement.category, placement.last_exposure, get_settings().tz)


def results_of(session: Session, person_ids: Sequence[int]) -> dict[int, list[Result]]:
    t = QuarantineTest
    rows = session.execute(select(t.person_id, t.phase, t.day, t.result, t.reagent)
                           .where(t.person_id.in_(person_ids))).all()
    found: dict[int, list[Result]] = {i: [] for i in person_ids}
    for person_id, phase, day, result, reagent in rows:
        found[person_id].append(Result(phase, day, result, reagent))
    return found


def _before_placement(placement: Placement, the_clock: Clock) -> list[Any]:
    """The quarantine test days that fell before the placement began (a contact who turned close,
    or was placed late): nobody could test them under this placement."""
    placed = placement.placed_at.astimezone(get_settings().tz).date()
    return [due for due in the_clock.test_days if due.phase == "quarantine" and due.on < placed]


def what_is_missing(session: Session, placement: Placement, on: date) -> list[Missing]:
    t = QuarantineTest
    own = session.execute(select(t.phase, t.day, t.result, t.reagent).where(t.placement_id == placement.id)).all()
    tests = [Result(phase, day, result, reagent) for phase, day, result, reagent in own]
    the_clock = clock_of(placement)
    done = {test.day for test in tests if test.phase == "quarantine" and test.result in ("negative", WAIVED)}
    # A test day before the placement is met by a negative test the person had that day anywhere
    # (an earlier placement, a screening round): the parts that keep tests say.
    for due in _before_placement(placement, the_clock):
        if due.day in done:
            continue
        start, end = day_bounds(due.on)
        sampled = installed().last_negative(session, placement.person_id, end)
        if sampled is not None and sampled >= start:
            tests.append(Result("quarantine", due.day, "negative", None))
    linked = results_of(session, list(placement.linked_person_ids or []))
    return missing(current(), the_clock, tests, on, list(linked.values()))


def waive_test(session: Session, actor: Principal, placement_id: int, *, day: int, reason: str) -> Placement:
    """Waive a quarantine test day that fell before the placement existed and that no test met,
    with the reason on record (as the edition allows), so that the release needs no override."""
    require(actor, "release")
    placement = _placement(session, actor, placement_id)
    if placement.status != "active":
        raise Conflict(f"placement {placement_id} is {placement.status}, not active")
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a test day is waived with a reason", column="reason")
    the_clock = clock_of(placement)
    earlier = {due.day: due for due in _before_placement(placement, the_clock)}
    if day not in earlier:
        raise Invalid(f"only a test day before the placement began can be waived "
                      f"({', '.join(map(str, sorted(earlier))) or 'none'})", column="day")
    taken = session.scalar(select(QuarantineTest.id).where(
        QuarantineTest.placement_id == placement.id, QuarantineTest.phase == "quarantine",
        QuarantineTest.day == day, QuarantineTest.result.in_(("negative", WAIVED))))
    if taken is not None:
        raise Conflict(f"test day {day} is met already")
    record = QuarantineTest(placement_id=placement.id, person_id=placement.person_id, phase="quarantine", day=day,
                            result=WAIVED, by_id=actor.id or None)
    session.add(record)
    session.flush()
    audit.record(session, actor, "waive_test", "placement", placement.id,
                 after={"day": day, "on": earlier[day].on.isoformat()}, note=reason[:500])
    return placement


def _raise_alert(session: Session, actor: Principal, placement: Placement, kind: str,
                 detail: dict[str, Any]) -> Alert:
    alert = Alert(placement_id=placement.id, person_id=placement.person_id, kind=kind, detail=detail, at=now())
    session.add(alert)
    where = placement.address or ""
    if placement.room_id is not None:
        room = session.get(Room, placement.room_id)
        site = session.get(QuarantineSite, placement.site_id)
        where = f"{site.name if site else ''} {room.room if room else ''}".strip()
    session.add(TransportRequest(person_id=placement.person_id, placement_id=placement.id, from_place=where[:300],
                                 to_place=HOSPITAL, reason="hospital", status="open", created_at=now()))
    # A single test: one open task per placement, however many alerts.
    t = QuarantineTest
    task = session.scalar(select(t.id).where(t.placement_id == placement.id, t.phase == "single",
                                             t.result == "pending"))
    if task is None:
        session.add(QuarantineTest(placement_id=placement.id, person_id=placement.person_id, phase="single",
                               result="pending"))
    session.flush()
    audit.record(session, actor, "alert", "placement", placement.id, after={"kind": kind, **detail})
    return alert


def record_check(session: Session, actor: Principal, *, person_id: int, temperature: float,
                 symptoms: str | None = None, at: datetime | None = None) -> tuple[HealthCheck, Alert | None]:
    require(actor, "record_checks")
    if not LOWEST_CELSIUS <= temperature <= HIGHEST_CELSIUS:
        raise Invalid(f"{temperature:g} °C is not a living person's temperature "
                      f"({LOWEST_CELSIUS:g}–{HIGHEST_CELSIUS:g})", column="temperature")
    placement = active_placement(session, actor, person_id)
    check = HealthCheck(placement_id=placement.id, person_id=person_id, temperature=temperature,
                        symptoms=(symptoms or "").strip()[:300] or None, at=at or now(), by_id=actor.id or None)
    session.add(check)
    session.flush()
    audit.record(session, actor, "create", "health_check", check.id, after=audit.snapshot(check))
    alert = None
    if temperature >= current().health_checks.fever_celsius:
        alert = _raise_alert(session, actor, placement, "fever", {"temperature": temperature, "check_id": check.id})
    return check, alert


@dataclass
class Checked:
    check: HealthCheck
    alert: Alert | None
    name: str  # whose check it was, for the page's message


def check_at_site(session: Session, actor: Principal, code: str, *, person_id: int, temperature: float,
                  symptoms: str | None = None) -> Checked:
    """A check typed on a site's board: only for someone placed at that site."""
    require(actor, "record_checks")
    site = site_by_code(session, actor, code)
    placement = _active(session, person_id)
    if placement is None or placement.site_id != site.id:
        raise NotFound(f"person {person_id} is not placed at {site.name}")
    check, alert = record_check(session, actor, person_id=person_id, temperature=temperature, symptoms=symptoms)
    person = session.get(Person, person_id)
    return Checked(check, alert, person.name if person else str(person_id))


def record_test(session: Session, actor: Principal, *, person_id: int, result: str, sampled_at: datetime,
                day: int | None = None, phase: str = "quarantine", reagent: str | None = None) -> QuarantineTest:
    """A test result on the clock (``day`` of its ``phase``), or the single test an alert asked for."""
    require(actor, "record_checks")
    if result not in RESULT_VALUES:
        raise Invalid(f"result must be one of {', '.join(RESULT_VALUES)}", column="result")
    placement = monitored_placement(session, actor, person_id) if phase == "monitoring" else \
        active_placement(session, actor, person_id)
    the_clock = clock_of(placement)
    if phase != "single":
        planned = {t.day for t in the_clock.test_days if t.phase == phase}
        if day not in planned:
            raise Invalid(f"day {day} is not a {phase} test day of {placement.category} under {the_clock.edition} "
                          f"({', '.join(map(str, sorted(planned))) or 'none'})", column="day")
    record = None
    if phase == "single":
        record = session.scalar(select(QuarantineTest).where(QuarantineTest.placement_id == placement.id,
                                                         QuarantineTest.phase == "single",
                                                         QuarantineTest.result == "pending"))
    if record is None:
        record = QuarantineTest(placement_id=placement.id, person_id=person_id, phase=phase, day=day)
        session.add(record)
    record.sampled_at, record.result, record.by_id = sampled_at, result, actor.id or None
    record.reagent = (reagent or "").strip()[:100] or None
    session.flush()
    audit.record(session, actor, "record_test", "placement", placement.id, after=audit.snapshot(record))
    if result == "positive":
        _raise_alert(session, actor, placement, "positive", {"test_id": record.id})
        if placement.category == "close_contact" and placement.status == "active":
            index_turns(session, actor, person_id)
        if placement.room_id is not None and placement.status == "active":
            roommates_exposed(session, actor, placement, now())
    return record


def roommates_exposed(session: Session, actor: Principal, placement: Placement, separated: datetime) -> list[int]:
    """Whoever shares the room of someone who tested positive (a child with a parent) was exposed
    until they were separated, now that the case leaves: a close contact from then, their clock
    counting from that moment. Returns their placements."""
    protocol = current()
    others = list(session.scalars(select(Placement).where(
        Placement.room_id == placement.room_id, Placement.status == "active", Placement.id != placement.id)))
    for other in others:
        before = {"category": other.category, "last_exposure": other.last_exposure.isoformat()}
        other.category, other.edition, other.last_exposure = "close_contact", protocol.edition, separated
        audit.record(session, actor, "roommate_exposed", "placement", other.id, before=before, after={
            "category": "close_contact", "last_exposure": separated.isoformat(), "because_of": placement.person_id})
        session.add(Alert(placement_id=other.id, person_id=other.person_id, kind="index_turned",
                          detail={"index_person_id": placement.person_id, "roommate": True}, at=separated))
    session.flush()
    return [other.id for other in others]


def index_turns(session: Session, actor: Principal, person_id: int) -> list[int]:
    """A close contact turned positive: their secondary contacts become close contacts, clock anew.

    The clock counts from the last exposure to that person, which the secondary placement already
    holds. Where the close-contact setting differs (cn-9: secondary at home, close centralized),
    the home placement ends and a new request waits for a room. Returns the persons concerned.
    """
    protocol = current()
    close = rule_for(protocol, "close_contact")
    turned: list[int] = []
    placements = [p for p in session.scalars(select(Placement).where(
        Placement.status == "active", Placement.category == "secondary_contact")) if person_id in p.linked_person_ids]
    for placement in placements:
        turned.append(placement.person_id)
        before = {"category": placement.category, "setting": placement.setting}
        if placement.setting == close.setting or placement.setting == "centralized":
            placement.category, placement.edition = "close_contact", protocol.edition
            audit.record(session, actor, "index_turned", "placement", placement.id, before=before,
                         after={"category": "close_contact", "because_of": person_id})
        else:
            placement.status, placement.ended_at, placement.release_kind = "transferred", now(), None
            session.add(PlacementRequest(person_id=placement.person_id, category="close_contact",
                                         reason=f"index {person_id} turned positive", source="index_turned",
                                         last_exposure=placement.last_exposure, actor_id=actor.id or None))
            audit.record(session, actor, "index_turned", "placement", placement.id, before=before,
                         after={"status": "transferred", "new_request": "close_contact", "because_of": person_id})
        session.add(Alert(placement_id=placement.id, person_id=placement.person_id, kind="index_turned",
                          detail={"index_person_id": person_id}, at=now()))
    for request in session.scalars(select(PlacementRequest).where(
            PlacementRequest.status == "open", PlacementRequest.category == "secondary_contact")):
        if person_id in (request.linked_person_ids or []):
            request.category = "close_contact"
            turned.append(request.person_id)
            audit.record(session, actor, "index_turned", "placement_request", request.id,
                         after={"category": "close_contact", "because_of": person_id})
    session.flush()
    return turned


@dataclass
class Released:
    placement: Placement
    missing: list[Missing]


def release(session: Session, actor: Principal, placement_id: int, *, on: date | None = None,
            override_reason: str | None = None) -> Released:
    """Release when days and tests are met; before that only a commander, with a reason.

    ``on`` is the day the release takes effect; a day before the clock's release date is a
    hand-edited release date and is refused like any early release.
    """
    require(actor, "release")
    placement = _placement(session, actor, placement_id)
    if placement.status != "active":
        raise Conflict(f"placement {placement_id} is {placement.status}, not active")
    moment = now()
    today = moment.astimezone(get_settings().tz).date()
    day = on or today
    if day > today:
        raise Invalid(f"a release cannot be dated after today ({day.isoformat()})", column="on")
    gaps = what_is_missing(session, placement, day)
    kind = "monitoring" if rule_for(current(), placement.category).monitoring_days else "full"
    if gaps:
        if not override_reason or not override_reason.strip():
            raise Conflict("release criteria not met: " + "; ".join(_say(g) for g in gaps),
                           missing=[{"code": g.code, **g.params} for g in gaps])
        if not can(actor, "override_release"):
            raise Forbidden("only a commander may release before the criteria are met")
        kind = "override"
    placement.status, placement.ended_at, placement.release_kind = "released", moment, kind
    placement.release_note = (override_reason or "").strip()[:500] or None
    _vacate(session, placement, moment)
    session.flush()
    audit.record(session, actor, "release", "placement", placement.id, after={
        "release_kind": kind, "on": day.isoformat(), "missing": [g.code for g in gaps]}, note=placement.release_note)
    return Released(placement, gaps)


def _vacate(session: Session, placement: Placement, moment: datetime) -> None:
    if placement.room_id is None:
        return
    still = session.scalar(select(func.count()).select_from(Placement).where(
        Placement.room_id == placement.room_id, Placement.status == "active", Placement.id != placement.id))
    room = session.get(Room, placement.room_id)
    if room is not None and not still:
        room.state, room.state_since = "cleaning", moment


def transfer(session: Session, actor: Principal, placement_id: int, reason: str) -> Placement:
    """The person left for hospital (or elsewhere): the stay ends, the room goes to cleaning."""
    require(actor, "release")
    placement = _placement(session, actor, placement_id)
    if placement.status != "active":
        raise Conflict(f"placement {placement_id} is {placement.status}, not active")
    moment = now()
    placement.status, placement.ended_at, placement.release_note = "transferred", moment, reason[:500]
    _vacate(session, placement, moment)
    session.flush()
    audit.record(session, actor, "transfer", "placement", placement.id, note=reason[:500])
    return placement


def transport_done(session: Session, actor: Principal, transport_id: int) -> TransportRequest:
    require(actor, "work_transport")
    transport = session.get(TransportRequest, transport_id)
    # A transport lies where its person lives, as the dispatcher's list shows it.
    person = session.get(Person, transport.person_id) if transport is not None else None
    if transport is None or person is None or not sees(actor, person.area_code):
        raise hidden(f"transport request {transport_id}")
    if transport.status == "done":
        raise Conflict(f"transport request {transport_id} is done already")
    transport.status, transport.done_at = "done", now()
    session.flush()
    audit.record(session, actor, "done", "transport_request", transport.id)
    return transport


def handle_alert(session: Session, actor: Principal, alert_id: int) -> Alert:
    require(actor, "record_checks")
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise hidden(f"alert {alert_id}")
    if alert.placement_id is not None:
        check_placement(session, actor, session.get(Placement, alert.placement_id), f"alert {alert_id}")
    elif not sees(actor, getattr(session.get(Person, alert.person_id), "area_code", None)):
        raise hidden(f"alert {alert_id}")
    if alert.handled_at is None:
        alert.handled_at, alert.handled_by_id = now(), actor.id or None
        session.flush()
        audit.record(session, actor, "handled", "quarantine_alert", alert.id)
    return alert


def _say(gap: Missing) -> str:
    p = gap.params
    return {
        "positive": "a test was positive",
        "days": f"days not met until {p.get('until')}",
        "test": f"day {p.get('day')} test ({p.get('on')}) not negative yet",
        "reagents": f"negatives with {p.get('need')} different reagents needed, {p.get('have')} so far",
        "linked_tests": f"the close contact's first {p.get('need')} tests negative needed, {p.get('have')} so far",
    }.get(gap.code, gap.code)


def last_negative(session: Session, person_id: int, before: datetime) -> datetime | None:
    """When the person was last sampled for a quarantine test that came back negative, before `before`."""
    found: datetime | None = session.scalar(
        select(func.max(QuarantineTest.sampled_at))
        .where(QuarantineTest.person_id == person_id, QuarantineTest.sampled_at < before,
               QuarantineTest.result == "negative"))
    return found

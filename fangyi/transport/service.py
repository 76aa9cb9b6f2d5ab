"""What the transport part does, and what other parts may ask of it.

Every function takes the session and the acting principal first, checks the permission and the
jurisdiction of every task and vehicle it reads, writes or is named, audits every write, and raises
DomainError. A task lies where it is picked up (its `area_code`); a vehicle at its depot; the
receiving side confirms a task by its drop-off area.

The loop: tasks come from the other parts (quarantine's transport requests, tracing's cases) or are
typed; a case's transfer to the designated hospital takes a vehicle at once (`preempt`); the rest
wait for the dispatcher, who asks for a suggestion (`suggest`: OR-Tools over the open tasks and the
fleet) and accepts or edits it (`assign`, one vehicle at a time, refused with 409 when another
dispatcher assigned the same vehicle meanwhile). The driver takes each trip through arrived, picked
up (only the people on the task), delivered and, after a case or close contact, disinfected. A task
carrying people is done only when the site or hospital confirms their arrival (`confirm_arrival`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from fangyi.access import Principal, check_area, in_jurisdiction, require, sees
from fangyi.audit import service as audit
from fangyi.errors import Conflict, Invalid, NotFound
from fangyi.identity import mask_id_number
from fangyi.protocols.reader import Transport, current
from fangyi.quarantine import service as quarantine
from fangyi.quarantine.events import PlacementsMade
from fangyi.quarantine.models import Alert, Placement, QuarantineSite, TransportRequest
from fangyi.registry.models import Area, Person
from fangyi.screening.models import Box, SamplingPoint
from fangyi.timeutil import aware, now
from fangyi.tracing.events import CaseConfirmed
from fangyi.transport import planner
from fangyi.transport.models import CLASSES, LIVE, PLACE_KINDS, TASK_KINDS, VEHICLE_STATES, Place, Task, Vehicle

# Where a task's kind takes people by default, and how urgent it is (lower first).
PRIORITY = {"hospital": 0, "fever_clinic": 1, "placement": 3, "samples": 4, "supplies": 5}
CLASS_OF_CATEGORY = {"close_contact": "close_contact", "secondary_contact": "secondary_contact"}
# Tasks with people close only on the receiving side's confirmation; tubes and supplies at delivery.
PEOPLE_KINDS = ("placement", "hospital", "fever_clinic")
ON_BOARD = ("arrived", "picked_up")


def rules() -> Transport:
    return current().transport


# --- places -------------------------------------------------------------------


def area_point(session: Session, code: str, *, column: str = "area") -> tuple[float, float]:
    """An area's coordinates, or its nearest ancestor's; an unknown area or one with none is refused."""
    area = session.get(Area, code)
    if area is None:
        raise Invalid(f"unknown place: area {code} is not in the registry", column=column)
    seen: Area | None = area
    while seen is not None:
        if seen.lat is not None and seen.lon is not None:
            return (seen.lat, seen.lon)
        seen = session.get(Area, seen.parent_code) if seen.parent_code else None
    raise Invalid(f"area {code} has no coordinates, nor has any area above it", column=column)


def _place(session: Session, kind: str) -> Place | None:
    return session.scalar(select(Place).where(Place.kind == kind).order_by(Place.code).limit(1))


def _place_point(session: Session, place: Place) -> tuple[float, float]:
    if place.lat is not None and place.lon is not None:
        return (place.lat, place.lon)
    return area_point(session, place.area_code)


def _destination(session: Session, kind: str, fallback_area: str, label: str) -> tuple[str, str, tuple[float, float]]:
    """The designated hospital or fever clinic as the fleet knows it; without one, the county seat's
    area (so that the clock still runs and the dispatcher sees where the case waits)."""
    place = _place(session, kind)
    if place is not None:
        return place.area_code, place.name, _place_point(session, place)
    county = fallback_area[:6]
    code = county if session.get(Area, county) is not None else fallback_area
    return code, label, area_point(session, code)


# --- tasks ----------------------------------------------------------------------


@dataclass
class TaskFields:
    kind: str
    rider_class: str
    from_area_code: str
    to_area_code: str
    from_label: str | None = None
    to_label: str | None = None
    person_ids: list[int] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    seats: int | None = None
    earliest_at: datetime | None = None
    latest_at: datetime | None = None
    priority: int | None = None


def _labels(session: Session, codes: Iterable[str]) -> dict[str, str]:
    rows = session.execute(select(Area.code, Area.name).where(Area.code.in_(sorted(set(codes)))))
    return {code: name for code, name in rows}


def create_task(session: Session, actor: Principal, fields: TaskFields) -> Task:
    """A task typed by a dispatcher or asked for by another part's user (supplies to a site, a box of
    tubes to a lab): both places must be registry areas, the pick-up in the asker's jurisdiction."""
    require(actor, "request_transport")
    if fields.kind not in TASK_KINDS:
        raise Invalid(f"kind {fields.kind!r} is not one of {', '.join(TASK_KINDS)}", column="kind")
    if fields.rider_class not in CLASSES or fields.rider_class not in rules().riders:
        raise Invalid(f"rider class {fields.rider_class!r} is not one of {', '.join(CLASSES)}", column="rider_class")
    people = rules().riders[fields.rider_class].people
    if people and not fields.person_ids:
        raise Invalid("a task carrying people names them", column="person_ids")
    if not people and fields.person_ids:
        raise Invalid("tubes and supplies never ride with people", column="person_ids")
    pick = area_point(session, fields.from_area_code, column="from_area_code")
    drop = area_point(session, fields.to_area_code, column="to_area_code")
    check_area(actor, fields.from_area_code)
    persons = list(session.scalars(select(Person).where(Person.id.in_(fields.person_ids)))) if people else []
    if len(persons) != len(set(fields.person_ids)) or any(not sees(actor, p.area_code) for p in persons):
        raise Invalid("a person named is not found in your jurisdiction", column="person_ids")
    households = {p.household_id for p in persons}
    if fields.rider_class == "close_contact" and len(households) > 1:
        raise Invalid("close contacts ride with their own household only: one household per task",
                      column="person_ids")
    if rules().riders[fields.rider_class].shares == "alone" and len(persons) > 1:
        raise Invalid(f"a {fields.rider_class} rides alone", column="person_ids")
    moment = now()
    earliest = aware(fields.earliest_at) if fields.earliest_at else moment
    latest = aware(fields.latest_at) if fields.latest_at else earliest + timedelta(hours=_window_hours(fields.kind))
    if latest <= earliest:
        raise Invalid("the latest time is before the earliest", column="latest_at")
    names = _labels(session, (fields.from_area_code, fields.to_area_code))
    task = Task(
        kind=fields.kind, rider_class=fields.rider_class,
        priority=PRIORITY[fields.kind] if fields.priority is None else fields.priority,
        area_code=fields.from_area_code, from_area_code=fields.from_area_code,
        from_label=(fields.from_label or names[fields.from_area_code])[:300], from_lat=pick[0], from_lon=pick[1],
        to_area_code=fields.to_area_code, to_label=(fields.to_label or names[fields.to_area_code])[:300],
        to_lat=drop[0], to_lon=drop[1], person_ids=sorted({p.id for p in persons}),
        household_id=next(iter(households)) if len(households) == 1 else None,
        items=list(fields.items), seats=fields.seats or max(1, len(persons) if people else len(fields.items) or 1),
        earliest_at=earliest, latest_at=latest, requested_by=actor.username, status="open", created_at=moment,
    )
    session.add(task)
    session.flush()
    audit.record(session, actor, "create", "transport_task", task.id, after=audit.snapshot(task))
    return task


def _window_hours(kind: str) -> int:
    if kind == "hospital":
        return current().clocks.get("to_hospital", rules().default_window_hours)
    return rules().default_window_hours


def _new_task(session: Session, **values: Any) -> Task:
    task = Task(status="open", created_at=now(), **values)
    session.add(task)
    return task


def take_over(session: Session, actor: Principal, placement_ids: Sequence[int] | None = None) -> list[Task]:
    """Quarantine's open transport requests become tasks, once each: a placement's, grouped by
    household and site (close contacts ride with their own household only); a fever alert's to the
    fever clinic, a positive's to the designated hospital. Quarantine keeps its requests and sees them
    done when the loop closes. Called on PlacementsMade and whenever the board is read."""
    query = (select(TransportRequest, Placement, Person)
             .join(Placement, Placement.id == TransportRequest.placement_id)
             .join(Person, Person.id == TransportRequest.person_id)
             .where(TransportRequest.status == "open", in_jurisdiction(actor, Person.area_code)))
    if placement_ids is not None:
        query = query.where(TransportRequest.placement_id.in_(placement_ids))
    rows = session.execute(query.order_by(TransportRequest.id)).all()
    if not rows:
        return []
    taken: set[int] = set()
    for ids in session.scalars(select(Task.transport_request_ids).where(Task.source_ref.like("quarantine:%"))):
        taken.update(ids or [])
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for request, placement, person in rows:
        if request.id in taken or (placement.status != "active" and request.reason == "placement"):
            continue
        if request.reason == "placement":
            key: tuple[Any, ...] = ("placement", placement.site_id, placement.category,
                                    person.household_id if placement.category == "close_contact" else person.id)
        else:
            key = (request.reason, request.id)
        groups.setdefault(key, []).append((request, placement, person))
    made = []
    sites = {s.id: s for s in session.scalars(select(QuarantineSite).where(
        QuarantineSite.id.in_({p.site_id for _, p, _ in rows if p.site_id is not None})))}
    for key, members in groups.items():
        try:
            task = _from_request(session, actor, key, members, sites)
        except Invalid:
            continue  # a site or clinic without coordinates: left to the command office's own list
        if task is not None:
            made.append(task)
    session.flush()
    if made:
        audit.record(session, actor, "take_over", "transport_task", None,
                     after={"tasks": [t.id for t in made], "transport_requests": sorted(
                         i for t in made for i in t.transport_request_ids)})
    return made


def _from_request(session: Session, actor: Principal, key: tuple[Any, ...], members: list[Any],
                  sites: dict[int, QuarantineSite]) -> Task | None:
    """One task for a group of quarantine's transport requests (a household to a site, or one person
    to the fever clinic or the hospital); None when its places cannot be placed on the map."""
    request, placement, person = members[0]
    try:
        pick = area_point(session, person.area_code)
    except Invalid:
        return None  # a home without coordinates: left to the command office's own list
    refs = sorted(m[0].id for m in members)
    common: dict[str, Any] = {
        "area_code": person.area_code, "from_area_code": person.area_code,
        "from_label": (request.from_place or person.area_code)[:300], "from_lat": pick[0], "from_lon": pick[1],
        "person_ids": sorted({m[2].id for m in members}), "seats": len({m[2].id for m in members}),
        "requested_by": actor.username, "source_ref": f"quarantine:transport_request:{refs[0]}",
        "placement_id": placement.id, "transport_request_ids": refs, "earliest_at": aware(request.created_at)}
    site = sites.get(placement.site_id) if placement.site_id is not None else None
    if key[0] == "placement":
        if site is None:
            return None
        drop = _site_point(session, site)
        rider = CLASS_OF_CATEGORY.get(placement.category, "other")
        return _new_task(session, kind="placement", rider_class=rider, priority=PRIORITY["placement"],
                         to_area_code=site.area_code, to_label=request.to_place[:300], to_lat=drop[0],
                         to_lon=drop[1], household_id=person.household_id if rider == "close_contact" else None,
                         latest_at=aware(request.created_at) + timedelta(hours=rules().default_window_hours),
                         **common)
    alert = session.scalar(select(Alert.kind).where(Alert.person_id == person.id)
                           .order_by(Alert.at.desc(), Alert.id.desc()).limit(1))
    kind = "hospital" if alert == "positive" else "fever_clinic"
    to_code, to_label, drop = _destination(session, "designated_hospital" if kind == "hospital" else "fever_clinic",
                                           person.area_code, request.to_place)
    if site is not None:  # from the site where the alert was raised
        common["from_area_code"] = common["area_code"] = site.area_code
        common["from_lat"], common["from_lon"] = _site_point(session, site)
    return _new_task(session, kind=kind, rider_class="case" if kind == "hospital" else "suspected",
                     priority=PRIORITY[kind], to_area_code=to_code, to_label=to_label[:300], to_lat=drop[0],
                     to_lon=drop[1], latest_at=aware(request.created_at) + timedelta(hours=_window_hours("hospital")),
                     **common)


def _site_point(session: Session, site: QuarantineSite) -> tuple[float, float]:
    if site.lat is not None and site.lon is not None:
        return (site.lat, site.lon)
    return area_point(session, site.area_code)


def take_over_boxes(session: Session, actor: Principal) -> list[Task]:
    """Screening's boxes packed at a sampling point for a lab and not yet handed over become tube
    tasks, once each, to the lab as the fleet knows it (a place of kind `lab` whose code is the lab's
    code); a box for a lab the fleet has no place for waits for the dispatcher to type it. Screening
    keeps its own hand-over and receipt of the box."""
    rows = session.execute(
        select(Box, SamplingPoint).join(SamplingPoint, SamplingPoint.id == Box.point_id)
        .where(Box.handed_over_at.is_(None), Box.received_at.is_(None), Box.lab_code.is_not(None),
               in_jurisdiction(actor, SamplingPoint.area_code))
        .order_by(Box.id)).all()
    if not rows:
        return []
    refs = {f"screening:box:{box.id}": (box, point) for box, point in rows}
    taken = set(session.scalars(select(Task.source_ref).where(Task.source_ref.in_(sorted(refs)))))
    labs = {p.code: p for p in session.scalars(select(Place).where(Place.kind == "lab"))}
    window = timedelta(hours=current().screening.result_overdue_hours)
    made = []
    for ref, (box, point) in refs.items():
        lab = labs.get(box.lab_code or "")
        if ref in taken or lab is None:
            continue
        try:
            pick, drop = area_point(session, point.area_code), _place_point(session, lab)
        except Invalid:
            continue
        made.append(_new_task(session, kind="samples", rider_class="tubes", priority=PRIORITY["samples"],
                              area_code=point.area_code, from_area_code=point.area_code,
                              from_label=point.name[:300], from_lat=pick[0], from_lon=pick[1],
                              to_area_code=lab.area_code, to_label=lab.name[:300], to_lat=drop[0], to_lon=drop[1],
                              items=[box.code], seats=1, earliest_at=aware(box.packed_at),
                              latest_at=aware(box.packed_at) + window, requested_by=actor.username,
                              source_ref=ref))
    session.flush()
    if made:
        audit.record(session, actor, "take_over", "transport_task", None,
                     after={"tasks": [t.id for t in made], "boxes": [t.items[0] for t in made]})
    return made


def on_placements_made(session: Session, actor: Principal, event: PlacementsMade) -> None:
    """Quarantine placed people at a site: their transport requests become tasks at once."""
    take_over(session, actor, [p.placement_id for p in event.placed if p.setting == "centralized"])


def on_case_confirmed(session: Session, actor: Principal, event: CaseConfirmed) -> None:
    """A case: a transfer to the designated hospital within the protocol's hours of the result,
    alone in a negative-pressure ambulance, which takes the nearest suitable vehicle at once."""
    ref = f"tracing:case:{event.case_id}"
    if session.scalar(select(Task.id).where(Task.source_ref == ref)) is not None:
        return
    try:
        pick = area_point(session, event.area_code)
        to_code, to_label, drop = _destination(session, "designated_hospital", event.area_code, "定点医院")
    except Invalid:
        return  # no coordinates anywhere up the registry: the command office's own list keeps it
    confirmed = aware(event.confirmed_at)
    start = min(confirmed, now())
    task = _new_task(session, kind="hospital", rider_class="case", priority=PRIORITY["hospital"],
                     area_code=event.area_code, from_area_code=event.area_code,
                     from_label=_labels(session, [event.area_code]).get(event.area_code, event.area_code),
                     from_lat=pick[0], from_lon=pick[1], to_area_code=to_code, to_label=to_label[:300],
                     to_lat=drop[0], to_lon=drop[1], person_ids=[event.person_id], seats=1,
                     earliest_at=start, latest_at=confirmed + timedelta(hours=_window_hours("hospital")),
                     requested_by=actor.username, source_ref=ref, case_id=event.case_id)
    session.flush()
    audit.record(session, actor, "create", "transport_task", task.id, after={"case": event.case_no, "kind": "hospital"})
    _preempt(session, actor, task)


# --- the fleet ------------------------------------------------------------------


def _vehicle(session: Session, actor: Principal, vehicle_id: int, *, lock: bool = False) -> Vehicle:
    query = select(Vehicle).where(Vehicle.id == vehicle_id)
    vehicle = session.scalar(query.with_for_update() if lock else query)
    if vehicle is None or not sees(actor, vehicle.depot_area_code):
        raise NotFound(f"vehicle {vehicle_id} not found in your jurisdiction")
    return vehicle


def vehicles(session: Session, actor: Principal) -> list[Vehicle]:
    require(actor, "read_transport")
    return list(session.scalars(select(Vehicle).where(in_jurisdiction(actor, Vehicle.depot_area_code))
                                .order_by(Vehicle.plate)))


def set_state(session: Session, actor: Principal, vehicle_id: int, state: str) -> Vehicle:
    """The dispatcher marks a vehicle off duty or back: free is refused while a disinfection is due or
    tasks are still on it."""
    require(actor, "dispatch")
    if state not in ("free", "off_duty"):
        raise Invalid("a dispatcher sets a vehicle free or off duty; the rest follow its tasks", column="state")
    vehicle = _vehicle(session, actor, vehicle_id, lock=True)
    if state == "free" and vehicle.needs_disinfection:
        raise Conflict(f"vehicle {vehicle.plate} is due disinfection: the crew marks it disinfected first")
    live = session.scalar(select(func.count()).select_from(Task).where(Task.vehicle_id == vehicle.id,
                                                                      Task.status.in_(LIVE)))
    if live:
        raise Conflict(f"vehicle {vehicle.plate} still has {live} task(s): call them off or reassign them first")
    before = vehicle.state
    _move(vehicle, state)
    vehicle.version += 1
    session.flush()
    audit.record(session, actor, "set_state", "transport_vehicle", vehicle.id, before={"state": before},
                 after={"state": state})
    return vehicle


def _move(vehicle: Vehicle, state: str) -> None:
    assert state in VEHICLE_STATES
    if vehicle.state != state:
        vehicle.state, vehicle.state_since = state, now()


# --- planning -------------------------------------------------------------------


def _job(task: Task, moment: datetime) -> planner.Job:
    return planner.Job(
        id=task.id, rider_class=task.rider_class, seats=task.seats, pick=(task.from_lat, task.from_lon),
        drop=(task.to_lat, task.to_lon), earliest=max(0, _minutes(aware(task.earliest_at) - moment)),
        latest=_minutes(aware(task.latest_at) - moment), priority=task.priority, household_id=task.household_id,
        pick_key=f"{task.from_lat:.5f},{task.from_lon:.5f}", drop_key=f"{task.to_lat:.5f},{task.to_lon:.5f}")


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _depot(session: Session, vehicle: Vehicle) -> tuple[float, float]:
    return area_point(session, vehicle.depot_area_code, column="depot_area_code")


def _placeable(session: Session, vehicle: Vehicle) -> bool:
    """Whether the planner can place the vehicle (its depot, or an area above it, has coordinates)."""
    try:
        _depot(session, vehicle)
    except Invalid:
        return False
    return True


def _car(session: Session, vehicle: Vehicle, moment: datetime, live: Sequence[Task]) -> planner.Car:
    """A vehicle as the planner sees it: where it will be and when it can set off, after its own
    tasks and any disinfection due."""
    the_rules = rules()
    at = _depot(session, vehicle)
    ready = 0
    if vehicle.needs_disinfection:
        # The minutes due after what it last carried, from when it was delivered.
        last_load = session.execute(select(Task.rider_class, Task.delivered_at).where(
            Task.vehicle_id == vehicle.id, Task.delivered_at.is_not(None))
            .order_by(Task.delivered_at.desc(), Task.id.desc()).limit(1)).first()
        due = planner.rule(the_rules, last_load[0]).disinfect_minutes if last_load else max(
            r.disinfect_minutes for r in the_rules.riders.values())
        since = aware(last_load[1]) if last_load and last_load[1] else aware(vehicle.state_since)
        ready = due - _minutes(moment - since)
    # What it still has to carry (a delivered task no longer holds it, but its disinfection may).
    mine = sorted((t for t in live if t.vehicle_id == vehicle.id and t.status in ("assigned", *ON_BOARD)),
                  key=lambda t: (t.trip or 0, t.id))
    if mine:
        last = mine[-1]
        at = (last.to_lat, last.to_lon)
        end = aware(last.planned_dropoff_at) if last.planned_dropoff_at else moment + timedelta(hours=1)
        ready = max(ready, _minutes(end - moment) + the_rules.stop_minutes
                    + planner.rule(the_rules, last.rider_class).disinfect_minutes)
    return planner.Car(id=vehicle.id, kind=vehicle.kind, seats=vehicle.seats, at=at, ready=max(0, ready))


@dataclass
class Suggestion:
    at: datetime
    routes: list[dict[str, Any]]
    unplanned: list[dict[str, Any]]
    plan: planner.Plan


@dataclass
class Planning:
    """What a suggestion is planned from: the open tasks and the fleet in service, as the planner sees them."""

    at: datetime
    tasks: list[Task]
    fleet: list[Vehicle]
    jobs: list[planner.Job]
    cars: list[planner.Car]


def planning(session: Session, actor: Principal) -> Planning:
    require(actor, "dispatch")
    moment = now()
    tasks = list(session.scalars(select(Task).where(Task.status == "open", in_jurisdiction(actor, Task.area_code))
                                 .order_by(Task.priority, Task.latest_at, Task.id)))
    fleet = [v for v in vehicles(session, actor) if v.state != "off_duty" and _placeable(session, v)]
    live = list(session.scalars(select(Task).where(Task.status.in_(LIVE), Task.vehicle_id.is_not(None))))
    return Planning(moment, tasks, fleet, [_job(t, moment) for t in tasks],
                    [_car(session, v, moment, live) for v in fleet])


def suggest(session: Session, actor: Principal, *, seconds: float = 1.0) -> Suggestion:
    """Which vehicle takes which open tasks, in what order and when; the dispatcher accepts or edits it
    (`assign`). Nothing is written but the tasks taken over from quarantine and calls-off."""
    require(actor, "dispatch")
    reconcile(session, actor)
    take_over(session, actor)
    take_over_boxes(session, actor)
    basis = planning(session, actor)
    moment = basis.at
    plan = planner.solve(rules(), basis.jobs, basis.cars, seconds=seconds)
    by_vehicle = {v.id: v for v in basis.fleet}
    routes = [{"vehicle_id": vid, "plate": by_vehicle[vid].plate, "version": by_vehicle[vid].version,
               "trips": [{"task_ids": trip.job_ids, "pickup_at": moment + timedelta(minutes=trip.pickup),
                          "dropoff_at": moment + timedelta(minutes=trip.dropoff)} for trip in trips]}
              for vid, trips in plan.routes.items()]
    unplanned = [{"task_id": tid, "reason": reason} for tid, reason in sorted(plan.unplanned.items())]
    return Suggestion(moment, routes, unplanned, plan)


def check_trip(the_rules: Transport, vehicle: Vehicle, tasks: Sequence[Task]) -> None:
    """The edition's separation rules for tasks riding together on one vehicle."""
    for task in tasks:
        rule = planner.rule(the_rules, task.rider_class)
        if vehicle.kind not in rule.vehicles:
            raise Invalid(f"task {task.id} ({task.rider_class}) may not ride in a {vehicle.kind}: "
                          f"{', '.join(rule.vehicles)} only", column="task_ids")
    jobs = [_job(t, now()) for t in tasks]
    for a in jobs:
        for b in jobs:
            if a.id < b.id and not planner.may_share(the_rules, a, b):
                raise Invalid(f"tasks {a.id} ({a.rider_class}) and {b.id} ({b.rider_class}) may not ride "
                              "together", column="task_ids")
    if sum(t.seats for t in tasks) > vehicle.seats:
        raise Invalid(f"{sum(t.seats for t in tasks)} seats asked of vehicle {vehicle.plate} with {vehicle.seats}",
                      column="task_ids")


def assign(session: Session, actor: Principal, vehicle_id: int, version: int,
           trips: Sequence[Sequence[int]]) -> list[Task]:
    """Open tasks onto a vehicle, in trips (the tasks of a trip ride together), after its own. The
    version is the vehicle's as the dispatcher saw it: when another dispatcher assigned it meanwhile
    the version moved on, and this one is refused (409) rather than both winning."""
    require(actor, "dispatch")
    vehicle = _vehicle(session, actor, vehicle_id)
    ids = [i for trip in trips for i in trip]
    if not ids or any(not trip for trip in trips):
        raise Invalid("name the tasks of each trip", column="trips")
    if len(set(ids)) != len(ids):
        raise Invalid("a task appears twice", column="trips")
    if vehicle.state == "off_duty":
        raise Conflict(f"vehicle {vehicle.plate} is off duty")
    won = session.execute(update(Vehicle).where(Vehicle.id == vehicle.id, Vehicle.version == version)
                          .values(version=Vehicle.version + 1)
                          .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if won != 1:
        raise Conflict(f"vehicle {vehicle.plate} was assigned by someone else meanwhile: load the board again")
    session.refresh(vehicle)
    found = {t.id: t for t in session.scalars(select(Task).where(Task.id.in_(ids)))}
    for task_id in ids:
        task = found.get(task_id)
        if task is None or not sees(actor, task.area_code):
            raise NotFound(f"task {task_id} not found in your jurisdiction")
        if task.status != "open":
            raise Conflict(f"task {task_id} is {task.status}, not open")
    the_rules = rules()
    for trip in trips:
        check_trip(the_rules, vehicle, [found[i] for i in trip])
    taken = session.execute(update(Task).where(Task.id.in_(ids), Task.status == "open")
                            .values(status="assigned", vehicle_id=vehicle.id, assigned_at=now())
                            .execution_options(synchronize_session=False)).rowcount  # type: ignore[attr-defined]
    if taken != len(ids):
        raise Conflict("a task was taken meanwhile: load the board again")
    for task in found.values():
        session.refresh(task)
    last = session.scalar(select(func.max(Task.trip)).where(Task.vehicle_id == vehicle.id, Task.id.not_in(ids))) or 0
    _schedule(session, vehicle, [[found[i] for i in trip] for trip in trips], last)
    if vehicle.state == "free":
        _move(vehicle, "assigned")
    session.flush()
    audit.record(session, actor, "assign", "transport_vehicle", vehicle.id,
                 after={"trips": [list(t) for t in trips], "version": vehicle.version})
    return [found[i] for i in ids]


def _schedule(session: Session, vehicle: Vehicle, trips: Sequence[Sequence[Task]], after_trip: int,
              first: bool = False) -> None:
    """Number the trips after the vehicle's own and plan their times from where it will be."""
    the_rules = rules()
    moment = now()
    live = list(session.scalars(select(Task).where(Task.vehicle_id == vehicle.id, Task.status.in_(LIVE),
                                                   Task.id.not_in([t.id for trip in trips for t in trip]))))
    car = _car(session, vehicle, moment, [] if first else live)
    at, ready = car.at, car.ready
    for n, trip in enumerate(trips, start=after_trip + 1):
        lead = trip[0]
        start = max(ready + planner.minutes_apart(the_rules, at, (lead.from_lat, lead.from_lon)),
                    max(0, _minutes(aware(lead.earliest_at) - moment)))
        drop = start + the_rules.stop_minutes + planner.minutes_apart(
            the_rules, (lead.from_lat, lead.from_lon), (lead.to_lat, lead.to_lon))
        for task in trip:
            task.trip = n
            task.planned_pickup_at = moment + timedelta(minutes=start)
            task.planned_dropoff_at = moment + timedelta(minutes=drop)
        at = (lead.to_lat, lead.to_lon)
        ready = drop + the_rules.stop_minutes + planner.rule(the_rules, lead.rider_class).disinfect_minutes


def _preempt(session: Session, actor: Principal, task: Task) -> Vehicle | None:
    """A case's transfer takes the nearest suitable free vehicle, or the one that frees soonest: its
    tasks not yet begun go back to the board, and the case becomes its next trip."""
    the_rules = rules()
    moment = now()
    allowed = planner.rule(the_rules, task.rider_class).vehicles
    fleet = list(session.scalars(select(Vehicle).where(Vehicle.kind.in_(allowed), Vehicle.state != "off_duty",
                                                       in_jurisdiction(actor, Vehicle.depot_area_code),
                                                       Vehicle.seats >= task.seats).order_by(Vehicle.id)))
    fleet = [v for v in fleet if _placeable(session, v)]
    if not fleet:
        return None
    live = list(session.scalars(select(Task).where(Task.status.in_(LIVE), Task.vehicle_id.is_not(None))))
    pick = (task.from_lat, task.from_lon)
    underway = {t.vehicle_id for t in live if t.status in (*ON_BOARD, "delivered")}

    def reach(vehicle: Vehicle) -> int:
        # What it is doing now it finishes; what it was only assigned it gives up.
        car = _car(session, vehicle, moment, [t for t in live if t.status in (*ON_BOARD, "delivered")])
        return car.ready + planner.minutes_apart(the_rules, car.at, pick)

    best = min(fleet, key=lambda v: (reach(v), v.id not in underway, v.id))
    bumped = [t for t in live if t.vehicle_id == best.id and t.status == "assigned"]
    for other in bumped:
        other.status, other.vehicle_id, other.trip = "open", None, None
        other.planned_pickup_at = other.planned_dropoff_at = None
    busy = [t for t in live if t.vehicle_id == best.id and t.status != "assigned"]
    last = max((t.trip or 0 for t in busy), default=0)
    task.status, task.vehicle_id, task.assigned_at = "assigned", best.id, moment
    _schedule(session, best, [[task]], last, first=not busy)
    best.version += 1
    if best.state == "free":
        _move(best, "assigned")
    session.flush()
    audit.record(session, actor, "preempt", "transport_vehicle", best.id,
                 after={"task": task.id, "bumped": [t.id for t in bumped]})
    return best


def preempt(session: Session, actor: Principal, task_id: int) -> Vehicle:
    """The dispatcher sends a case's transfer (or any open task) ahead of everything else."""
    require(actor, "dispatch")
    task = _task(session, actor, task_id)
    if task.status != "open":
        raise Conflict(f"task {task.id} is {task.status}, not open")
    found = _preempt(session, actor, task)
    if found is None:
        raise Conflict(f"no vehicle in service may carry a {task.rider_class}")
    return found


def _task(session: Session, actor: Principal, task_id: int) -> Task:
    task = session.get(Task, task_id)
    if task is None or not sees(actor, task.area_code):
        raise NotFound(f"transport task {task_id} not found in your jurisdiction")
    return task


def get_task(session: Session, actor: Principal, task_id: int) -> Task:
    require(actor, "read_transport")
    return _task(session, actor, task_id)


def call_off(session: Session, actor: Principal, task_id: int, reason: str) -> Task:
    require(actor, "dispatch")
    return _call_off(session, actor, _task(session, actor, task_id), reason)


def _call_off(session: Session, actor: Principal, task: Task, reason: str) -> Task:
    reason = (reason or "").strip()
    if not reason:
        raise Invalid("a task is called off with a reason", column="reason")
    if task.status not in LIVE:
        raise Conflict(f"task {task.id} is {task.status} already")
    before = task.status
    task.status, task.called_off_at = "called_off", now()
    if task.vehicle_id is not None and before != "open":
        task.notice = reason[:300]  # the driver is told on the phone page
    session.flush()
    if task.vehicle_id is not None:
        vehicle = session.get(Vehicle, task.vehicle_id)
        if vehicle is not None:
            vehicle.version += 1
            _settle(session, vehicle)
    audit.record(session, actor, "call_off", "transport_task", task.id, before={"status": before},
                 after={"status": "called_off"}, note=reason[:500])
    return task


def reconcile(session: Session, actor: Principal) -> list[Task]:
    """Tasks whose placement is no longer active (released, transferred, its request cancelled by the
    office) are called off, and their drivers told. Quarantine has no cancel of a placement of its
    own; a placement ending before its person arrived is the nearest real equivalent."""
    rows = session.execute(select(Task, Placement.status).join(Placement, Placement.id == Task.placement_id)
                           .where(Task.status.in_(("open", "assigned", *ON_BOARD)), Task.kind == "placement",
                                  Placement.status != "active", in_jurisdiction(actor, Task.area_code))).all()
    return [_call_off(session, actor, task, f"placement {task.placement_id} {status}: task called off")
            for task, status in rows]


def _settle(session: Session, vehicle: Vehicle) -> None:
    """The vehicle's state after its tasks changed: disinfecting while due, else by its next task."""
    if vehicle.state == "off_duty":
        return
    nxt = session.scalar(select(Task).where(Task.vehicle_id == vehicle.id, Task.status.in_(("assigned", *ON_BOARD)))
                         .order_by(Task.trip, Task.id).limit(1))
    if vehicle.needs_disinfection:
        _move(vehicle, "disinfecting")
    elif nxt is None:
        _move(vehicle, "free")
    elif nxt.status == "arrived":
        _move(vehicle, "at_destination")
    elif nxt.status == "picked_up":
        _move(vehicle, "en_route")
    else:
        _move(vehicle, "assigned")


# --- the driver -----------------------------------------------------------------


@dataclass
class Rider:
    person_id: int
    name: str
    masked_id: str


@dataclass
class Work:
    """The driver's phone page: the vehicle, its current trip and its riders, what is next, and any
    task called off since."""

    vehicle: Vehicle | None
    trip: list[Task]
    riders: list[Rider]
    later: list[Task]
    notices: list[Task]


def my_vehicle(session: Session, actor: Principal) -> Vehicle | None:
    return session.scalar(select(Vehicle).where(Vehicle.driver_username == actor.username).limit(1))


def driver_work(session: Session, actor: Principal) -> Work:
    require(actor, "drive")
    vehicle = my_vehicle(session, actor)
    if vehicle is None:
        return Work(None, [], [], [], [])
    reconcile_vehicle(session, actor, vehicle)
    live = list(session.scalars(select(Task).where(Task.vehicle_id == vehicle.id,
                                                   Task.status.in_(("assigned", *ON_BOARD)))
                                .order_by(Task.priority > 0, Task.trip, Task.id)))
    first_trip = live[0].trip if live else None
    trip = [t for t in live if t.trip == first_trip]
    later = [t for t in live if t.trip != first_trip]
    people = sorted({p for t in trip for p in t.person_ids})
    riders = [Rider(p.id, p.name, mask_id_number(p.id_number))
              for p in session.scalars(select(Person).where(Person.id.in_(people)).order_by(Person.id))]
    notices = list(session.scalars(select(Task).where(Task.vehicle_id == vehicle.id, Task.status == "called_off",
                                                      Task.notice.is_not(None)).order_by(Task.id)))
    return Work(vehicle, trip, riders, later, notices)


def reconcile_vehicle(session: Session, actor: Principal, vehicle: Vehicle) -> None:
    """A driver's page and buttons check the placements of their own tasks first (as the system:
    calling off a task because its placement ended is no driver's decision)."""
    rows = session.execute(select(Task, Placement.status).join(Placement, Placement.id == Task.placement_id)
                           .where(Task.vehicle_id == vehicle.id, Task.status.in_(("assigned", *ON_BOARD)),
                                  Placement.status != "active")).all()
    for task, status in rows:
        _call_off(session, actor, task, f"placement {task.placement_id} {status}: task called off")


STEPS = ("arrived", "picked_up", "delivered", "disinfected", "seen")


def driver_step(session: Session, actor: Principal, step: str, *, task_ids: Sequence[int] = (),
                person_ids: Sequence[int] = ()) -> Work:
    """One button on the driver's phone, timestamped: arrived at the pick-up, picked up (the people on
    the trip, no one else), delivered, disinfected; `seen` clears the notices of called-off tasks."""
    require(actor, "drive")
    if step not in STEPS:
        raise Invalid(f"step {step!r} is not one of {', '.join(STEPS)}", column="step")
    vehicle = my_vehicle(session, actor)
    if vehicle is None:
        raise NotFound("no vehicle is yours: the dispatcher names you as its driver")
    vehicle = _vehicle_for_driver(session, vehicle.id)
    work = driver_work(session, actor)
    moment = now()
    if step == "seen":
        for task in work.notices:
            task.notice = None
        session.flush()
        audit.record(session, actor, "seen", "transport_vehicle", vehicle.id)
        return driver_work(session, actor)
    if step == "disinfected":
        if not vehicle.needs_disinfection:
            raise Conflict(f"vehicle {vehicle.plate} is not due disinfection")
        vehicle.needs_disinfection = False
        _settle(session, vehicle)
        session.flush()
        audit.record(session, actor, "disinfected", "transport_vehicle", vehicle.id, after={"at": moment.isoformat()})
        return driver_work(session, actor)
    trip = work.trip
    if not trip:
        raise Conflict("no trip is assigned to your vehicle")
    if task_ids and sorted(task_ids) != sorted(t.id for t in trip):
        raise Conflict("the page was stale: these are not the tasks of your current trip")
    if vehicle.needs_disinfection:
        raise Conflict(f"vehicle {vehicle.plate} is due disinfection before its next task")
    if step == "arrived":
        _expect(trip, "assigned", step)
        for task in trip:
            task.status, task.arrived_at = "arrived", moment
    elif step == "picked_up":
        _expect(trip, "arrived", step)
        on_trip = {p for t in trip for p in t.person_ids}
        stray = sorted(set(person_ids) - on_trip)
        if stray:
            raise Conflict(f"person {stray[0]} is not on this trip: nobody else rides", column="person_ids")
        wanted = set(person_ids) if person_ids else on_trip
        for task in trip:
            task.status, task.picked_up_at = "picked_up", moment
            task.picked_up_ids = sorted(set(task.person_ids) & wanted)
    else:
        _expect(trip, "picked_up", step)
        the_rules = rules()
        for task in trip:
            task.delivered_at = moment
            task.status = "delivered"
            if not planner.rule(the_rules, task.rider_class).people:
                _close(session, actor, task, moment)
            if planner.rule(the_rules, task.rider_class).disinfect_minutes > 0:
                vehicle.needs_disinfection = True
    _settle(session, vehicle)
    session.flush()
    audit.record(session, actor, step, "transport_task", None,
                 after={"tasks": [t.id for t in trip], "at": moment.isoformat(),
                        "people": list(person_ids) if step == "picked_up" else None})
    return driver_work(session, actor)


def _vehicle_for_driver(session: Session, vehicle_id: int) -> Vehicle:
    found = session.scalar(select(Vehicle).where(Vehicle.id == vehicle_id).with_for_update())
    assert found is not None
    return found


def _expect(trip: Sequence[Task], status: str, step: str) -> None:
    wrong = [t.id for t in trip if t.status != status]
    if wrong:
        raise Conflict(f"{step.replace('_', ' ')} comes after {status.replace('_', ' ')}: task {wrong[0]} "
                       f"is {next(t.status for t in trip if t.id == wrong[0])}")


def _close(session: Session, actor: Principal, task: Task, moment: datetime) -> None:
    task.status, task.confirmed_at, task.confirmed_by = "done", moment, actor.username
    for request_id in task.transport_request_ids or []:
        quarantine.transport_carried(session, actor, request_id)


def confirm_arrival(session: Session, actor: Principal, task_id: int) -> Task:
    """The site or hospital confirms the people arrived: the loop closes here and nowhere else.
    Quarantine has no check-in of a placement; this confirmation by the receiving side (a site
    manager for the site, the command office for the hospital) stands in for it."""
    require(actor, "receive_transport")
    task = session.get(Task, task_id)
    if task is None or not (sees(actor, task.to_area_code) or sees(actor, task.area_code)):
        raise NotFound(f"transport task {task_id} not found in your jurisdiction")
    if task.status != "delivered":
        raise Conflict(f"task {task.id} is {task.status}: only a delivered task is confirmed")
    _close(session, actor, task, now())
    session.flush()
    audit.record(session, actor, "confirm_arrival", "transport_task", task.id, after={"status": "done"})
    return task


def arrivals(session: Session, actor: Principal) -> list[Task]:
    """Delivered tasks waiting for the receiving side's confirmation, at its places."""
    require(actor, "receive_transport")
    return list(session.scalars(select(Task).where(Task.status == "delivered",
                                                   in_jurisdiction(actor, Task.to_area_code))
                                .order_by(Task.delivered_at, Task.id)))


# --- the board --------------------------------------------------------------------


@dataclass
class Board:
    tasks: list[Task]
    vehicles: list[Vehicle]
    labels: dict[int, str]  # vehicle id -> plate
    at: datetime
    spots: dict[int, tuple[float, float]] = field(default_factory=dict)  # vehicle id -> where it is or goes

    def age(self, task: Task) -> int:
        """Minutes since the task was asked for."""
        return _minutes(self.at - aware(task.created_at))

    def late(self, task: Task) -> bool:
        return task.status in LIVE and aware(task.latest_at) < self.at

    def clock(self, task: Task) -> int | None:
        """Minutes left on a case transfer's clock (negative: overdue)."""
        if task.kind != "hospital" or task.status not in LIVE:
            return None
        return _minutes(aware(task.latest_at) - self.at)


def board(session: Session, actor: Principal) -> Board:
    require(actor, "read_transport")
    tasks = list(session.scalars(select(Task).where(Task.status.in_(LIVE), in_jurisdiction(actor, Task.area_code))
                                 .order_by(Task.priority, Task.created_at, Task.id).limit(1000)))
    fleet = vehicles(session, actor)
    spots: dict[int, tuple[float, float]] = {}
    for vehicle in fleet:
        mine = [t for t in tasks if t.vehicle_id == vehicle.id]
        if mine:
            lead = min(mine, key=lambda t: (t.trip or 0, t.id))
            spots[vehicle.id] = ((lead.from_lat, lead.from_lon) if lead.status in ("assigned", "arrived")
                                 else (lead.to_lat, lead.to_lon))
        else:
            try:
                spots[vehicle.id] = area_point(session, vehicle.depot_area_code)
            except Invalid:
                continue
    return Board(tasks, fleet, {v.id: v.plate for v in fleet}, now(), spots)


def list_tasks(session: Session, actor: Principal, status: str | None, limit: int) -> list[Task]:
    require(actor, "read_transport")
    query = select(Task).where(in_jurisdiction(actor, Task.area_code))
    if status is not None:
        query = query.where(Task.status == status)
    return list(session.scalars(query.order_by(Task.priority, Task.created_at, Task.id).limit(limit)))


# --- the fleet's records --------------------------------------------------------


def save_place(session: Session, actor: Principal, *, code: str, name: str, kind: str, area_code: str,
               lat: float | None = None, lon: float | None = None) -> Place:
    """A destination of the fleet (the designated hospital, the fever clinic, a lab), at an area."""
    require(actor, "manage_fleet")
    if kind not in PLACE_KINDS:
        raise Invalid(f"kind {kind!r} is not one of {', '.join(PLACE_KINDS)}", column="kind")
    area_point(session, area_code, column="area_code")
    check_area(actor, area_code)
    place = session.scalar(select(Place).where(Place.code == code))
    before = audit.snapshot(place) if place is not None else None
    if place is None:
        place = Place(code=code, name=name, kind=kind, area_code=area_code, lat=lat, lon=lon)
        session.add(place)
    else:
        check_area(actor, place.area_code)
        place.name, place.kind, place.area_code, place.lat, place.lon = name, kind, area_code, lat, lon
    session.flush()
    audit.record(session, actor, "save", "transport_place", place.id, before=before, after=audit.snapshot(place))
    return place


def set_crew(session: Session, actor: Principal, vehicle_id: int, *, driver_username: str | None,
             crew: Sequence[dict[str, str]] = ()) -> Vehicle:
    """Who drives a vehicle (the signed-in driver whose phone shows its work) and its crew list."""
    require(actor, "manage_fleet")
    vehicle = _vehicle(session, actor, vehicle_id, lock=True)
    before = {"driver_username": vehicle.driver_username, "crew": list(vehicle.crew or [])}
    if driver_username is not None:
        other = session.scalar(select(Vehicle).where(Vehicle.driver_username == driver_username,
                                                     Vehicle.id != vehicle.id))
        if other is not None:
            raise Conflict(f"{driver_username} drives {other.plate} already")
    vehicle.driver_username = driver_username
    vehicle.crew = [{k: str(v)[:100] for k, v in member.items() if k in ("role", "name", "phone")} for member in crew]
    session.flush()
    audit.record(session, actor, "set_crew", "transport_vehicle", vehicle.id, before=before,
                 after={"driver_username": driver_username, "crew": vehicle.crew})
    return vehicle

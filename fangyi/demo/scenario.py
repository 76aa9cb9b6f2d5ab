"""The Hengdong outbreak's first four days, planted in the demo county through each part's own services.

The demo's last day (the build day by default) is day 4 of the outbreak. On day 1 a resident of
石滩乡石金村小泉屋组, back from 上海, is confirmed; the county seat has its quarantine hotels ready,
the commander approves the zones proposed around the case, the tracer confirms the close contacts
and they are placed that night, the last of them by half past one; 石滩乡's first mass screening
round runs on day 2, its tubes boxed and tested (tubes.py), one box stalled at the lab; that morning
the tracer decides the secondary contacts found through the placed close contacts. On day 3 a close
contact sharing the case's home turns positive in quarantine, its close and secondary contacts
decided that evening; on day 4 (today) another close contact,
the second round starts (its tubes swabbed up to the build's hour) and the new contacts wait in the
tracer's queue. Each day is written at its
own hour (``placed_at``), in the order it happened, and the command office closes days 1-3 on their
evenings, so every record and every closed report sits on one clock.
"""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.auth.models import User
from fangyi.command.closing import close_day
from fangyi.demo import tubes
from fangyi.demo.fleet import plant_fleet, plant_work
from fangyi.demo.places import COUNTY_CODE, COUNTY_NAME, SEAT, SHITAN, STREETS, TOWNSHIPS
from fangyi.imports.service import run_import
from fangyi.protocols.reader import current
from fangyi.quarantine import importer as _rooms  # noqa: F401  (registers the rooms import kind)
from fangyi.quarantine.care import record_check
from fangyi.quarantine.models import Placement, PlacementRequest
from fangyi.quarantine.placing import allocate
from fangyi.registry.models import Area, Checkin, Person, Venue
from fangyi.screening.setup import RoundFields, create_lab, create_point, create_round
from fangyi.timeutil import aware, local_tz, now, placed_at
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.contacts import confirm_contact, set_quarantined_at
from fangyi.tracing.models import Case, Contact
from fangyi.tracing.queue import hand_over
from fangyi.transport import service as transport
from fangyi.transport.models import Task
from fangyi.zones.models import Zone
from fangyi.zones.service import approve

# Synthetic hotels of the kind a county seat requisitions as centralized quarantine sites.
HOTELS = ("衡东洣江宾馆", "衡东金源大酒店", "衡东迎宾楼商务酒店", "洣水河畔假日酒店", "衡东桂花园宾馆",
          "衡东湘运商务宾馆")
LABS = (("LAB-HDRMYY", "衡东县人民医院检验科"), ("LAB-HDCDC", "衡东县疾病预防控制中心实验室"),
        ("LAB-HYJY", "衡阳康检医学检验实验室"))
ORIGIN = "上海"  # where many of spring 2022's imported cases came from
VILLAGE, GROUP = "石金村", "小泉屋组"
SCENES = ("market", "restaurant")  # where an imported case's first days show up in the scans


@dataclass(frozen=True)
class DayOne:
    case_no: str
    person_id: int
    close: int
    secondary: int
    sites: int
    rooms: int
    round_code: str
    points: int
    cases: int = 1
    placed: int = 0
    closed_days: int = 0


def case_number(until: date, number: int = 1) -> str:
    """The outbreak's cases are numbered in the year of its first day (day 1 = ``until`` - 3)."""
    return f"HD-{first_day(until).year}-{number:03d}"


def first_day(until: date) -> date:
    return until - timedelta(days=DAY - 1)


DAY = 4  # the demo's last day is the outbreak's fourth


def _township(name: str) -> str:
    return next(f"{COUNTY_CODE}{digits}000" for town, digits, *_ in TOWNSHIPS if town == name)


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def _by_now(moment: datetime) -> datetime:
    """Today's events happen by now at the latest: nothing is recorded ahead of the clock (nor, built
    in the first minute of a day, on the closed day before)."""
    local = moment.astimezone(local_tz())
    start = datetime.combine(local.date(), time.min, tzinfo=local.tzinfo)
    return max(min(moment, now() - timedelta(minutes=1)), start)


def _user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise RuntimeError(f"the demo user {username!r} is missing: users are created before the outbreak")
    return user


def plant(session: Session, seed: int, until: date, tz: ZoneInfo, step: Callable[[], None]) -> DayOne:
    """The four days, each at its own hour; ``step`` is called after each of three stages, for the
    progress line."""
    rng = random.Random(f"{seed}:scenario")
    one = first_day(until)
    days = [one + timedelta(days=n) for n in range(DAY)]
    tracer, office, commander, manager = (_user(session, name) for name in
                                          ("tracer", "command_office", "commander", "site_manager"))
    with placed_at(_at(one, 8, 0, tz)):
        sites, rooms = _quarantine(session, rng)
        plant_fleet(session, seed, _township(SEAT), LABS)
    step()
    # Day 1: the imported case, the zones around it, its contacts confirmed and placed that night.
    case = _case(session, rng, one, tz)
    driver, dispatcher = _user(session, "driver"), _user(session, "dispatcher")
    _transfer(session, driver, office, case)
    _approve(session, commander, _at(one, 18, 30, tz))
    round_code, points = _screening(session, one, tz)
    closes = _close_contacts(session, case)
    placed = _place(session, tracer, office, closes, _at(one, 21, 0, tz), share=2 / 3)
    _carry(session, dispatcher, driver, manager, _at(one, 21, 30, tz))
    closed = _close(session, office, one, tz)
    # The night of day 1: the tracer reaches the rest of the close contacts; all are placed by
    # half past one, within the protocol's 12 hours.
    placed += _place(session, tracer, office, _close_contacts(session, case), _at(days[1], 1, 30, tz))
    _carry(session, dispatcher, driver, manager, _at(days[1], 2, 0, tz))
    _settle(session, tracer, case, _at(days[1], 2, 30, tz))
    # Day 2: the first round, swabbed, boxed, carried and tested; the placed take their temperatures.
    _checks(session, manager, rng, _at(days[1], 8, 0, tz))
    # The morning of day 2: the close contacts in quarantine close the window of their own contacts;
    # the tracer decides the secondary contacts found through them, placed as the protocol says.
    placed += _decide_secondary(session, tracer, office, dispatcher, driver, manager, case, _at(days[1], 9, 30, tz))
    sampler, lab = _user(session, "sampler"), _user(session, "lab")
    first_round = tubes.plan_round(session, sampler, lab, round_code=round_code, township=_township(SHITAN),
                                   day=days[1], tz=tz, labs=tuple(code for code, _ in LABS), seed=seed,
                                   share=0.85, stalled_box=True)
    first_round.run_until(_at(days[1], 22, 0, tz))
    closed += _close(session, office, days[1], tz)
    # Day 3: a close contact sharing the home turns positive in quarantine; its own contacts are placed.
    _checks(session, manager, rng, _at(days[2], 8, 0, tz))
    cases = [case]
    second = _secondary(session, rng, case, closes, days[2], tz, number=2, home_first=True)
    if second is not None:
        cases.append(second)
        _transfer(session, driver, office, second)
        placed += _place(session, tracer, office, _close_contacts(session, second), _at(days[2], 20, 0, tz))
        _carry(session, dispatcher, driver, manager, _at(days[2], 20, 30, tz))
        _settle(session, tracer, second, _at(days[2], 20, 40, tz))
        _approve(session, commander, _at(days[2], 21, 0, tz))
        placed += _decide_secondary(session, tracer, office, dispatcher, driver, manager, second,
                                    _at(days[2], 21, 10, tz))
    first_round.run_until(_at(days[2], 22, 0, tz))
    second_code = _round(session, days[3], tz, number=2)
    closed += _close(session, office, days[2], tz)
    step()
    # Day 4, today: the morning checks, another close contact confirmed, whose contacts wait in the
    # tracer's queue; the ones already reached are placed (today's arrivals).
    _checks(session, manager, rng, _by_now(_at(days[3], 8, 0, tz)))
    third = _secondary(session, rng, case, closes, days[3], tz, number=len(cases) + 1, home_first=False)
    if third is not None:
        cases.append(third)
        fresh = _close_contacts(session, third, secondary=True)
        placed += _place(session, tracer, office, fresh, _by_now(_at(days[3], 11, 30, tz)), share=1 / 3)
    # Today's round, from seven: the tubes swabbed by now, the early boxes' results back.
    second_round = tubes.plan_round(session, sampler, lab, round_code=second_code, township=_township(SHITAN),
                                    day=days[3], tz=tz, labs=tuple(code for code, _ in LABS), seed=seed,
                                    share=0.85, stalled_box=False)
    first_round.run_until(_by_now(_at(days[3], 23, 59, tz)))
    second_round.run_until(_by_now(_at(days[3], 23, 59, tz)))
    plant_work(session, _township(SEAT), _township(SHITAN))
    step()
    degrees = dict(
        session.execute(
            select(Contact.degree, func.count()).where(Contact.case_id == case.id).group_by(Contact.degree)
        ).all()
    )
    return DayOne(case.case_no, case.person_id, degrees.get("close", 0), degrees.get("secondary", 0), sites,
                  rooms, round_code, points, len(cases), placed, closed)


def _approve(session: Session, commander: User, at: datetime) -> None:
    """The commander approves the zones proposed around the day's cases (today's wait for them)."""
    with placed_at(at):
        for zone_id in session.scalars(select(Zone.id).where(Zone.state == "proposed").order_by(Zone.id)):
            approve(session, commander, zone_id, note="指挥部研判通过")


def _transfer(session: Session, driver: User, office: User, case: Case) -> None:
    """A past day's case went to the designated hospital within the hours: the ambulance that took the
    transfer is driven there by the demo driver, step by step, and the hospital's arrival confirmed."""
    task = session.scalar(select(Task).where(Task.kind == "hospital", Task.case_id == case.id))
    if task is None or task.vehicle_id is None:
        return
    start = max(case.confirmed_at, task.assigned_at or case.confirmed_at)
    with placed_at(start):
        transport.set_crew(session, SYSTEM, task.vehicle_id, driver_username=driver.username,
                           crew=[{"role": "driver", "name": "转运司机"}, {"role": "escort", "name": "随车医生"}])
    for minutes, step in ((25, "arrived"), (35, "picked_up"), (70, "delivered")):
        with placed_at(start + timedelta(minutes=minutes)):
            transport.driver_step(session, driver, step)
    with placed_at(start + timedelta(minutes=75)):
        transport.confirm_arrival(session, office, task.id)
    with placed_at(start + timedelta(minutes=120)):
        transport.driver_step(session, driver, "disinfected")
        # Off shift: today's driver is named again on today's ambulance (fleet.plant_work).
        transport.set_crew(session, SYSTEM, task.vehicle_id, driver_username=None)


def _carry(session: Session, dispatcher: User, driver: User, manager: User, at: datetime) -> None:
    """The dispatcher accepts the suggested trips for the placed contacts; the demo driver drives each
    vehicle in turn and the site manager confirms the arrivals."""
    with placed_at(at):
        suggestion = transport.suggest(session, dispatcher, seconds=0.2)
        for route in suggestion.routes:
            transport.assign(session, dispatcher, route["vehicle_id"], route["version"],
                             [trip["task_ids"] for trip in route["trips"]])
    for route in suggestion.routes:
        with placed_at(at):
            transport.set_crew(session, SYSTEM, route["vehicle_id"], driver_username=driver.username)
        for trip in route["trips"]:
            pickup, dropoff = trip["pickup_at"], trip["dropoff_at"]
            for moment, step in ((pickup - timedelta(minutes=5), "arrived"), (pickup, "picked_up"),
                                 (dropoff, "delivered")):
                with placed_at(moment):
                    transport.driver_step(session, driver, step)
            with placed_at(dropoff + timedelta(minutes=5)):
                for task_id in trip["task_ids"]:
                    if session.get(Task, task_id).status == "delivered":  # type: ignore[union-attr]
                        transport.confirm_arrival(session, manager, task_id)
                vehicle = transport.my_vehicle(session, driver)
                if vehicle is not None and vehicle.needs_disinfection:
                    transport.driver_step(session, driver, "disinfected")
        with placed_at(at):
            transport.set_crew(session, SYSTEM, route["vehicle_id"], driver_username=None)


def _close_contacts(session: Session, case: Case, *, secondary: bool = False) -> list[Contact]:
    """The case's contacts no tracer has decided on yet: close ones, then (asked for) secondary ones."""
    degrees = ("close", "secondary") if secondary else ("close",)
    return list(session.scalars(select(Contact).where(Contact.case_id == case.id, Contact.degree.in_(degrees),
                                                      Contact.status == "derived")
                                .order_by(Contact.degree, Contact.id)))


def _place(session: Session, tracer: User, office: User, contacts: list[Contact], at: datetime,
           share: float = 1.0) -> int:
    """The tracer reaches and confirms a ``share`` of the contacts and hands them over; the command
    office places them, a family no hotel room holds at home."""
    handed: list[int] = []
    with placed_at(at):
        # Someone already in quarantine (or handed over for another case) stays where they are.
        taken = set(session.scalars(select(Placement.person_id).where(Placement.status == "active")))
        taken |= set(session.scalars(select(PlacementRequest.person_id).where(PlacementRequest.status == "open")))
        free = [c for c in contacts if c.assigned_to_id in (None, tracer.id) and c.person_id not in taken]
        for contact in free[: max(1, round(len(free) * share))]:
            if contact.person_id in taken:
                continue
            taken.add(contact.person_id)
            confirm_contact(session, tracer, contact.id)
            hand_over(session, tracer, contact.id)
            handed.append(contact.id)
    if not handed:
        return 0
    with placed_at(_by_now(at + timedelta(minutes=20))):
        waiting = list(session.scalars(select(PlacementRequest.id).where(PlacementRequest.status == "open",
                                                                         PlacementRequest.contact_id.in_(handed))
                                       .order_by(PlacementRequest.id)))
        outcome = allocate(session, office, waiting, partial=True)
        if outcome.unplaced:
            home = allocate(session, office, sorted(outcome.unplaced), rooms=dict.fromkeys(outcome.unplaced, "home"),
                            partial=True)
            return len(outcome.placements) + len(home.placements)
        return len(outcome.placements)


def _decide_secondary(session: Session, tracer: User, office: User, dispatcher: User, driver: User,
                      manager: User, case: Case, at: datetime) -> int:
    """A past day's secondary contacts decided as a tracer would have: each confirmed and handed over,
    placed as the protocol's category says (a hotel room, or at home when the protocol says so or no
    room is left), carried there; those already in quarantine confirmed with its start. The
    tracer's queue of the next day holds none of them."""
    waiting = _secondary_contacts(session, case)
    placed = _place(session, tracer, office, waiting, at) if waiting else 0
    if placed:
        _carry(session, dispatcher, driver, manager, at + timedelta(minutes=30))
    _settle(session, tracer, case, at + timedelta(minutes=40), secondary=True)
    return placed


def _secondary_contacts(session: Session, case: Case) -> list[Contact]:
    return list(session.scalars(select(Contact).where(Contact.case_id == case.id, Contact.degree == "secondary",
                                                      Contact.status == "derived").order_by(Contact.id)))


def _settle(session: Session, tracer: User, case: Case, at: datetime, *, secondary: bool = False) -> None:
    """A close (or, asked for, secondary) contact already in quarantine for an earlier case (a
    placement running) is confirmed for this one too, with that quarantine's start: nobody is moved,
    and the list is done."""
    with placed_at(at):
        for contact in _secondary_contacts(session, case) if secondary else _close_contacts(session, case):
            start = session.scalar(select(Placement.placed_at).where(Placement.person_id == contact.person_id,
                                                                      Placement.status == "active"))
            if start is None:
                continue
            confirm_contact(session, tracer, contact.id)
            set_quarantined_at(session, tracer, contact.id, aware(start))


def _checks(session: Session, manager: User, rng: random.Random, at: datetime) -> None:
    """The morning round of temperatures at the hotels: most of the placed, not all (some are due)."""
    with placed_at(at):
        placed = list(session.scalars(select(Placement.person_id).where(Placement.status == "active",
                                                                        Placement.site_id.is_not(None))
                                      .order_by(Placement.person_id)))
        for person_id in placed[: len(placed) * 3 // 4]:
            record_check(session, manager, person_id=person_id, temperature=round(rng.uniform(36.1, 37.1), 1))


def _close(session: Session, office: User, day: date, tz: ZoneInfo) -> int:
    """The command office closes the day on its evening: the night's figures, as reported upward."""
    with placed_at(_at(day, 22, 30, tz)):
        close_day(session, office, day)
    return 1


def _quarantine(session: Session, rng: random.Random) -> tuple[int, int]:
    """Hotels in the seat's communities, as the rooms file of formats.md through the rooms import."""
    seat = _township(SEAT)
    communities = session.execute(
        select(Area.code, Area.name, Area.lat, Area.lon)
        .where(Area.parent_code == seat, Area.name.like("%社区")).order_by(Area.code)
    ).all() or session.execute(select(Area.code, Area.name, Area.lat, Area.lon).where(Area.code == seat)).all()
    text = io.StringIO()
    out = csv.writer(text)
    out.writerow(("site_code", "site_name", "area_code", "room", "beds", "address", "lat", "lon"))
    names = rng.sample(HOTELS, rng.choice((3, 4)))
    rooms = 0
    for number, name in enumerate(names, start=1):
        code, community, lat, lon = rng.choice(communities)
        address = f"{COUNTY_NAME}{SEAT}{community if code != seat else ''}{rng.choice(STREETS)}{rng.randint(1, 199)}号"
        where = (f"{(lat or 27.083) + rng.uniform(-0.004, 0.004):.5f}",
                 f"{(lon or 112.95) + rng.uniform(-0.004, 0.004):.5f}")
        per_floor = rng.choice((12, 16, 20))
        count = rng.randint(40, 120)
        for index in range(count):
            # The ground floor is the lobby; a few family rooms keep a child with a parent.
            room = f"{index // per_floor + 2}{index % per_floor + 1:02d}"
            beds = 2 if rng.random() < 0.15 else 1
            out.writerow((f"HD-GL-{number:02d}", name, code, room, beds, address, *where))
        rooms += count
    report = run_import(session, SYSTEM, "rooms", io.BytesIO(text.getvalue().encode()),
                        filename="demo-quarantine-rooms.csv", strict=True)
    if report.status != "done":
        raise RuntimeError(f"demo quarantine rooms did not load: {report.message or report.problems[:3]}")
    return len(names), rooms


def _home(session: Session) -> list[int]:
    """小泉屋组, then 石金村, then 石滩乡: the narrowest of them where somebody lives."""
    township = _township(SHITAN)
    village = session.scalar(select(Area.code).where(Area.parent_code == township, Area.name == VILLAGE))
    group = session.scalar(select(Area.code).where(Area.parent_code == village, Area.name == GROUP)) \
        if village else None
    for prefix, exact in ((group, True), (village, False), (township[:9], False), (COUNTY_CODE, False)):
        if prefix is None:
            continue
        where = Person.area_code == prefix if exact else Person.area_code.startswith(prefix)
        ids = list(session.scalars(select(Person.id).where(where, Person.merged_into_id.is_(None))
                                   .order_by(Person.id)))
        if ids:
            return ids
    raise RuntimeError("the demo county has nobody to be its first case")


def _index_person(session: Session, rng: random.Random, window: tuple[datetime, datetime], until: date) -> Person:
    """A working-age adult sharing a home, with no job in the county, who went to market or ate out
    in the window; failing that, the nearest thing to one. Chosen by the seed among those who fit best."""
    ids = _home(session)
    start, end = int(window[0].timestamp()), int(window[1].timestamp())
    persons = session.scalars(select(Person).where(Person.id.in_(ids)).order_by(Person.id)).all()
    sizes = dict(session.execute(
        select(Person.household_id, func.count()).where(Person.household_id.in_(
            sorted({p.household_id for p in persons if p.household_id is not None})
        )).group_by(Person.household_id)
    ).all())
    scenes = dict(session.execute(
        select(Checkin.person_id, func.count()).join(Venue, Venue.id == Checkin.venue_id)
        .where(Checkin.person_id.in_(ids), Venue.kind.in_(SCENES), Checkin.in_at >= start, Checkin.in_at < end)
        .group_by(Checkin.person_id)
    ).all())
    # Back from work in 上海, they have no workplace here: their contacts are family, market, table.
    employed = set(session.scalars(
        select(Checkin.person_id).join(Venue, Venue.id == Checkin.venue_id)
        .where(Checkin.person_id.in_(ids), Venue.kind == "workplace", Checkin.in_at >= start, Checkin.in_at < end)
    ))
    seen = set(session.scalars(
        select(Checkin.person_id).where(Checkin.person_id.in_(ids), Checkin.in_at >= start, Checkin.in_at < end)
    ))

    def working_age(person: Person) -> bool:
        born = person.birth_date
        return born is not None and 18 <= (until - born).days // 365 < 60

    def shares_home(person: Person) -> bool:
        return sizes.get(person.household_id, 0) > 1

    tiers: tuple[Callable[[Person], bool], ...] = (
        lambda p: working_age(p) and shares_home(p) and p.id in scenes and p.id not in employed,
        lambda p: working_age(p) and shares_home(p) and p.id in scenes,
        lambda p: working_age(p) and p.id in scenes,
        lambda p: working_age(p) and p.id in seen,
        lambda p: p.id in seen,
        lambda p: True,
    )
    for fits in tiers:
        chosen = [p for p in persons if fits(p)]
        if chosen:
            return rng.choice(chosen)
    raise RuntimeError("unreachable: the last tier takes anyone")


def _case(session: Session, rng: random.Random, one: date, tz: ZoneInfo) -> Case:
    # Sampled at the township clinic's fever clinic, kept in its isolation room from mid-morning,
    # confirmed by the lab in the afternoon of day 1: the exposure window ends at isolation.
    confirmed = _by_now(_at(one, 16, 45, tz))
    isolated = min(_at(one, 10, 0, tz), confirmed)
    sampled = min(_at(one, 8, 20, tz), isolated)
    onset = one - timedelta(days=2)
    start = datetime.combine(onset - timedelta(days=current().contacts.lookback_days), time.min, tzinfo=tz)
    person = _index_person(session, rng, (start, isolated), one)
    fields = CaseFields(case_number(one + timedelta(days=DAY - 1)), person.id_number, "confirmed", onset, sampled,
                        confirmed, "imported", ORIGIN, isolated_at=isolated, found_by="fever_clinic")
    with placed_at(_by_now(confirmed + timedelta(minutes=5))):
        return create_case(session, SYSTEM, fields)


def _secondary(session: Session, rng: random.Random, index: Case, closes: list[Contact], day: date, tz: ZoneInfo,
               *, number: int, home_first: bool) -> Case | None:
    """A close contact of the index case turns positive: a housemate first, when asked for."""
    taken = set(session.scalars(select(Case.person_id)))
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([c.person_id for c in closes])))}
    home = session.get(Person, index.person_id)
    household = home.household_id if home is not None else None
    free = [persons[c.person_id] for c in closes if c.person_id not in taken and c.person_id in persons]
    mates = [p for p in free if household is not None and p.household_id == household]
    pool = (mates or free) if home_first else ([p for p in free if p not in mates] or free)
    if not pool:
        return None
    person = rng.choice(pool)
    placed = session.scalar(select(Placement.id).where(Placement.person_id == person.id,
                                                      Placement.status == "active")) is not None
    confirmed = _by_now(_at(day, 15, 30, tz) if home_first else _at(day, 10, 40, tz))
    sampled = min(confirmed - timedelta(hours=7), _at(day, 7, 30, tz))
    fields = CaseFields(f"HD-{index.case_no.split('-')[1]}-{number:03d}", person.id_number, "confirmed",
                        day - timedelta(days=1), sampled, confirmed, "local",
                        infected_by=index.case_no, isolated_at=sampled if placed else confirmed,
                        found_by="under_control" if placed else "routine_screening")
    with placed_at(_by_now(confirmed + timedelta(minutes=5))):
        return create_case(session, SYSTEM, fields)


def _round(session: Session, day: date, tz: ZoneInfo, *, number: int) -> str:
    """石滩乡's mass screening round ``number``, from 07:00 of ``day``, decided the evening before."""
    township = _township(SHITAN)
    code = f"ST-{day:%Y%m%d}"
    ordinal = "一二三四五六七八九十"[number - 1]
    with placed_at(_at(day - timedelta(days=1), 19, 0, tz)):
        create_round(session, SYSTEM, RoundFields(code, f"{SHITAN}第{ordinal}轮全员核酸检测", [township],
                                                  _at(day, 7, 0, tz)))
    return code


def _screening(session: Session, one: date, tz: ZoneInfo) -> tuple[str, int]:
    """石滩乡's first round from day 2's morning, where to be swabbed, and the labs to test the tubes."""
    township = _township(SHITAN)
    village = session.scalar(select(Area.code).where(Area.parent_code == township, Area.name == VILLAGE))
    code = _round(session, one + timedelta(days=1), tz, number=1)
    points = (
        ("ST-P01", f"{SHITAN}卫生院采样点", township, f"{COUNTY_NAME}{SHITAN}卫生院门诊楼前", "fixed"),
        ("ST-P02", f"{VILLAGE}村委会采样点", village or township, f"{COUNTY_NAME}{SHITAN}{VILLAGE}村委会", "fixed"),
        ("ST-T01", f"{SHITAN}入户采样队", village or township, None, "team"),
    )
    with placed_at(_at(one, 19, 10, tz)):
        for point_code, name, area, address, kind in points:
            create_point(session, SYSTEM, code=point_code, name=name, area_code=area, address=address,
                         hours="07:00-19:00", kind=kind)
        for lab_code, lab_name in LABS:
            create_lab(session, SYSTEM, lab_code, lab_name)
    return code, len(points)

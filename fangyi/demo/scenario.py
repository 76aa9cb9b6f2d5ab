"""The first day of the Hengdong outbreak, planted in the demo county through each part's own services.

On the demo's last day (30 March 2022 by default) a resident of 石滩乡石金村小泉屋组,
back from 上海, is confirmed; the county seat has its quarantine hotels ready and
石滩乡's first mass screening round starts the next morning. Every date follows
the demo's ``until``, so another end date moves the whole story with it.
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
from fangyi.demo.fleet import plant_fleet, plant_work
from fangyi.demo.places import COUNTY_CODE, COUNTY_NAME, SEAT, SHITAN, STREETS, TOWNSHIPS
from fangyi.imports.service import run_import
from fangyi.protocols.reader import current
from fangyi.quarantine import importer as _rooms  # noqa: F401  (registers the rooms import kind)
from fangyi.registry.models import Area, Checkin, Person, Venue
from fangyi.screening.setup import RoundFields, create_lab, create_point, create_round
from fangyi.timeutil import now
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.models import Case, Contact

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


def case_number(until: date) -> str:
    return f"HD-{until.year}-001"


def _township(name: str) -> str:
    return next(f"{COUNTY_CODE}{digits}000" for town, digits, *_ in TOWNSHIPS if town == name)


def _at(day: date, hour: int, minute: int, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=tz)


def plant(session: Session, seed: int, until: date, tz: ZoneInfo, step: Callable[[], None]) -> DayOne:
    """Sites and rooms, the imported case with its derived contacts, the screening round.

    ``step`` is called after each of the three, for the progress line.
    """
    rng = random.Random(f"{seed}:scenario")
    sites, rooms = _quarantine(session, rng)
    plant_fleet(session, seed, _township(SEAT), LABS)
    step()
    case = _case(session, rng, until, tz)
    plant_work(session, _township(SEAT), _township(SHITAN))
    step()
    round_code, points = _screening(session, until, tz)
    step()
    degrees = dict(
        session.execute(
            select(Contact.degree, func.count()).where(Contact.case_id == case.id).group_by(Contact.degree)
        ).all()
    )
    return DayOne(case.case_no, case.person_id, degrees.get("close", 0), degrees.get("secondary", 0), sites,
                  rooms, round_code, points)


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


def _case(session: Session, rng: random.Random, until: date, tz: ZoneInfo) -> Case:
    # Sampled at the township clinic's fever clinic, kept in its isolation room from mid-morning,
    # confirmed by the lab in the afternoon: the exposure window ends at isolation. A demo whose
    # last day is today (or later) has it all happen by now, as a case cannot be confirmed ahead.
    confirmed = min(_at(until, 16, 45, tz), now())
    isolated = min(_at(until, 10, 0, tz), confirmed)
    sampled = min(_at(until, 8, 20, tz), isolated)
    onset = min(until, sampled.astimezone(tz).date()) - timedelta(days=2)
    start = datetime.combine(onset - timedelta(days=current().contacts.lookback_days), time.min, tzinfo=tz)
    person = _index_person(session, rng, (start, isolated), until)
    fields = CaseFields(case_number(until), person.id_number, "confirmed", onset, sampled, confirmed, "imported",
                        ORIGIN, isolated_at=isolated)
    return create_case(session, SYSTEM, fields)


def _screening(session: Session, until: date, tz: ZoneInfo) -> tuple[str, int]:
    """石滩乡's first round from the next morning, where to be swabbed, and the labs to test the tubes."""
    township = _township(SHITAN)
    village = session.scalar(select(Area.code).where(Area.parent_code == township, Area.name == VILLAGE))
    day = until + timedelta(days=1)
    code = f"ST-{day:%Y%m%d}"
    create_round(session, SYSTEM, RoundFields(code, f"{SHITAN}第一轮全员核酸检测", [township], _at(day, 7, 0, tz)))
    points = (
        ("ST-P01", f"{SHITAN}卫生院采样点", township, f"{COUNTY_NAME}{SHITAN}卫生院门诊楼前", "fixed"),
        ("ST-P02", f"{VILLAGE}村委会采样点", village or township, f"{COUNTY_NAME}{SHITAN}{VILLAGE}村委会", "fixed"),
        ("ST-T01", f"{SHITAN}入户采样队", village or township, None, "team"),
    )
    for point_code, name, area, address, kind in points:
        create_point(session, SYSTEM, code=point_code, name=name, area_code=area, address=address,
                     hours="07:00-19:00", kind=kind)
    for lab_code, lab_name in LABS:
        create_lab(session, SYSTEM, lab_code, lab_name)
    return code, len(points)

"""The demo county's arrivals: the command's origin-risk list (as in spring 2022: Shanghai and Jilin
high, Wuhan medium, Guangdong a province with local cases) and people back from elsewhere staying in
石滩乡's villages, arrived over the last days before the day the demo is served, so that its village
doctor has first visits, temperatures and tests to do today. One origin code is unknown (flagged).
The household sweep has begun in 石滩乡's first village: a third of its households visited yesterday
and this morning, a few with people back from elsewhere found there. Three fever sentinels' reports
of 石滩乡's residents: one overdue, one swabbed alone, one waiting for its test."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.arrivals import sentinels, service
from fangyi.config import get_settings
from fangyi.demo.places import SHITAN
from fangyi.identity import make_id_number
from fangyi.registry.models import Area, Household, Person
from fangyi.screening.models import Sample
from fangyi.screening.scans import ScanInput, record_scans
from fangyi.timeutil import now, today

RISKS = (("310000", "high"), ("220000", "high"), ("420100", "medium"), ("440000", "local_cases"))
# Where they came from (medium and local-case origins, a low one, one code no list knows): none is
# high risk, so that the demo's quarantine queue stays the outbreak's own.
ORIGINS = ("420106", "420102", "440305", "441900", "430102", "999901")
SURNAMES = "刘陈王李谭罗彭周肖曾"
GIVEN = "伟芳敏静强磊军洋勇艳"
MEANS = ("car", "train", "bus", "flight")


@dataclass
class Planted:
    risks: int
    arrivals: int
    household_visits: int = 0


def plant(session: Session, seed: int, count: int) -> Planted:
    rng = random.Random(f"{seed}:arrivals")
    for code, level in RISKS:
        service.save_origin_risk(session, SYSTEM, area_code=code, level=level, valid_from=date(2022, 3, 1),
                                 valid_to=None)
    township = session.scalar(select(Area.code).where(Area.name == SHITAN, Area.level == "township"))
    villages = list(session.scalars(select(Area.code).where(Area.parent_code == township, Area.level == "village")
                                    .order_by(Area.code)))
    if not villages:
        return Planted(len(RISKS), 0)
    tz, served = get_settings().tz, today()
    for n in range(count):
        origin = ORIGINS[n % len(ORIGINS)]
        days_ago = n % 6  # today back to five days ago: first visits, temperatures, day-1 and day-4 tests
        arrived = datetime.combine(served - timedelta(days=days_ago), time(8 + rng.randrange(10)), tz)
        born = date(1960 + rng.randrange(45), 1 + rng.randrange(12), 1 + rng.randrange(28))
        service.register_arrival(
            session, SYSTEM, id_number=make_id_number(origin if origin[:2] != "99" else "420106", born, 500 + n,
                                                      "M" if n % 2 else "F"),
            name=rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN), origin=origin, arrived_at=arrived,
            staying_area_code=rng.choice(villages), phone=f"139{rng.randrange(10**8):08d}",
            means=rng.choice(MEANS), registered_at="G4京港澳高速衡东出口" if n % 3 else None)
    return Planted(len(RISKS), count, _sweep(session, rng, villages[0], served))


def _sweep(session: Session, rng: random.Random, village: str, served: date) -> int:
    """A third of the village's households (one at least, never all) visited over yesterday and today."""
    households = list(session.scalars(select(Household.id).where(Household.area_code.startswith(village))
                                      .order_by(Household.code)))
    visited = households[: max(1, len(households) // 3)] if len(households) > 1 else []
    for n, household_id in enumerate(visited):
        service.visit_household(session, SYSTEM, household_id=household_id, day=served - timedelta(days=n % 2),
                                returned=1 if rng.random() < 0.15 else 0)
    return len(visited)


# ---- fever sentinels --------------------------------------------------------------------------

# (reporter kind, institution, hours before the demo is served, sampled an hour after the report)
SENTINELS = (("clinic", "石滩乡卫生院预检分诊台", 30, False),  # yesterday: overdue today
             ("pharmacy", "石滩乡老百姓大药房", 3, True),  # this morning: swabbed alone since
             ("village_doctor", None, 1, False))  # just now: waiting for its test


def plant_sentinels(session: Session) -> int:
    """Three fever sentinels' reports of 石滩乡's residents: one overdue, one swabbed in a single tube
    (waiting for its result), one just made. Residents never swabbed are chosen, so that no round's
    open tube holds them."""
    township = session.scalar(select(Area.code).where(Area.name == SHITAN, Area.level == "township"))
    if township is None:
        return 0
    people = list(session.scalars(select(Person).where(
        Person.area_code.startswith(township[:9]), Person.merged_into_id.is_(None),
        Person.id.not_in(select(Sample.person_id))).order_by(Person.id).limit(len(SENTINELS))))
    moment = now()
    for n, ((kind, institution, hours, sampled), person) in enumerate(zip(SENTINELS, people, strict=False)):
        at = moment - timedelta(hours=hours)
        sentinels.report_sentinel(session, SYSTEM, id_number=person.id_number, area_code=person.area_code,
                                  symptoms=["fever", "cough"] if n != 1 else ["sore_throat", "cough"],
                                  temperature=38.3 if n != 1 else None, reporter_kind=kind,
                                  institution=institution, at=at)
        if sampled:
            swabbed = at + timedelta(hours=1)
            barcode = f"FS{person.id:08d}"
            record_scans(session, SYSTEM, [
                ScanInput(f"demo-fever-open-{person.id}", "open", barcode, pool_size=1, scanned_at=swabbed),
                ScanInput(f"demo-fever-swab-{person.id}", "person", barcode, id_number=person.id_number,
                          scanned_at=swabbed)])
    return min(len(people), len(SENTINELS))

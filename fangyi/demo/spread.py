"""`fangyi demo --scenario spread`: a local outbreak of some hundreds of cases over three weeks.

A small stochastic transmission model runs over the demo county's own contact structure: an
infectious person infects housemates, and people whose stay at a venue overlaps theirs in the
check-ins (workshops, classes, markets, restaurants, buses), with a daily weight from the serial
interval, until they are isolated on confirmation. From the fifth day after the first confirmation
the county's measures cut transmission outside the home to a twelfth and at home by half. Seeded:
the same seed and county give the same outbreak, relative to the build day (the last of the three
weeks).

Hundreds of cases through tracing's create_case would derive hundreds of close contacts each (some
thousands of rows a case at the small size), so the cases of past days are written as rows, each
with its audit entry, and the zones part's own handler proposes zones around each of them; the
first case and today's go through create_case, so the tracer's queue holds their contacts.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.audit import service as audit
from fangyi.demo import scenario, tubes
from fangyi.demo.fleet import plant_fleet, plant_work
from fangyi.demo.places import SEAT, SHITAN
from fangyi.registry.models import Checkin, Person
from fangyi.timeutil import day_bounds, placed_at
from fangyi.tracing.cases import CaseFields, create_case
from fangyi.tracing.events import CaseConfirmed
from fangyi.tracing.models import Case
from fangyi.zones import service as zones

DAYS = 21  # three weeks, the last of them the build day
SEEDS = 3  # people back from 上海 with the virus, unseen, on the first days
HOME = 0.1  # a housemate's chance a day, at the serial interval's peak weight of 1
VENUE = 0.04  # someone's at an overlapping stay
MEASURES = 0.08  # transmission outside the home once the county's measures hold
HOME_MEASURES = 0.5  # at home, once housemates of cases are quarantined
MEASURES_FROM = 5  # days after the first confirmation
NEAR = 30 * 60  # stays this close count as overlapping (seconds)
STAY = 60 * 60  # a stay without a check-out lasts this long


@dataclass
class Infection:
    person: int
    day: int  # of infection, 0 = the outbreak's first day
    by: int | None  # the infector's person id
    onset: int | None
    confirmed: int  # day index of confirmation
    hour: float


@dataclass(frozen=True)
class Spread:
    cases: int
    through_service: int
    closed_days: int
    first_case: str


def _weights() -> list[float]:
    """Relative infectiousness by days since infection: a discretised gamma (mean 4.5, sd 2),
    scaled so that its peak is 1."""
    shape, scale = (4.5 / 2) ** 2, 2**2 / 4.5
    dens = [k ** (shape - 1) * math.exp(-k / scale) if k > 0 else 0.0 for k in range(12)]
    top = max(dens)
    return [d / top for d in dens]


def model(rng: random.Random, households: dict[int, list[int]], home_of: dict[int, int],
          stays: dict[int, dict[int, list[tuple[int, int, int]]]], person_days: dict[tuple[int, int], list[int]],
          seeds: list[int], last: int) -> list[Infection]:
    """Infections day by day over the county's households and overlapping venue stays.
    ``stays``: day -> venue -> (person, in, out); ``person_days``: (person, day) -> venues."""
    weights = _weights()
    infected: dict[int, Infection] = {}

    def infect(person: int, day: int, by: int | None) -> None:
        incubation = max(1, round(rng.gammavariate((5.5 / 2.4) ** 2, 2.4**2 / 5.5)))
        symptoms = rng.random() < 0.8
        delay = max(0, round(rng.gammavariate(2.0, 1.0)))
        confirmed = day + incubation + delay if symptoms else day + rng.randint(3, 7)
        infected[person] = Infection(person, day, by, day + incubation if symptoms else None, confirmed,
                                     rng.uniform(9, 20))

    for n, person in enumerate(seeds):
        infect(person, n - 2, None)  # caught before coming home
    first_found: int | None = None
    for day in range(last + 1):
        found = [i.confirmed for i in infected.values() if i.confirmed <= day]
        if found and first_found is None:
            first_found = min(found)
        held = first_found is not None and day >= first_found + MEASURES_FROM
        outside, home = (MEASURES, HOME_MEASURES) if held else (1.0, 1.0)
        for source in sorted(infected.values(), key=lambda i: i.person):
            since = day - source.day
            if since <= 0 or since >= len(weights) or day >= source.confirmed:
                continue
            w = weights[since]
            for mate in households.get(home_of.get(source.person, -1), ()):
                if mate not in infected and rng.random() < HOME * w * home:
                    infect(mate, day, source.person)
            for venue in person_days.get((source.person, day), ()):
                present = stays[day][venue]
                mine = [(i, o) for p, i, o in present if p == source.person]
                for other, start, end in present:
                    if other in infected or other == source.person:
                        continue
                    if any(start < o + NEAR and i < end + NEAR for i, o in mine) \
                            and rng.random() < VENUE * w * outside:
                        infect(other, day, source.person)
    return sorted(infected.values(), key=lambda i: (i.confirmed, i.hour, i.person))


def _structure(session: Session, first: date, last: int, tz: ZoneInfo) -> tuple[
        dict[int, list[int]], dict[int, int], dict[int, dict[int, list[tuple[int, int, int]]]],
        dict[tuple[int, int], list[int]]]:
    households: dict[int, list[int]] = defaultdict(list)
    home_of: dict[int, int] = {}
    for person_id, household in session.execute(select(Person.id, Person.household_id)
                                                .where(Person.household_id.is_not(None)).order_by(Person.id)):
        if household is not None:
            households[household].append(person_id)
            home_of[person_id] = household
    start = int(day_bounds(first, tz)[0].timestamp())
    end = int(day_bounds(first + timedelta(days=last), tz)[1].timestamp())
    stays: dict[int, dict[int, list[tuple[int, int, int]]]] = defaultdict(lambda: defaultdict(list))
    person_days: dict[tuple[int, int], list[int]] = defaultdict(list)
    rows = session.execute(select(Checkin.person_id, Checkin.venue_id, Checkin.in_at, Checkin.out_at)
                           .where(Checkin.in_at >= start, Checkin.in_at < end).order_by(Checkin.id))
    for person_id, venue_id, in_at, out_at in rows:
        day = (int(in_at) - start) // 86_400
        stays[day][venue_id].append((person_id, int(in_at), int(out_at) if out_at else int(in_at) + STAY))
        person_days[(person_id, day)].append(venue_id)
    return households, home_of, stays, person_days


def _seeds(session: Session, rng: random.Random, first: date, tz: ZoneInfo) -> list[int]:
    """The Shitan case's person (as the Hengdong scenario chooses it), and working-age adults in two
    other townships, all with a home shared and stays in the first week's check-ins."""
    window = (day_bounds(first, tz)[0], day_bounds(first + timedelta(days=6), tz)[1])
    index = scenario._index_person(session, rng, window, first).id
    others = list(session.scalars(select(Person.id).where(Person.household_id.is_not(None),
                                                          ~Person.area_code.startswith(scenario._township(SHITAN)[:9]))
                                  .order_by(Person.id)))
    return [index, *rng.sample(others, min(SEEDS - 1, len(others)))]


def plant(session: Session, seed: int, until: date, tz: ZoneInfo, step: Callable[[], None]) -> Spread:
    rng = random.Random(f"{seed}:spread")
    first = until - timedelta(days=DAYS - 1)
    office, commander = scenario._user(session, "command_office"), scenario._user(session, "commander")
    with placed_at(scenario._at(first, 8, 0, tz)):
        scenario._quarantine(session, random.Random(f"{seed}:scenario"))
        plant_fleet(session, seed, scenario._township(SEAT), scenario.LABS)
    step()
    households, home_of, stays, person_days = _structure(session, first, DAYS - 1, tz)
    seeds = _seeds(session, rng, first, tz)
    infections = [i for i in model(rng, households, home_of, stays, person_days, seeds, DAYS - 1)
                  if i.confirmed < DAYS]
    step()
    year = first.year
    by_person: dict[int, Case] = {}
    persons = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_([i.person for i in infections])))}
    serviced = closed = 0
    pending = list(infections)
    # 石滩乡's rounds (day 2 and today), with tubes, as in the Hengdong scenario.
    sampler, lab = scenario._user(session, "sampler"), scenario._user(session, "lab")
    township, labs = scenario._township(SHITAN), tuple(code for code, _ in scenario.LABS)
    rounds: list[tubes.Plan] = []
    for day in range(DAYS):
        on = first + timedelta(days=day)
        todays = [i for i in pending if i.confirmed == day]
        for number, infection in enumerate(todays, start=len(by_person) + 1):
            case = _case(session, infection, persons[infection.person], by_person, f"HD-{year}-{number:03d}",
                         first, tz, service=number == 1 or (day == DAYS - 1 and serviced < 4))
            serviced += case.derived_at is not None
            by_person[infection.person] = case
        if day == 1:
            code, _ = scenario._screening(session, first, tz)
            rounds.append(tubes.plan_round(session, sampler, lab, round_code=code, township=township,
                                           day=on + timedelta(days=1), tz=tz, labs=labs, seed=seed, share=0.85,
                                           stalled_box=True))
        if day == DAYS - 2:
            code = scenario._round(session, until, tz, number=2)
            rounds.append(tubes.plan_round(session, sampler, lab, round_code=code, township=township, day=until,
                                           tz=tz, labs=labs, seed=seed, share=0.85, stalled_box=False))
        for planned in rounds:  # the rounds' swabs, boxes and results of the day, up to its evening
            planned.run_until(scenario._by_now(scenario._at(on, 22, 0, tz)))
        if day < DAYS - 1:  # today's proposals wait for the commander
            scenario._approve(session, commander, scenario._at(on, 21, 0, tz))
        if day < DAYS - 1:
            closed += scenario._close(session, office, on, tz)
    _link(session, infections, by_person)
    plant_work(session, scenario._township(SEAT), scenario._township(SHITAN))
    step()
    return Spread(len(by_person), serviced, closed, f"HD-{year}-001")


def _case(session: Session, infection: Infection, person: Person, known: dict[int, Case], case_no: str,
          first: date, tz: ZoneInfo, *, service: bool) -> Case:
    day = first + timedelta(days=infection.confirmed)
    hour, minute = int(infection.hour), int(infection.hour % 1 * 60)
    confirmed = scenario._by_now(datetime.combine(day, time(hour, minute), tzinfo=tz))
    sampled = confirmed - timedelta(hours=7)
    source = known.get(infection.by) if infection.by is not None else None
    imported = infection.by is None
    onset = first + timedelta(days=infection.onset) if infection.onset is not None else None
    found_by = ("under_control" if source is not None and source.confirmed_at < sampled
                else "fever_clinic" if onset is not None else "routine_screening")
    fields = CaseFields(case_no, person.id_number, "confirmed", onset, sampled, confirmed,
                        "imported" if imported else "local", scenario.ORIGIN if imported else None,
                        infected_by=source.case_no if source is not None else None, isolated_at=confirmed,
                        found_by=found_by)
    with placed_at(scenario._by_now(confirmed + timedelta(minutes=5))):
        if service:
            return create_case(session, SYSTEM, fields)
        case = Case(case_no=case_no, person_id=person.id, classification="confirmed", onset_date=onset,
                    sampled_at=sampled, confirmed_at=confirmed, source=fields.source, origin=fields.origin,
                    infected_by_case_id=source.id if source is not None else None, isolated_at=confirmed,
                    found_by=found_by)
        session.add(case)
        session.flush()
        audit.record(session, SYSTEM, "create", "case", case.id, after={"case_no": case_no},
                     note="fangyi demo --scenario spread: written as a row, contacts not derived")
        zones.on_case_confirmed(session, SYSTEM, CaseConfirmed(case.id, case_no, person.id, person.area_code,
                                                               confirmed))
        return case



def _link(session: Session, infections: list[Infection], cases: dict[int, Case]) -> None:
    """The investigation links a case written as a row to its source found after it: the chains."""
    for infection in infections:
        case, source = cases.get(infection.person), cases.get(infection.by) if infection.by else None
        if case is None or source is None or case.infected_by_case_id is not None or case.derived_at is not None:
            continue
        case.infected_by_case_id = source.id
        audit.record(session, SYSTEM, "update", "case", case.id, after={"infected_by": source.case_no},
                     note="fangyi demo --scenario spread: source found by the investigation")
    session.flush()

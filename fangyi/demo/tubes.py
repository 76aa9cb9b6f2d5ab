"""石滩乡's screening rounds as they ran: residents swabbed into pooled tubes at the round's three
points, the tubes boxed and carried to the labs, the results back, on the outbreak's one clock.

A round's day is planned at once, as timed steps, and the steps are run in order up to a moment:
the scenario runs the first round's steps up to the evening of its day (then closes the day), the
rest on the next days, and today's round up to now, so that nothing is recorded ahead of the clock.
The first round's last box from the home-visit team (or the day's last box) waits at the lab
without a result (an instrument down): its tubes are past the edition's result limit on the days after, the dashboard's
overdue tubes. Today's tubes are pending, boxed or not yet; the earliest boxes have their results.
Every result is negative: the cases of the scenario were found by other means.

The residents swabbed are a share of the township's registered residents (not those in quarantine,
isolated as cases or in another tube), at most PEOPLE a round, in households' order so that a pool
holds neighbours, as it does at a real point.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.auth.models import User
from fangyi.quarantine.models import Placement
from fangyi.registry.models import Person
from fangyi.screening.boxes import hand_over, pack_box, receive_box
from fangyi.screening.results import ResultFields, record_result
from fangyi.screening.scans import ScanInput, record_scans
from fangyi.timeutil import placed_at
from fangyi.tracing.models import Case

POOL = 10  # tubes of ten, as county rounds pooled in 2022 (fewer in a tiny county, so that it has boxes)
PEOPLE = 1500  # at most a round: the county-size demo stays quick to build
POINTS = ("ST-P01", "ST-P02", "ST-T01")  # the round's points (scenario._screening)
TEAM = "ST-T01"  # the home-visit team: its last box of the first round waits at the lab
BOX_HOURS = 2  # a point boxes its closed tubes every two hours
CARRY = timedelta(minutes=50)  # from the point to the lab


@dataclass
class Plan:
    """A round's day as timed steps; `run_until` runs those due by a moment, in time order."""

    steps: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    tubes: int = 0
    swabbed: int = 0

    def add(self, at: datetime, step: Callable[[], None]) -> None:
        self.steps.append((at, len(self.steps), step))

    def run_until(self, moment: datetime) -> int:
        due = sorted(s for s in self.steps if s[0] <= moment)
        self.steps = [s for s in self.steps if s[0] > moment]
        for at, _, step in due:
            with placed_at(at):
                step()
        return len(due)


def _residents(session: Session, township: str, rng: random.Random, share: float) -> list[Person]:
    away = set(session.scalars(select(Placement.person_id).where(Placement.status == "active")))
    away |= set(session.scalars(select(Case.person_id)))
    people = [p for p in session.scalars(select(Person).where(
        Person.area_code.startswith(township[:9]), Person.merged_into_id.is_(None))
        .order_by(Person.household_id, Person.area_code, Person.id)) if p.id not in away]
    chosen = set(rng.sample(range(len(people)), min(PEOPLE, round(len(people) * share))))
    return [p for index, p in enumerate(people) if index in chosen]


def plan_round(session: Session, sampler: User, lab: User, *, round_code: str, township: str, day: date,
               tz: ZoneInfo, labs: tuple[str, ...], seed: int, share: float, stalled_box: bool) -> Plan:
    """The round's swabbing on `day` from 07:00 to 17:00 at its points (tubes spread evenly over
    the day), boxes every two hours per point, receipt at a lab, results 3-6 hours after receipt."""
    rng = random.Random(f"{seed}:tubes:{round_code}")
    people = _residents(session, township, rng, share)
    plan = Plan(swabbed=len(people))
    size = POOL if len(people) >= 6 * POOL else 5 if len(people) >= 30 else 1  # the edition's pool sizes
    pools = [people[n:n + size] for n in range(0, len(people), size)]
    plan.tubes = len(pools)
    start = datetime.combine(day, time(7, 0), tzinfo=tz)
    span = timedelta(hours=10)
    boxes: dict[tuple[str, int], list[str]] = {}
    for number, pool in enumerate(pools):
        point = POINTS[number % len(POINTS)]
        at = start + span * number / max(1, len(pools))
        barcode = f"{round_code[-8:]}{number + 1:05d}"  # the round's day and the tube's number
        scans = [ScanInput(f"{barcode}-open", "open", barcode, point, round_code, pool_size=size, scanned_at=at)]
        scans += [ScanInput(f"{barcode}-{p.id}", "person", barcode, point, round_code, id_number=p.id_number,
                            scanned_at=at + timedelta(seconds=20 * (n + 1))) for n, p in enumerate(pool)]
        scans.append(ScanInput(f"{barcode}-close", "close", barcode, point, round_code,
                               scanned_at=at + timedelta(seconds=20 * (len(pool) + 1))))
        plan.add(at + timedelta(minutes=4), partial(_scan, session, sampler, scans))
        slot = int((at - start) / timedelta(hours=BOX_HOURS))
        boxes.setdefault((point, slot), []).append(barcode)
    # The box that stalls at the lab: the home-visit team's last, else the day's last box.
    last = max(boxes, default=None, key=lambda key: (key[0] == TEAM, key[1], POINTS.index(key[0])))
    for (point, slot), barcodes in sorted(boxes.items(), key=lambda item: (item[0][1], item[0][0])):
        packed = start + timedelta(hours=BOX_HOURS * (slot + 1), minutes=5)
        code = f"BOX-{round_code[-8:]}-{point[-3:]}-{slot + 1}"
        lab_code = labs[(slot + POINTS.index(point)) % len(labs)]
        plan.add(packed, partial(_pack, session, sampler, code, barcodes, lab_code, point))
        handed = packed + timedelta(minutes=10)
        plan.add(handed, partial(_hand_over, session, sampler, code, handed))
        received = handed + CARRY
        plan.add(received, partial(_receive, session, lab, code, received))
        if stalled_box and (point, slot) == last and len(boxes) > 1:
            continue  # the instrument went down: no result for this box yet
        tested = received + timedelta(minutes=rng.randint(180, 360))
        plan.add(tested, partial(_results, session, lab, barcodes, tested, lab_code))
    return plan


def _pack(session: Session, sampler: User, code: str, barcodes: list[str], lab_code: str, point: str) -> None:
    pack_box(session, sampler, code, barcodes, lab_code, point)


def _hand_over(session: Session, sampler: User, code: str, at: datetime) -> None:
    hand_over(session, sampler, code, "采样员", "转运员", at=at)


def _receive(session: Session, lab: User, code: str, at: datetime) -> None:
    receive_box(session, lab, code, "检验员", at=at)


def _scan(session: Session, sampler: User, scans: list[ScanInput]) -> None:
    # A person the round cannot take (registered under control since) is left out; the tube goes on.
    record_scans(session, sampler, scans)


def _results(session: Session, lab: User, barcodes: list[str], tested: datetime, lab_code: str) -> None:
    for barcode in barcodes:
        record_result(session, lab, ResultFields(barcode, "negative", tested, lab_code))

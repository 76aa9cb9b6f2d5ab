"""Build the demo county into a migrated, empty database, stage by stage."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.audit import service as audit
from fangyi.config import get_settings
from fangyi.demo import arrivals, spread, workforce
from fangyi.demo.checkins import anchors, checkins, days_until
from fangyi.demo.people import PersonMaker, Residents, residents_of
from fangyi.demo.places import make_county
from fangyi.demo.scenario import plant
from fangyi.demo.users import create_users
from fangyi.demo.venues import make_venues
from fangyi.demo.writer import BulkWriter
from fangyi.timeutil import day_bounds, today

PERSON_COLUMNS = ("id", "id_number", "doc_kind", "name", "sex", "birth_date", "phone", "area_code", "address",
                  "household_id", "created_at", "updated_at")
VENUE_COLUMNS = ("id", "code", "name", "kind", "area_code", "address", "default_stay_minutes", "lat", "lon")
CHUNK = 2_000  # households per check-in chunk: bounds memory at any size


@dataclass(frozen=True)
class Size:
    name: str
    persons: int
    village_scale: float  # share of the real county's villages and communities
    groups: tuple[int, int]  # groups per village


SIZES = {
    "tiny": Size("tiny", 300, 0.02, (1, 2)),
    "small": Size("small", 20_000, 0.25, (3, 8)),
    "county": Size("county", 565_400, 1.0, (6, 14)),
}
SCENARIOS = ("hengdong", "spread")


@dataclass(frozen=True)
class DemoSpec:
    """``until``: the build day, day 4 of the outbreak, the last of the check-ins (today by default)."""

    size: Size
    seed: int = 2022
    until: date = field(default_factory=today)
    days: int = 14
    scenario: str = "hengdong"

    def describe(self) -> dict[str, Any]:
        return {"size": self.size.name, "persons_asked": self.size.persons, "seed": self.seed,
                "until": self.until.isoformat(), "days": self.days, "scenario": self.scenario}


class _Stages:
    """A Rich progress bar per stage, or nothing (tests)."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress

    def start(self, label: str, total: int) -> Any:
        return self.progress.add_task(label, total=total) if self.progress else None

    def advance(self, task: Any, amount: int) -> None:
        if self.progress is not None:
            self.progress.advance(task, amount)


def progress_bar(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<22}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console)


def build(session: Session, spec: DemoSpec, console: Console | None = None) -> dict[str, Any]:
    """Fill the (empty, migrated) database behind ``session``; the caller commits. Returns the counts."""
    progress = progress_bar(console) if console is not None else None
    context: AbstractContextManager[Any] = progress if progress is not None else nullcontext()
    with context:
        counts = _fill(session, spec, _Stages(progress))
    return counts


def _fill(session: Session, spec: DemoSpec, stages: _Stages) -> dict[str, Any]:
    tz = get_settings().tz
    writer = BulkWriter(session)
    counts: dict[str, Any] = {}
    # Each stage draws from its own stream, so that a change in one leaves the others' rows alone.
    county = make_county(random.Random(f"{spec.seed}:areas"), spec.size.persons, spec.size.village_scale,
                         spec.size.groups)
    task = stages.start("地区 areas", len(county.areas))
    counts["areas"] = writer.write("areas", ("code", "name", "level", "parent_code", "lat", "lon"), county.areas)
    stages.advance(task, len(county.areas))

    span = spread.DAYS if spec.scenario == "spread" else spec.days  # days of check-ins
    venues = make_venues(random.Random(f"{spec.seed}:venues"), county, span)

    created_at = day_bounds(spec.until - timedelta(days=span), tz)[0]
    residents = Residents()
    task = stages.start("人口 persons", spec.size.persons)
    counts["persons"], counts["households"] = _persons(
        writer, county, PersonMaker(random.Random(f"{spec.seed}:persons"), spec.until),
        _instant(created_at, writer.dialect), residents, stages, task,
    )
    writer.reset_sequence("persons")
    writer.reset_sequence("households")

    rng = random.Random(f"{spec.seed}:checkins")
    # Workshops, offices and classes open as workers and pupils are given to them: the venues
    # are complete, and written, only once everyone has their weekday place.
    anchor = anchors(rng, residents, venues, county)
    task = stages.start("场所 venues", len(venues.rows))
    counts["venues"] = writer.write("venues", VENUE_COLUMNS, venues.rows)
    stages.advance(task, len(venues.rows))
    writer.reset_sequence("venues")
    days = days_until(spec.until, span, tz)
    households = len(residents.household_start)
    task = stages.start("扫码 check-ins", households)

    def rows() -> Iterator[tuple[int, int, int, int, int | None]]:
        next_id = 1
        for first in range(0, households, CHUNK):
            last = min(households, first + CHUNK)
            for row in checkins(rng, residents, venues, anchor, days, first, last):
                yield (next_id, *row)
                next_id += 1
            stages.advance(task, last - first)

    counts["checkins"] = writer.write("checkins", ("id", "person_id", "venue_id", "in_at", "out_at"), rows())
    writer.reset_sequence("checkins")

    task = stages.start("用户 users", 1)
    create_users(session, spec.seed)
    stages.advance(task, 1)

    if spec.scenario == "spread":
        task = stages.start("传播 spread", 3)
        spreading = spread.plant(session, spec.seed, spec.until, tz, lambda: stages.advance(task, 1))
        counts |= {"cases": spreading.cases, "cases_through_tracing": spreading.through_service,
                   "closed_days": spreading.closed_days}
        return _finish(session, spec, counts, stages)
    # After the users: the case's contacts go straight into the tracers' queues.
    task = stages.start("疫情四日 four days", 3)
    day_one = plant(session, spec.seed, spec.until, tz, lambda: stages.advance(task, 1))
    counts |= {"quarantine_sites": day_one.sites, "quarantine_rooms": day_one.rooms, "cases": day_one.cases,
               "close_contacts": day_one.close, "secondary_contacts": day_one.secondary,
               "sampling_points": day_one.points, "placements": day_one.placed, "closed_days": day_one.closed_days}
    return _finish(session, spec, counts, stages)


def _finish(session: Session, spec: DemoSpec, counts: dict[str, Any], stages: _Stages) -> dict[str, Any]:
    task = stages.start("人员排班 workforce", 1)
    staff = workforce.plant(session, spec.seed, spec.until)
    stages.advance(task, 1)
    counts |= {"institutions": staff.institutions, "staff": staff.staff, "posts": staff.posts,
               "roster_shifts": staff.assignments}
    task = stages.start("返乡人员 arrivals", 1)
    back = arrivals.plant(session, spec.seed, 8 if spec.size.persons < 1_000 else 60)
    stages.advance(task, 1)
    counts |= {"origin_risks": back.risks, "arrivals": back.arrivals, "household_visits": back.household_visits}
    counts["sentinel_reports"] = arrivals.plant_sentinels(session)
    audit.record(session, SYSTEM, "build", "demo", spec.size.name, after=spec.describe() | counts,
                 note="fangyi demo: synthetic county modelled on 衡东县")
    session.flush()
    return counts


def _instant(value: datetime, dialect: str) -> str:
    utc = value.astimezone(UTC)
    # SQLite keeps instants as naive UTC text in SQLAlchemy's layout; PostgreSQL parses the offset.
    return utc.strftime("%Y-%m-%d %H:%M:%S.000000") if dialect == "sqlite" else utc.isoformat()


def _persons(
    writer: BulkWriter, county: Any, maker: PersonMaker, created: str, residents: Residents,
    stages: _Stages, task: Any,
) -> tuple[int, int]:
    persons = households = 0
    next_person = next_household = 1
    house_rows: list[tuple[object, ...]] = []
    person_rows: list[tuple[object, ...]] = []

    def flush() -> None:
        writer.write("households", ("id", "code", "area_code"), house_rows)
        writer.write("persons", PERSON_COLUMNS, person_rows, dates=True)
        stages.advance(task, len(person_rows))
        house_rows.clear()
        person_rows.clear()

    for place in county.places:
        for household, person in residents_of(place, county, maker, next_person, next_household, created,
                                              residents):
            if household is not None:
                house_rows.append(household)
            person_rows.append(person)
        next_person += place.persons
        next_household = len(residents.household_start) + 1
        persons += place.persons
        if len(person_rows) >= 20_000:
            flush()
    flush()
    households = len(residents.household_start)
    return persons, households


def keep_counts(session: Session) -> None:
    """Once the demo is committed: the registry's kept counts of check-ins and persons anchored at its
    newest rows (SQLite; PostgreSQL's triggers kept them while it was written), so that the first
    view of the dashboard after the build counts no million rows."""
    from fangyi.registry import tally
    from fangyi.registry.models import Checkin, Person

    tally.rows(session, Checkin, (Checkin.person_id, Checkin.venue_id, Checkin.in_at))
    tally.rows(session, Person, (Person.id_number,))

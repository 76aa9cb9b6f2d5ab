"""What screening adds to the daily report (`testing`), and coverage, turnaround and overdue tubes.

Every figure counts only what lies in the jurisdiction of whoever asks: people by where they are
registered, tubes by their own point (reach.py). Figures as of the end of a local day, counted
from the times records carry (sampling, result, control start and end, the person's
registration), so a report rebuilds for any past day:

- people_sampled: persons swabbed that day; tubes: tubes with a swab that day,
  of which tubes_tested had a result by the end of the day and tubes_pending not;
- tubes_resulted: tubes whose result came that day (whenever swabbed), of which positive_pools
  are the pooled tubes found positive: the day's positives against the day's results, never
  against the day's swabs, whose results may come the next day;
- people_under_pool_control: persons under a pool-positive control at the end of the day;
- coverage: of the latest round started by then that reaches the jurisdiction, its residents (of
  the jurisdiction) sampled in the round by then over those registered by then (0.0 when none).

`as_of`: as recorded by that moment (a swab, a result and a control carry the time they were
recorded), the day cut there if it had not ended.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session

from fangyi.access import Principal, in_jurisdiction
from fangyi.areacodes import AreaCodeError, prefix
from fangyi.protocols.reader import current
from fangyi.registry.models import Area, Household, Person
from fangyi.screening.models import Control, Sample, ScreeningRound, Tube
from fangyi.screening.reach import round_in_reach, tubes_in_reach
from fangyi.timeutil import day_bounds, now


def _count(session: Session, statement: Any) -> int:
    return int(session.scalar(statement) or 0)


def _in_areas(codes: list[str]) -> ColumnElement[bool]:
    """Persons registered at or below these areas, as ranges of the area code (an index reads a
    range; `LIKE 'prefix%'` it reads only on PostgreSQL, and not on SQLite)."""
    def one(code: str) -> ColumnElement[bool]:
        try:
            start = prefix(code)
        except AreaCodeError:
            return Person.area_code == code
        after = _next_prefix(start)
        if after is None:
            return Person.area_code >= start
        return and_(Person.area_code >= start, Person.area_code < after)

    return or_(*[one(code) for code in codes])


def _next_prefix(digits: str) -> str | None:
    """The first code past every code beginning with these digits, carried as in counting
    ('4304241099' -> '43042411'): a bound made of digits, which every collation orders as the
    codes (a ':' after '9' sorts before the digits in ICU and glibc's locales). None: no bound."""
    kept = digits.rstrip("9")
    if not kept:
        return None
    return kept[:-1] + str(int(kept[-1]) + 1)


def _residents(found: ScreeningRound, end: datetime, who: Principal) -> ColumnElement[bool]:
    # `merged_into_id + 0`: the same test, which SQLite's planner (no statistics) does not answer
    # from the merged index, 565,000 entries of nothing, rather than from the round's area range.
    return and_((Person.merged_into_id + 0).is_(None), Person.created_at < end, _in_areas(found.area_codes),
                in_jurisdiction(who, Person.area_code))


def testing_figures(session: Session, day: date, who: Principal, as_of: datetime | None = None) -> dict[str, Any]:
    start, end = day_bounds(day)
    if as_of is not None:
        end = min(end, as_of)
    day_tubes = select(Sample.tube_id).where(Sample.sampled_at >= start, Sample.sampled_at < end)
    tested_by_end = and_(Tube.tested_at.is_not(None), Tube.tested_at < end)
    reach = tubes_in_reach(who)
    tubes = _count(session, select(func.count()).select_from(Tube).where(Tube.id.in_(day_tubes), reach))
    tested = _count(session, select(func.count()).select_from(Tube).where(Tube.id.in_(day_tubes), tested_by_end,
                                                                          reach))
    resulted_today = and_(Tube.tested_at >= start, Tube.tested_at < end, reach)
    resulted = _count(session, select(func.count()).select_from(Tube).where(resulted_today))
    positive_pools = _count(session, select(func.count()).select_from(Tube).where(
        resulted_today, Tube.result == "positive", or_(Tube.pool_size > 1, Tube.members > 1)))
    controlled = _count(session, select(func.count(func.distinct(Control.person_id))).join(
        Person, Person.id == Control.person_id).where(
        Control.reason == "pool_positive", Control.started_at < end,
        or_(Control.ended_at.is_(None), Control.ended_at >= end), in_jurisdiction(who, Person.area_code)))
    sampled = _count(session, select(func.count(func.distinct(Sample.person_id))).join(
        Person, Person.id == Sample.person_id).where(
        Sample.sampled_at >= start, Sample.sampled_at < end, in_jurisdiction(who, Person.area_code)))
    return {
        "people_sampled": sampled,
        "tubes": tubes,
        "tubes_tested": tested,
        "tubes_pending": tubes - tested,
        "tubes_resulted": resulted,
        "positive_pools": positive_pools,
        "people_under_pool_control": controlled,
        "coverage": _latest_coverage(session, end, who),
    }


def _latest_coverage(session: Session, end: datetime, who: Principal) -> float:
    rounds = session.scalars(
        select(ScreeningRound).where(ScreeningRound.starts_at < end).order_by(ScreeningRound.starts_at.desc()))
    found = next((r for r in rounds if round_in_reach(who, r.area_codes)), None)
    if found is None:
        return 0.0
    target = _count(session, select(func.count()).select_from(Person).where(_residents(found, end, who)))
    if target == 0:
        return 0.0
    sampled = _count(session, select(func.count(func.distinct(Sample.person_id))).join(
        Person, Person.id == Sample.person_id).where(
        Sample.round_id == found.id, Sample.sampled_at < end, _residents(found, end, who)))
    return round(sampled / target, 4)


# --- coverage of a round, by area, and who is missing ---------------------------------


@dataclass
class AreaCoverage:
    code: str
    name: str
    target: int
    sampled: int

    @property
    def fraction(self) -> float:
        return round(self.sampled / self.target, 4) if self.target else 0.0


def round_coverage(session: Session, found: ScreeningRound, who: Principal,
                   at: datetime | None = None) -> list[AreaCoverage]:
    """Target and sampled per village (or the smallest area above a person's group), of the jurisdiction."""
    moment = at or now()
    sampled_ids = select(Sample.person_id).where(Sample.round_id == found.id, Sample.sampled_at <= moment)
    rows = session.execute(
        select(Person.area_code, Person.id.in_(sampled_ids), func.count()).where(_residents(found, moment, who))
        .group_by(Person.area_code, Person.id.in_(sampled_ids))
    ).all()
    target: dict[str, int] = defaultdict(int)
    done: dict[str, int] = defaultdict(int)
    for code, was_sampled, count in rows:
        village = code[:12]
        target[village] += count
        if was_sampled:
            done[village] += count
    names = dict(session.execute(select(Area.code, Area.name).where(Area.code.in_(list(target)))).all())
    return [AreaCoverage(code, names.get(code, code), target[code], done[code]) for code in sorted(target)]


def missing_by_household(
    session: Session, found: ScreeningRound, who: Principal, area_code: str | None = None, limit: int = 100_000,
) -> list[tuple[str, list[Person]]]:
    """Residents of the round (of the jurisdiction) not yet sampled in it, grouped by household (or
    address) for village doctors."""
    sampled_ids = select(Sample.person_id).where(Sample.round_id == found.id)
    query = select(Person).outerjoin(Household, Household.id == Person.household_id).where(
        _residents(found, now(), who), Person.id.not_in(sampled_ids))
    if area_code:
        query = query.where(_in_areas([area_code]))
    persons = session.scalars(query.order_by(Household.code, Person.address, Person.id).limit(limit)).all()
    groups: dict[str, list[Person]] = defaultdict(list)
    for person in persons:
        key = person.household.code if person.household else (person.address or person.area_code)
        groups[key].append(person)
    return list(groups.items())


# --- turnaround and overdue tubes ------------------------------------------------------


@dataclass
class Turnaround:
    tubes: int
    received: int
    tested: int
    median_hours_to_receipt: float | None
    median_hours_to_result: float | None
    overdue: list[Tube]


def _median(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    value = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return round(value, 2)


def turnaround(session: Session, found: ScreeningRound, who: Principal, at: datetime | None = None) -> Turnaround:
    """Sampling → receipt → result of the round's tubes within reach, with tubes pending past the
    protocol's limit flagged as overdue."""
    moment = at or now()
    limit = timedelta(hours=current().screening.result_overdue_hours)
    first = (select(Sample.tube_id, func.min(Sample.sampled_at).label("sampled_at"))
             .group_by(Sample.tube_id).subquery())
    rows = session.execute(
        select(Tube, first.c.sampled_at).join(first, first.c.tube_id == Tube.id).where(
            Tube.round_id == found.id, tubes_in_reach(who))
    ).all()
    to_receipt, to_result, overdue = [], [], []
    for tube, sampled_at in rows:
        sampled_at = sampled_at if sampled_at.tzinfo else sampled_at.replace(tzinfo=moment.tzinfo)
        if tube.received_at is not None:
            to_receipt.append((tube.received_at - sampled_at).total_seconds() / 3600)
        if tube.tested_at is not None:
            to_result.append((tube.tested_at - sampled_at).total_seconds() / 3600)
        elif moment - sampled_at > limit:
            overdue.append(tube)
    return Turnaround(len(rows), len(to_receipt), len(to_result), _median(to_receipt), _median(to_result),
                      overdue)

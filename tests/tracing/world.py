"""Building small worlds of persons, venues and stays for the tracing tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from fangyi.identity import make_id_number
from fangyi.registry.models import Checkin, Person, Venue
from fangyi.registry.persons import household_for
from tests.conftest import SHIJIN

T0 = datetime(2022, 3, 27, 0, 0, tzinfo=UTC) - timedelta(hours=8)  # 2022-03-27 00:00 in Hengdong


def at(hours: float) -> datetime:
    """A moment counted in hours from 2022-03-27 00:00 local time."""
    return T0 + timedelta(hours=hours)


def id_number(n: int) -> str:
    return make_id_number("430424", date(1980, 1, 1) + timedelta(days=n), n, "M" if n % 2 else "F")


def add_person(db: Session, n: int, *, household: str | None = None, area: str = SHIJIN) -> Person:
    person = Person(id_number=id_number(n), doc_kind="resident", name=f"人{n}", area_code=area)
    if household is not None:
        person.household_id = household_for(db, household, area).id
    db.add(person)
    db.flush()
    return person


def add_venue(db: Session, code: str, kind: str, *, stay_minutes: int | None = None) -> Venue:
    venue = Venue(code=code, name=code, kind=kind, area_code=SHIJIN, default_stay_minutes=stay_minutes)
    db.add(venue)
    db.flush()
    return venue


def add_stay(db: Session, person: Person, venue: Venue, start: datetime, end: datetime | None) -> Checkin:
    row = Checkin(
        person_id=person.id, venue_id=venue.id, in_at=int(start.timestamp()),
        out_at=None if end is None else int(end.timestamp()),
    )
    db.add(row)
    db.flush()
    return row


def meal_then_office(db: Session, close: range, others: range) -> tuple[Person, list[Person]]:
    """A case (person 1) who ate at R1 with persons `close`, who then worked at W1 next day beside
    persons `others`: close contacts at the restaurant, secondary ones at the office."""
    me = add_person(db, 1)
    restaurant, office = add_venue(db, "R1", "restaurant"), add_venue(db, "W1", "workplace")
    add_stay(db, me, restaurant, at(12), at(13))
    eaters = [add_person(db, n) for n in close]
    for person in eaters:
        add_stay(db, person, restaurant, at(12.5), at(14))
        add_stay(db, person, office, at(30), at(38))
    for n in others:
        add_stay(db, add_person(db, n), office, at(31), at(33))
    return me, eaters


def case_row(person: Person, **over: Any) -> dict[str, str | None]:
    row: dict[str, str | None] = {
        "case_no": "HD-2022-001", "id_number": person.id_number, "classification": "confirmed",
        "onset_date": "2022-03-28", "sampled_at": "2022-03-29T08:00:00+08:00",
        "confirmed_at": "2022-03-30T10:00:00+08:00", "source": "imported", "origin": "上海",
    }
    row.update(over)
    return row

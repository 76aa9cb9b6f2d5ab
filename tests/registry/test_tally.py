"""The registry's incremental counts (check-ins, persons): whatever is written, merged, rolled back
or emptied, the report's totals equal a count of every row."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.identity import make_id_number
from fangyi.registry import tally
from fangyi.registry.figures import figures
from fangyi.registry.models import Checkin, Person, Venue
from tests.conftest import SHIJIN, add_areas

DAY = date(2022, 4, 1)
STAY = 1648353900


@pytest.fixture
def small_slack(monkeypatch: pytest.MonkeyPatch) -> None:
    """Anchors a few rows behind the newest, so that a handful of rows moves them."""
    monkeypatch.setattr(tally, "SLACK", 2)
    tally.forget()
    yield
    tally.forget()


def _person(session: Session, n: int) -> Person:
    person = Person(id_number=make_id_number("430424", date(1980, 1, 1 + n % 28), n, "M"), doc_kind="resident",
                    name=f"谭{n}", area_code=SHIJIN)
    session.add(person)
    session.flush()
    return person


def _stays(session: Session, venue: Venue, person: Person, count: int, start: int) -> None:
    session.add_all([Checkin(person_id=person.id, venue_id=venue.id, in_at=STAY + 60 * (start + k))
                     for k in range(count)])
    session.flush()


def _truth(session: Session) -> tuple[int, int]:
    return (int(session.scalar(select(func.count()).select_from(Checkin)) or 0),
            int(session.scalar(select(func.count()).select_from(Person).where(Person.merged_into_id.is_(None)))
                or 0))


def _report(session: Session) -> tuple[int, int]:
    found = figures(session, DAY, SYSTEM)
    return found["checkins"], found["persons"]


# Each step: write n stays (kept), write n and roll them back, mark a person merged.
STEPS = st.lists(st.tuples(st.sampled_from(("keep", "roll_back", "merge")), st.integers(1, 9)),
                 min_size=1, max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=STEPS)
def test_the_totals_follow_every_write_and_rollback(db: Session, small_slack: None, steps) -> None:
    outer = db.begin_nested()  # each example starts from the same registry
    try:
        add_areas(db)
        venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
        db.add(venue)
        db.flush()
        people = [_person(db, 0)]
        written = 0
        for action, n in steps:
            if action == "keep":
                _stays(db, venue, people[-1], n, written)
                written += n
            elif action == "roll_back":
                inner = db.begin_nested()
                _stays(db, venue, people[-1], n, written + 1000)
                people.append(_person(db, len(people) + 500))
                assert _report(db) == _truth(db)  # counted with the rows, then they are gone
                inner.rollback()
                people.pop()
            else:
                people.append(_person(db, len(people)))
                people[0].merged_into_id = people[-1].id
                db.flush()
            assert _report(db) == _truth(db)
    finally:
        outer.rollback()


def test_an_emptied_table_is_counted_afresh(db: Session, small_slack: None) -> None:
    add_areas(db)
    venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
    db.add(venue)
    db.flush()
    person = _person(db, 1)
    _stays(db, venue, person, 12, 0)
    assert _report(db)[0] == 12
    db.execute(delete(Checkin))  # a restored backup, a test's truncation: the anchor row is gone
    _stays(db, venue, person, 3, 100)
    assert _report(db)[0] == 3

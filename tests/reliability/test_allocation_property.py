"""A property of allocation under load: whatever the rooms and whoever allocates which requests at
the same moment, on a database whose commits stick, no room ever holds more people than beds and
nobody is placed twice (SQLite and PostgreSQL; hypothesis draws the rooms and the bursts)."""

from __future__ import annotations

import itertools
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.db.session import engine_for
from fangyi.errors import DomainError
from fangyi.identity import make_id_number
from fangyi.quarantine import placing
from fangyi.quarantine.models import Placement, PlacementRequest, QuarantineSite, Room
from fangyi.registry.models import Area, Person
from fangyi.timeutil import now
from tests.conftest import SHIJIN, add_areas

pytestmark = pytest.mark.slow

EXAMPLES = itertools.count(1)
BURSTS = st.lists(st.lists(st.integers(0, 7), min_size=1, max_size=3), min_size=2, max_size=6)


@settings(max_examples=6, deadline=None, derandomize=True, database=None,
          suppress_health_check=list(HealthCheck))
@given(beds=st.lists(st.sampled_from([1, 1, 2]), min_size=1, max_size=5), bursts=BURSTS)
def _property(url: str, beds: list[int], bursts: list[list[int]]) -> None:
    engine = engine_for(url)
    example = next(EXAMPLES)  # each example its own site and people, in a database that keeps them
    with Session(engine, expire_on_commit=False) as session:
        if session.get(Area, SHIJIN) is None:
            add_areas(session)
        site = QuarantineSite(code=f"GL-P{example}", name="隔离点", area_code=SHIJIN, address="石金村")
        session.add(site)
        session.flush()
        session.add_all(Room(site_id=site.id, room=f"{100 + n}", beds=b, state="free") for n, b in enumerate(beds))
        requests = []
        for n in range(8):
            born = date(1950, 1, 1) + timedelta(days=10 * example + n)  # one birthday per example and person
            person = Person(id_number=make_id_number("430424", born, 900 + n, "M"), doc_kind="resident",
                            name=f"密接{n}", sex="M", birth_date=born, area_code=SHIJIN)
            session.add(person)
            session.flush()
            request = PlacementRequest(person_id=person.id, category="close_contact", reason="密接",
                                       source="manual", last_exposure=now() - timedelta(days=1), status="open")
            session.add(request)
            session.flush()
            requests.append(request.id)
        session.commit()
    start = threading.Barrier(len(bursts))
    unexpected: list[BaseException] = []

    def allocate(picks: list[int]) -> None:
        start.wait()
        with Session(engine) as session:
            try:
                placing.allocate(session, SYSTEM, [requests[i] for i in picks], partial=True)
                session.commit()
            except DomainError:
                session.rollback()  # a lost race or no room: refused with a reason
            except BaseException as exc:  # anything else would be a 500
                if "locked" not in str(exc) and "busy" not in str(exc):
                    unexpected.append(exc)

    threads = [threading.Thread(target=allocate, args=(picks,)) for picks in bursts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert unexpected == []
    with Session(engine) as session:
        # Over every example so far: earlier sites' free rooms take part in later bursts too.
        active = session.execute(select(Placement.person_id, Placement.room_id)
                                 .where(Placement.status == "active")).all()
        capacity = dict(session.execute(select(Room.id, Room.beds)).all())
    assert all(n == 1 for n in Counter(person for person, _ in active).values()), "someone placed twice"
    in_rooms = Counter(room for _, room in active if room is not None)
    assert all(in_rooms[room] <= capacity[room] for room in in_rooms), "a room holds more than its beds"


def test_parallel_allocations_never_overfill_a_room_nor_place_anyone_twice(committed_db: str) -> None:
    _property(committed_db)

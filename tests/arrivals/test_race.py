"""Two village doctors (or two handhelds) sending the same thing at the same moment, on both
databases: a household visited the same day by both is one visit holding the larger count, and a
first visit or a test sent twice at once is stored once, and so is a fever sentinel's report; nobody
is told 409, nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.arrivals import sentinels, service
from fangyi.arrivals.models import ArrivalEntry, ArrivalWork, HouseholdVisit
from fangyi.arrivals.sentinel_models import SentinelReport
from fangyi.audit.models import AuditEntry
from fangyi.db.session import begin_writing, make_session, session_scope
from fangyi.registry.models import Household
from fangyi.registry.persons import register_on_the_spot
from fangyi.screening.models import Control
from tests.arrivals.world import WUHAN_WUCHANG, local, number
from tests.conftest import SHIJIN, SHITAN, add_areas

THREADS = 4


@dataclass(frozen=True)
class Doctor:
    id: int
    username: str
    role: str = "village_doctor"
    area_code: str = SHITAN


def at_once(work: Callable[[object, int], None]) -> dict[int, str]:
    """`work(session, n)` in THREADS threads released together, each in its own writing transaction."""
    start = threading.Barrier(THREADS)
    answers: dict[int, str] = {}

    def run(n: int) -> None:
        session = make_session()
        try:
            start.wait(timeout=30)
            begin_writing(session)  # as the request's dependency does for a POST
            try:
                work(session, n)
                session.commit()
                answers[n] = "ok"
            except Exception as exc:  # the answer a phone would get, for the assertion
                session.rollback()
                answers[n] = type(exc).__name__
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return answers


def test_doctors_marking_one_household_at_once_lose_no_visit(committed_db: str) -> None:
    with session_scope() as session:
        add_areas(session)
        home = Household(code="SJ-RACE", area_code=SHIJIN)
        session.add(home)
        session.flush()
        home_id = home.id
    day = date(2022, 4, 3)

    def visit(session, n: int) -> None:
        service.visit_household(session, Doctor(0, f"doctor{n}"), household_id=home_id, returned=n + 1,
                                day=day, at=local(2022, 4, 3, 9), client_id=f"phone-{n}:visit-0001")

    assert at_once(visit) == dict.fromkeys(range(THREADS), "ok")
    with session_scope() as session:
        visits = session.scalars(select(HouseholdVisit).where(HouseholdVisit.household_id == home_id)).all()
        assert [(v.day, v.returned) for v in visits] == [(day, THREADS)]  # one visit, the largest count
        entries = session.scalars(select(ArrivalEntry)).all()
        assert len(entries) == THREADS and {e.record_id for e in entries} == {visits[0].id}
        audited = session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.entity == "household_visit"))
        assert audited >= 1


def test_a_first_visit_and_a_test_sent_at_once_are_stored_once(committed_db: str, monkeypatch) -> None:
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    with session_scope() as session:
        add_areas(session)
        arrival = service.register_arrival(session, SYSTEM, id_number=number(7), name="返乡7", origin=WUHAN_WUCHANG,
                                           arrived_at=local(2022, 4, 2, 10), staying_area_code=SHIJIN).arrival
        arrival_id = arrival.id

    def work(session, n: int) -> None:
        kind = "first_visit" if n % 2 else "test"
        service.record_work(session, Doctor(0, f"doctor{n}"), arrival_id=arrival_id, kind=kind, label="D1",
                            day=date(2022, 4, 3), at=local(2022, 4, 3, 9), client_id=f"phone-{n}:work-0001")

    assert at_once(work) == dict.fromkeys(range(THREADS), "ok")
    with session_scope() as session:
        kinds = sorted(session.scalars(select(ArrivalWork.kind).where(ArrivalWork.arrival_id == arrival_id)))
        assert kinds == ["first_visit", "test"]


def test_one_person_reported_by_four_phones_at_once_is_watched_once(committed_db: str) -> None:
    """Two phones each sending their report twice at the same moment (an outbox emptied by two tabs),
    all for one person of the registry: one report, one fever control, each phone's entry once."""
    with session_scope() as session:
        add_areas(session)
        person = register_on_the_spot(session, SYSTEM, id_number=number(8), name="发热8", area_code=SHIJIN, note="t")
        id_number = person.id_number

    def report(session, n: int) -> None:
        sentinels.report_sentinel(session, Doctor(0, f"doctor{n % 2}"), id_number=id_number, area_code=SHIJIN,
                                  symptoms=["cough"], temperature=38.1, at=local(2022, 4, 3, 9),
                                  client_id=f"phone-{n % 2}:sentinel-0001")

    assert at_once(report) == dict.fromkeys(range(THREADS), "ok")
    with session_scope() as session:
        reports = session.scalars(select(SentinelReport)).all()
        assert len(reports) == 1
        controls = session.scalars(select(Control).where(Control.reason == "fever")).all()
        assert [c.id for c in controls] == [reports[0].control_id]
        entries = session.scalars(select(ArrivalEntry).where(ArrivalEntry.kind == "sentinel")).all()
        assert sorted(e.client_id for e in entries) == ["phone-0:sentinel-0001", "phone-1:sentinel-0001"]
        assert {e.record_id for e in entries} == {reports[0].id}

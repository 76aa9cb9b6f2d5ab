"""Two clicks at once and twenty handhelds at once: parallel requests to a live server on a
database whose commits stick, on SQLite and PostgreSQL. A claim on a limited thing (a request, a
bed, a hand-over) is granted once; the others answer 409 with the reason, never 500, and nothing
is written twice."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.db.session import engine_for
from fangyi.identity import make_id_number
from fangyi.quarantine.models import Placement, PlacementRequest, QuarantineSite, Room, TransportRequest
from fangyi.registry.models import Person
from fangyi.timeutil import now
from fangyi.tracing.models import Case, Contact
from tests.conftest import SHIJIN, add_areas
from tests.live import live_server

pytestmark = pytest.mark.slow


@pytest.fixture
def server(committed_db: str) -> Iterator[str]:
    with live_server() as base:
        yield base


def _seed(url: str, people: int, rooms: int) -> tuple[str, list[int]]:
    """An office user's token, `people` open close-contact requests and `rooms` free one-bed rooms."""
    with Session(engine_for(url), expire_on_commit=False) as session:
        add_areas(session)
        office = accounts.create_user(session, SYSTEM, username="office", password="office-pass-2022",
                                      role="command_office", area_code="430424")
        token = accounts.issue_token(session, SYSTEM, office, "race")
        site = QuarantineSite(code="GL-1", name="隔离酒店", area_code=SHIJIN, address="石金村1号")
        session.add(site)
        session.flush()
        session.add_all(Room(site_id=site.id, room=f"{100 + n}", beds=1, state="free") for n in range(rooms))
        requests = []
        for n in range(people):
            born = date(1990, 1, 1 + n)
            person = Person(id_number=make_id_number("430424", born, 100 + n, "M"), doc_kind="resident",
                            name=f"密接{n}", sex="M", birth_date=born, area_code=SHIJIN, address=f"石金村{n}号")
            session.add(person)
            session.flush()
            request = PlacementRequest(person_id=person.id, category="close_contact", reason="密接",
                                       source="manual", last_exposure=now() - timedelta(days=1), status="open")
            session.add(request)
            requests.append(request)
        session.commit()
        return token, [r.id for r in requests]


def _burst(base: str, token: str, calls: list[tuple[str, dict[str, object] | None]]) -> list[httpx.Response]:
    def one(call: tuple[str, dict[str, object] | None]) -> httpx.Response:
        path, body = call
        with httpx.Client(base_url=base, timeout=60) as client:
            return client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def _count(url: str, statement: object) -> int:
    with Session(engine_for(url)) as session:
        return int(session.scalar(statement) or 0)  # type: ignore[call-overload]


def test_one_request_allocated_twenty_times_at_once_is_placed_once(committed_db: str, server: str) -> None:
    token, (request_id,) = _seed(committed_db, people=1, rooms=5)
    answers = _burst(server, token, [("/api/v1/quarantine/allocations", {"request_ids": [request_id]})] * 20)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 409: 19}, [a.text for a in answers if a.status_code not in (201, 409)]
    assert all("placed" in a.json()["detail"] for a in answers if a.status_code == 409)
    assert _count(committed_db, select(func.count()).select_from(Placement)) == 1
    assert _count(committed_db, select(func.count()).select_from(TransportRequest)) == 1
    assert _count(committed_db, select(func.count()).select_from(Room).where(Room.state == "occupied")) == 1


def test_ten_people_at_once_never_share_a_one_bed_room(committed_db: str, server: str) -> None:
    token, request_ids = _seed(committed_db, people=10, rooms=3)
    answers = _burst(server, token, [("/api/v1/quarantine/allocations", {"request_ids": [i]}) for i in request_ids])
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409} and statuses[201] == 3, [a.text for a in answers]
    with Session(engine_for(committed_db)) as session:
        per_room = Counter(session.scalars(select(Placement.room_id).where(Placement.status == "active")))
        assert len(per_room) == 3 and set(per_room.values()) == {1}
        placed = Counter(session.scalars(select(Placement.person_id)))
        assert set(placed.values()) == {1}
        assert session.scalar(select(func.count()).select_from(PlacementRequest)
                              .where(PlacementRequest.status == "open")) == 7


def test_one_contact_handed_over_twenty_times_at_once(committed_db: str, server: str) -> None:
    token, _ = _seed(committed_db, people=0, rooms=0)
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        case_person, contact_person = (
            Person(id_number=make_id_number("430424", date(1985, 2, 1 + n), 300 + n, "F"), doc_kind="resident",
                   name=f"人{n}", sex="F", birth_date=date(1985, 2, 1 + n), area_code=SHIJIN) for n in range(2))
        session.add_all([case_person, contact_person])
        session.flush()
        case = Case(case_no="HD-1", person_id=case_person.id, classification="confirmed", source="local",
                    sampled_at=now() - timedelta(days=2), confirmed_at=now() - timedelta(days=1))
        session.add(case)
        session.flush()
        contact = Contact(case_id=case.id, person_id=contact_person.id, degree="close", status="confirmed",
                          first_exposure=now() - timedelta(days=3), last_exposure=now() - timedelta(days=2),
                          reasons=[{"kind": "household"}], via=[])
        session.add(contact)
        session.commit()
    answers = _burst(server, token, [(f"/api/v1/contacts/{contact.id}/hand-over", None)] * 20)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: 1, 409: 19}, [a.text for a in answers if a.status_code not in (200, 409)]
    assert _count(committed_db, select(func.count()).select_from(PlacementRequest)) == 1
    assert _count(committed_db, select(func.count()).select_from(AuditEntry)
                  .where(AuditEntry.action == "hand_over")) == 1


def test_one_person_sent_twenty_times_at_once_is_stored_once(committed_db: str, server: str) -> None:
    """Idempotent creation: the same person again is the stored one (200), different values for
    the same identity number a 409, never a 500."""
    token, _ = _seed(committed_db, people=0, rooms=0)
    number = make_id_number("430424", date(1970, 6, 1), 555, "F")
    body = {"id_number": number, "name": "张三", "phone": "13900000001", "area_code": SHIJIN,
            "address": "石金村8号", "household": "HH-8"}
    answers = _burst(server, token, [("/api/v1/persons", body)] * 20)
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 1, 200: 19}, [a.text for a in answers if a.status_code not in (200, 201)]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert _count(committed_db, select(func.count()).select_from(Person).where(Person.id_number == number)) == 1
    other = _burst(server, token, [("/api/v1/persons", body | {"name": "李四"})])[0]
    assert other.status_code == 409 and "exists already" in other.json()["detail"]


def test_one_venue_and_one_case_sent_twenty_times_at_once(committed_db: str, server: str) -> None:
    token, _ = _seed(committed_db, people=0, rooms=0)
    venue = {"code": "HD-V-1", "name": "石金超市", "kind": "shop", "area_code": SHIJIN}
    answers = _burst(server, token, [("/api/v1/venues", venue)] * 20)
    assert Counter(a.status_code for a in answers) == {201: 1, 200: 19}, [a.text for a in answers]
    with Session(engine_for(committed_db), expire_on_commit=False) as session:
        person = Person(id_number=make_id_number("430424", date(1980, 1, 5), 777, "M"), doc_kind="resident",
                        name="病例甲", sex="M", birth_date=date(1980, 1, 5), area_code=SHIJIN)
        session.add(person)
        session.commit()
    case = {"case_no": "HD-2022-001", "id_number": person.id_number, "classification": "confirmed",
            "sampled_at": "2022-03-29T08:00:00+08:00", "confirmed_at": "2022-03-30T08:00:00+08:00",
            "source": "local"}
    answers = _burst(server, token, [("/api/v1/cases", case)] * 20)
    assert Counter(a.status_code for a in answers) == {201: 1, 200: 19}, [a.text for a in answers]
    assert _count(committed_db, select(func.count()).select_from(Case)) == 1
    changed = _burst(server, token, [("/api/v1/cases", case | {"classification": "asymptomatic"})])[0]
    assert changed.status_code == 409 and "exists already" in changed.json()["detail"]

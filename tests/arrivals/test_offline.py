"""Entries made on a phone without a network, sent when it returns: each stored exactly once under
the phone's own id (client_id), however often the outbox sends it; an entry someone else made
already is merged, not doubled; another township's phone learns nothing from an id it reuses."""

from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.arrivals import service
from fangyi.arrivals.models import Arrival, ArrivalEntry, ArrivalWork
from fangyi.audit.models import AuditEntry
from fangyi.errors import Conflict, Invalid
from fangyi.quarantine.models import Alert
from tests.arrivals.world import WUHAN_WUCHANG, local, number
from tests.conftest import CHENGGUAN, SHIJIN

DAY1 = date(2022, 4, 3)  # arrived 2 April: day 1 of home health monitoring (cn-8), tests on days 1 and 7


@pytest.fixture
def arrivals(db, cast, monkeypatch):
    monkeypatch.setenv("FANGYI_PROTOCOL", "cn-8")
    service.save_origin_risk(db, cast["command_office"], area_code="420100", level="medium",
                             valid_from=date(2022, 3, 1), valid_to=None)
    return [service.register_arrival(db, cast["checkpoint"], id_number=number(n), name=f"返乡{n}",
                                     origin=WUHAN_WUCHANG, arrived_at=local(2022, 4, 2, 10 + n),
                                     staying_area_code=SHIJIN).arrival for n in (1, 2, 3)]


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


def test_an_arrival_sent_twice_under_one_id_is_stored_once(db, cast):
    doctor = cast["village_doctor"]
    sent = dict(id_number=number(9), name="离线登记", origin=WUHAN_WUCHANG, arrived_at=local(2022, 4, 3, 8),
                staying_area_code=SHIJIN, client_id="phone-1:0001")
    first = service.register_arrival(db, doctor, **sent)
    again = service.register_arrival(db, doctor, **sent)
    assert first.new and not first.repeated
    assert again.repeated and not again.new and again.arrival.id == first.arrival.id
    assert count(db, Arrival) == 1 and count(db, ArrivalEntry) == 1
    assert count(db, AuditEntry, AuditEntry.entity == "arrival", AuditEntry.action == "create") == 1


def test_the_same_person_from_two_phones_is_merged(db, cast, arrivals):
    """The checkpoint registered 返乡1 at 11:00; the village doctor, offline, registers them again at
    the village that evening under the phone's own id: one arrival, the village added to where seen."""
    done = service.register_arrival(db, cast["village_doctor"], id_number=number(1), name="返乡1",
                                    origin=WUHAN_WUCHANG, arrived_at=local(2022, 4, 2, 19),
                                    staying_area_code=SHIJIN, registered_at=SHIJIN, client_id="phone-2:0001")
    assert not done.new and done.arrival.id == arrivals[0].id and SHIJIN in done.arrival.seen_at
    assert count(db, Arrival) == 3
    entry = db.scalar(select(ArrivalEntry))
    assert entry.merged and entry.record_id == arrivals[0].id


def test_work_sent_again_and_work_done_by_someone_else(db, cast, arrivals):
    doctor, office = cast["village_doctor"], cast["command_office"]
    one, two = arrivals[0], arrivals[1]
    # Someone at the township office marked 返乡2's first visit before the phone came back.
    service.record_work(db, office, arrival_id=two.id, kind="first_visit", day=DAY1)
    for _ in range(3):  # the outbox sent each entry three times (answers lost on the way)
        service.record_work(db, doctor, arrival_id=one.id, kind="first_visit", day=DAY1, client_id="p3-visit-1")
        later = service.record_work(db, doctor, arrival_id=two.id, kind="first_visit", day=DAY1,
                                    client_id="p3-visit-2")
        service.record_work(db, doctor, arrival_id=one.id, kind="temperature", day=DAY1, temperature=36.4,
                            client_id="p3-temp-1")
        service.record_work(db, doctor, arrival_id=one.id, kind="test", day=DAY1, label="D1",
                            client_id="p3-test-1")
    assert later.merged and later.repeated
    assert count(db, ArrivalWork, ArrivalWork.kind == "first_visit") == 2
    assert count(db, ArrivalWork, ArrivalWork.kind == "temperature") == 1
    assert count(db, ArrivalWork, ArrivalWork.kind == "test") == 1
    assert count(db, ArrivalEntry) == 4


def test_a_fever_sent_twice_raises_one_alert(db, cast, arrivals):
    for _ in range(2):
        done = service.record_work(db, cast["village_doctor"], arrival_id=arrivals[0].id, kind="temperature",
                                   day=DAY1, temperature=38.2, client_id="p4-fever-1")
    assert count(db, Alert) == 1 and count(db, ArrivalWork) == 1
    assert done.repeated


def test_an_id_reused_by_another_townships_phone_answers_nothing(db, cast, arrivals):
    service.record_work(db, cast["village_doctor"], arrival_id=arrivals[0].id, kind="first_visit", day=DAY1,
                        client_id="p5-visit-1")
    other = accounts.create_user(db, SYSTEM, username="doctor-mishui", password="doctor-mishui-2022",
                                 role="village_doctor", area_code=CHENGGUAN)
    theirs = service.register_arrival(db, cast["command_office"], id_number=number(7), name="洣水返乡",
                                      origin=WUHAN_WUCHANG, arrived_at=local(2022, 4, 2, 9),
                                      staying_area_code=CHENGGUAN).arrival
    with pytest.raises(Conflict) as refused:
        service.record_work(db, other, arrival_id=theirs.id, kind="first_visit", day=DAY1, client_id="p5-visit-1")
    assert refused.value.extra["column"] == "client_id"
    assert count(db, ArrivalWork) == 1


@pytest.mark.parametrize("bad", ["short", "has space 123", "x" * 65])
def test_a_malformed_client_id_is_refused(db, cast, arrivals, bad):
    with pytest.raises(Invalid) as refused:
        service.record_work(db, cast["village_doctor"], arrival_id=arrivals[0].id, kind="first_visit", day=DAY1,
                            client_id=bad)
    assert refused.value.extra["column"] == "client_id"


def test_a_phone_back_after_two_days_with_200_entries(db, cast, arrivals):
    """Two days of temperatures and first visits for the three, typed 200 times over on a phone
    offline (many the same item twice), some first visits made meanwhile by the township office;
    the outbox then sends all of it, then sends it all again: nothing lost, nothing doubled."""
    doctor = cast["village_doctor"]
    service.record_work(db, cast["command_office"], arrival_id=arrivals[2].id, kind="first_visit", day=DAY1)
    entries = []
    for n in range(200):
        arrival = arrivals[n % 3]
        day = date(2022, 4, 3 + (n // 100))
        if n % 5 == 0:
            entries.append(dict(arrival_id=arrival.id, kind="first_visit", day=day, client_id=f"phone6-{n:04d}"))
        else:
            entries.append(dict(arrival_id=arrival.id, kind="temperature", day=day, temperature=36.0 + (n % 9) / 10,
                                client_id=f"phone6-{n:04d}"))
    shuffled = entries * 2
    random.Random(15).shuffle(shuffled)
    for entry in shuffled:
        service.record_work(db, doctor, **entry)
    temperatures = sum(1 for e in entries if e["kind"] == "temperature")
    assert count(db, ArrivalWork, ArrivalWork.kind == "temperature") == temperatures
    assert count(db, ArrivalWork, ArrivalWork.kind == "first_visit") == 3  # one each, the office's kept
    assert count(db, ArrivalEntry) == 200


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sends=st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["first_visit", "temperature", "test"]),
                                st.integers(1, 3)), min_size=1, max_size=12))
def test_any_outbox_stores_each_entry_once(db, cast, arrivals, sends):
    """Whatever the outbox holds and however often it sends each entry, the server ends with one
    record per entry, and at most one first visit and one day-1 test per person."""
    savepoint = db.begin_nested()
    try:
        made = []
        for n, (who, kind, times) in enumerate(sends):
            entry = dict(arrival_id=arrivals[who].id, kind=kind, day=DAY1, client_id=f"prop-{n:04d}",
                         temperature=36.5 if kind == "temperature" else None, label="D1" if kind == "test" else None)
            made.append(entry)
            for _ in range(times):
                service.record_work(db, cast["village_doctor"], **entry)
        for entry in made:  # and the whole outbox once more
            service.record_work(db, cast["village_doctor"], **entry)
        assert count(db, ArrivalEntry) == len(sends)
        assert count(db, ArrivalWork, ArrivalWork.kind == "temperature") == sum(k == "temperature" for _, k, _ in sends)
        for kind in ("first_visit", "test"):
            assert count(db, ArrivalWork, ArrivalWork.kind == kind) == len({w for w, k, _ in sends if k == kind})
    finally:
        savepoint.rollback()


def test_the_api_answers_a_resent_entry_with_the_first_answer(client, db, cast, arrivals):
    headers = cast.headers("village_doctor")
    body = {"id_number": number(8), "name": "接口离线", "origin_code": WUHAN_WUCHANG,
            "arrived_at": "2022-04-03T08:30:00+08:00", "staying_area_code": SHIJIN, "client_id": "api-arr-0001"}
    first = client.post("/api/v1/arrivals", json=body, headers=headers)
    again = client.post("/api/v1/arrivals", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["repeated"] and not again.json()["merged"] and again.json()["id"] == first.json()["id"]
    work = {"kind": "first_visit", "at": "2022-04-03T09:00:00+08:00", "client_id": "api-work-0001"}
    path = f"/api/v1/arrivals/{arrivals[0].id}/work"
    answers = [client.post(path, json=work, headers=headers) for _ in range(2)]
    assert [a.status_code for a in answers] == [201, 200] and answers[1].json()["repeated"]
    assert answers[0].json()["day"] == "2022-04-03"  # the day it was done, from the phone's time
    # The same visit under a new id (the other tab): merged into the stored one.
    other = client.post(path, json=work | {"client_id": "api-work-0002"}, headers=headers)
    assert other.status_code == 200 and other.json()["merged"] and other.json()["id"] == answers[0].json()["id"]
    assert count(db, ArrivalWork) == 1
    bad = client.post(path, json=work | {"client_id": "bad id"}, headers=headers)
    assert bad.status_code == 422


def test_the_village_doctor_registers_an_arrival_from_the_day_page(client, db, cast):
    from tests.web.conftest import csrf_of, sign_in

    sign_in(client, "village_doctor")
    page = client.get("/arrivals/day")
    assert 'id="outbox"' in page.text and "/arrivals/offline.js" in page.text
    answer = client.post("/arrivals/register", data={"csrf": csrf_of(page.text), "id_number": number(5),
                                                     "name": "村里返乡", "origin_code": WUHAN_WUCHANG,
                                                     "staying_area_code": SHIJIN, "phone": "13800138000"})
    assert answer.status_code == 200 and "村里返乡" in answer.text
    assert count(db, Arrival) == 1
    # Registered in the village, as the same entry sent offline through the API is: no checkpoint's name.
    arrival = db.scalar(select(Arrival))
    assert arrival.staying_area_code == SHIJIN and arrival.registered_at_code is None and arrival.seen_at == []
    bad = client.post("/arrivals/register", data={"csrf": csrf_of(page.text), "id_number": "430424198001010012",
                                                  "name": "错号", "origin_code": WUHAN_WUCHANG,
                                                  "staying_area_code": SHIJIN})
    assert bad.status_code == 422 and 'value="430424198001010012"' in bad.text
    assert count(db, Arrival) == 1
    worker = client.get("/arrivals/sw.js")
    assert worker.status_code == 200 and "javascript" in worker.headers["content-type"]


def test_an_id_sent_again_for_another_record_gets_nothing_of_the_first(db, cast, arrivals):
    """The same phone's id reused on another arrival, another kind of work or another household: a 409
    with a neutral reason, never the first record as the answer, and nothing stored under it."""
    from fangyi.registry.models import Household

    doctor = cast["village_doctor"]
    first = service.record_work(db, doctor, arrival_id=arrivals[0].id, kind="first_visit", day=DAY1,
                                client_id="p7-work-1")
    for arrival_id, kind in ((arrivals[1].id, "first_visit"), (arrivals[0].id, "release")):
        with pytest.raises(Conflict) as refused:
            service.record_work(db, doctor, arrival_id=arrival_id, kind=kind, day=DAY1, client_id="p7-work-1")
        assert refused.value.extra["column"] == "client_id" and "another entry" in refused.value.detail
    assert count(db, ArrivalWork) == 1 and count(db, ArrivalEntry) == 1
    again = service.record_work(db, doctor, arrival_id=arrivals[0].id, kind="first_visit", client_id="p7-work-1")
    assert again.repeated and again.work.id == first.work.id
    homes = [Household(code=f"P7-{n}", area_code=SHIJIN) for n in (1, 2)]
    db.add_all(homes)
    db.flush()
    service.visit_household(db, doctor, household_id=homes[0].id, returned=1, day=DAY1, client_id="p7-home-1")
    with pytest.raises(Conflict):
        service.visit_household(db, doctor, household_id=homes[1].id, returned=1, day=DAY1, client_id="p7-home-1")

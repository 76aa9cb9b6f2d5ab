"""Fever sentinels (预检分诊): a clinic, a pharmacy or a village doctor reports someone with fever or
respiratory symptoms; a single-tube test is due within the edition's hours; the person is watched
in tracing until a result; a positive single tube is a suspected case through screening's path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select, update

from fangyi.access import SYSTEM
from fangyi.arrivals import sentinels
from fangyi.arrivals.models import ArrivalEntry
from fangyi.arrivals.sentinel_models import SentinelReport
from fangyi.audit.models import AuditEntry
from fangyi.command.asof import report_as_of
from fangyi.command.report import daily
from fangyi.errors import Forbidden, Invalid, NotFound
from fangyi.registry.models import Person
from fangyi.screening.models import Control, SuspectedCase
from tests.arrivals.world import local, number
from tests.conftest import CHENGGUAN, SHIJIN
from tests.screening.conftest import ground  # noqa: F401  (the small round: people, a point, a lab)
from tests.screening.test_round import results, scans, tube
from tests.web.conftest import csrf_of, sign_in

API = "/api/v1/arrivals/sentinels"
MORNING = local(2022, 4, 1, 8)  # 1 April 2022, 08:00 in Hengdong (the round R1 starts then)


@pytest.fixture
def small_round(request):
    """Screening's small round (12 people of 石金村 in four households, one of 城关社区, point P-SJ, LAB-1)."""
    return request.getfixturevalue("ground")


def count(db, model, *where):
    return db.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("edition", ["cn-8", "cn-9"])
def test_a_report_asks_for_a_test_within_the_editions_hours(db, cast, monkeypatch, edition):
    """Both editions: a test within 24 hours of the report (Fangyi's choice, [arrivals] sentinel_test_hours)."""
    monkeypatch.setenv("FANGYI_PROTOCOL", edition)
    done = sentinels.report_sentinel(db, cast["village_doctor"], id_number=number(1), name="发热甲",
                                     area_code=SHIJIN, symptoms=["cough"], temperature=38.2, at=MORNING)
    report = done.report
    assert done.new and report.reporter_kind == "village_doctor"  # a village doctor reports as one
    assert report.due_at == local(2022, 4, 2, 8)  # 08:00 the next morning: 24 hours
    assert report.symptoms == ["fever", "cough"]  # 38.2 °C is a fever (37.3 under both editions)
    control = db.get(Control, report.control_id)
    assert (control.person_id, control.reason, control.ended_at) == (report.person_id, "fever", None)
    # A person new to the registry is put in on the spot, where reported, from the number's checks.
    person = db.get(Person, report.person_id)
    assert (person.name, person.area_code, person.sex) == ("发热甲", SHIJIN, "M")
    watched = sentinels.watch_list(db, cast["tracer"])
    assert [(w.person.name, w.state) for w in watched] == [("发热甲", "overdue")]  # not sampled, long past due


@pytest.mark.parametrize(("field", "value", "column"), [
    ("id_number", "430424198005010012", "id_number"),  # a bad checksum
    ("temperature", 45.0, "temperature"),
    ("temperature", 30.0, "temperature"),
    ("symptoms", ["sneezing"], "symptoms"),
])
def test_a_bad_report_is_refused_and_nothing_is_kept(db, cast, field, value, column):
    sent = {"id_number": number(2), "name": "发热乙", "area_code": SHIJIN, "symptoms": ["cough"],
            "temperature": 38.0, field: value}
    with pytest.raises(Invalid) as refused:
        sentinels.report_sentinel(db, cast["village_doctor"], **sent)
    assert refused.value.extra["column"] == column
    if column == "temperature":
        assert "take it again" in refused.value.detail
    assert count(db, SentinelReport) == 0 and count(db, Control) == 0
    assert count(db, Person, Person.name == "发热乙") == 0


def test_a_fever_needs_its_temperature(db, cast):
    with pytest.raises(Invalid) as refused:
        sentinels.report_sentinel(db, cast["village_doctor"], id_number=number(3), name="发热丙", area_code=SHIJIN,
                                  symptoms=["fever"])
    assert refused.value.extra["column"] == "temperature"


def test_the_api_and_the_page_answer_bad_input_clearly(client, db, cast):
    answer = client.post(API, json={"id_number": number(4), "name": "发热丁", "area_code": SHIJIN,
                                    "symptoms": ["cough"], "temperature": 45}, headers=cast.headers("village_doctor"))
    assert answer.status_code == 422 and "take it again" in answer.json()["detail"]
    sign_in(client, "village_doctor")
    page = client.get("/arrivals/sentinels")
    assert page.status_code == 200 and "上报发热或呼吸道症状人员" in page.text
    form = {"csrf": csrf_of(page.text), "id_number": number(4), "name": "发热丁", "area_code": SHIJIN,
            "symptoms": ["cough", "sore_throat"], "temperature": "30"}
    again = client.post("/arrivals/sentinels", data=form)
    assert again.status_code == 422
    assert "体温读数不可能" in again.text  # asked again in the reader's words
    assert number(4) in again.text and "发热丁" in again.text  # the form comes back with the input
    assert 'value="sore_throat" checked' in again.text
    assert count(db, SentinelReport) == 0
    form["temperature"] = "38.6"
    done = client.post("/arrivals/sentinels", data=form)
    assert done.status_code == 200 and "已上报" in done.text and "发热丁" in done.text


def test_another_township_can_neither_report_there_nor_read_it(client, db, cast):
    """The village doctor's account is 石滩乡's; 城关社区 is 洣水镇's."""
    with pytest.raises(NotFound):
        sentinels.report_sentinel(db, cast["village_doctor"], id_number=number(5), name="城关发热",
                                  area_code=CHENGGUAN, symptoms=["cough"])
    there = sentinels.report_sentinel(db, cast["command_office"], id_number=number(5), name="城关发热",
                                      area_code=CHENGGUAN, symptoms=["cough"], reporter_kind="pharmacy").report
    db.commit()
    doctor = cast.headers("village_doctor")
    assert client.get(f"{API}/{there.id}", headers=doctor).status_code == 404
    assert client.get(API, headers=doctor).json() == []
    assert client.post(API, json={"id_number": number(6), "name": "城关发热二", "area_code": CHENGGUAN,
                                  "symptoms": ["cough"]}, headers=doctor).status_code == 404
    assert client.get(f"{API}/{there.id}", headers=cast.headers("tracer")).json()["person_name"] == "城关发热"
    # The same person reported in 石滩乡 while 洣水镇's report is open: a report of its own, told nothing of the other.
    # The desk is shown the name it typed, not the registry's record of someone living elsewhere.
    mine = client.post(API, json={"id_number": number(5), "name": "路过的人", "area_code": SHIJIN,
                                  "symptoms": ["cough"]}, headers=doctor)
    assert mine.status_code == 201 and not mine.json()["merged"] and mine.json()["id"] != there.id
    assert mine.json()["person_name"] == "路过的人" and "城关" not in mine.text
        # A role that holds no reporting (a lab) is refused outright.
    with pytest.raises(Forbidden):
        sentinels.report_sentinel(db, cast["lab"], id_number=number(7), name="x", area_code=SHIJIN,
                                  symptoms=["cough"])


def test_a_positive_single_tube_makes_a_suspected_case_the_report_shows(client, db, cast, small_round):
    person = small_round.people[0]
    sent = client.post(API, json={"id_number": person.id_number, "area_code": SHIJIN, "reporter_kind": "clinic",
                                  "institution": "石金村卫生室", "symptoms": ["cough"], "temperature": 38.5,
                                  "at": "2022-04-01T08:00:00+08:00"}, headers=cast.headers("command_office"))
    assert sent.status_code == 201, sent.text
    report = sent.json()
    assert (report["state"], report["due_at"]) == ("overdue", "2022-04-02T08:00:00+08:00")  # 24 h, never sampled yet
    # Under fever control: a pool refuses them, a single tube takes them.
    pooled = scans(client, cast, tube("T3000001", [person], "2022-04-01T09:00:00+08:00", size=10))
    assert pooled[1]["code"] == "under_control"
    assert all(a["status"] == "ok" for a in scans(client, cast, tube("S3000001", [person],
                                                                       "2022-04-01T10:00:00+08:00", size=1)))
    sampled = client.get(f"{API}/{report['id']}", headers=cast.headers("tracer")).json()
    assert sampled["state"] == "sampled" and sampled["tested_in_time"]
    assert sampled["test"]["barcode"] == "S3000001" and sampled["test"]["result"] is None
    results(client, cast, [{"barcode": "S3000001", "result": "positive", "tested_at": "2022-04-01T20:00:00+08:00",
                            "lab_code": "LAB-1"}])
    suspected = db.scalars(select(SuspectedCase).where(SuspectedCase.person_id == person.id)).all()
    assert len(suspected) == 1
    shown = client.get(f"{API}/{report['id']}", headers=cast.headers("tracer")).json()
    assert shown["state"] == "positive" and shown["test"]["suspected_case_id"] == suspected[0].id
    # Still watched (a suspected case), on the tracer's list and page.
    assert [w["id"] for w in client.get(API, headers=cast.headers("tracer")).json()] == [report["id"]]
    sign_in(client, "tracer")
    page = client.get("/arrivals/sentinels").text
    assert person.name in page and "阳性，已转疑似病例" in page


def test_a_negative_single_tube_ends_the_watch_and_the_control(client, db, cast, small_round):
    person = small_round.people[1]
    report = sentinels.report_sentinel(db, cast["command_office"], id_number=person.id_number, area_code=SHIJIN,
                                       symptoms=["sore_throat"], reporter_kind="pharmacy", at=MORNING).report
    db.commit()
    scans(client, cast, tube("S3000002", [person], "2022-04-02T09:00:00+08:00", size=1))  # an hour late
    results(client, cast, [{"barcode": "S3000002", "result": "negative", "tested_at": "2022-04-02T20:00:00+08:00",
                            "lab_code": "LAB-1"}])
    db.expire_all()
    watched = sentinels.get_report(db, cast["tracer"], report.id)
    assert watched.state == "negative" and not watched.in_time
    assert sentinels.watch_list(db, cast["tracer"]) == []
    assert db.get(Control, report.control_id).ended_at is not None


def test_the_watch_list_keeps_old_open_reports_past_many_closed_ones(client, db, cast, small_round):
    """The list's limit counts open reports only: newer closed ones never push an overdue one off it.
    A report whose first single tube was invalid stays open even when a later one is negative."""
    overdue = sentinels.report_sentinel(db, cast["village_doctor"], id_number=number(3), name="发热旧",
                                        area_code=SHIJIN, symptoms=["cough"], at=MORNING).report
    later = local(2022, 4, 1, 12)
    closed, retest = small_round.people[2:4], small_round.people[4]
    for person in [*closed, retest]:
        sentinels.report_sentinel(db, cast["command_office"], id_number=person.id_number, area_code=SHIJIN,
                                  symptoms=["sore_throat"], reporter_kind="pharmacy", at=later)
    db.commit()
    swabs = [("S3000011", closed[0]), ("S3000012", closed[1]), ("S3000013", retest)]
    scans(client, cast, [item for code, person in swabs for item in tube(code, [person], "2022-04-01T13:00:00+08:00",
                                                                           size=1)])
    results(client, cast, [{"barcode": code, "result": "negative" if person is not retest else "invalid",
                            "tested_at": "2022-04-01T20:00:00+08:00", "lab_code": "LAB-1"} for code, person in swabs])
    scans(client, cast, tube("S3000014", [retest], "2022-04-02T09:00:00+08:00", size=1))
    results(client, cast, [{"barcode": "S3000014", "result": "negative", "tested_at": "2022-04-02T20:00:00+08:00",
                            "lab_code": "LAB-1"}])
    db.expire_all()
    every = sentinels.watch_list(db, cast["tracer"], open_only=False)
    assert sorted(w.state for w in every) == ["invalid", "negative", "negative", "overdue"]
    # Two open reports, the overdue one first, though three newer reports came after it.
    watched = sentinels.watch_list(db, cast["tracer"], limit=2)
    assert [(w.person.id_number, w.state) for w in watched] == [(number(3), "overdue"), (retest.id_number, "invalid")]
    assert watched[0].report.id == overdue.id
    assert [w.state for w in sentinels.watch_list(db, cast["tracer"], limit=1)] == ["overdue"]


def test_a_second_report_of_someone_not_yet_sampled_is_merged(db, cast):
    first = sentinels.report_sentinel(db, cast["village_doctor"], id_number=number(8), name="发热戊",
                                      area_code=SHIJIN, symptoms=["cough"], at=MORNING)
    second = sentinels.report_sentinel(db, cast["command_office"], id_number=number(8), area_code=SHIJIN,
                                       symptoms=["sore_throat"], reporter_kind="pharmacy")
    assert second.merged and second.report.id == first.report.id
    assert count(db, SentinelReport) == 1 and count(db, Control, Control.reason == "fever") == 1


def test_an_entry_sent_again_through_the_outbox_is_stored_once(client, db, cast):
    body = {"id_number": number(9), "name": "离线发热", "area_code": SHIJIN, "symptoms": ["cough", "fever"],
            "temperature": 38.9, "at": "2022-04-01T08:00:00+08:00", "client_id": "phone-9:sentinel-0001"}
    doctor = cast.headers("village_doctor")
    first = client.post(API, json=body, headers=doctor)
    again = client.post(API, json=body, headers=doctor)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["repeated"] and again.json()["id"] == first.json()["id"]
    assert count(db, SentinelReport) == 1 and count(db, ArrivalEntry, ArrivalEntry.kind == "sentinel") == 1
    assert count(db, AuditEntry, AuditEntry.entity == "sentinel_report", AuditEntry.action == "create") == 1
    # The same id for another kind of entry is refused, not answered with the report.
    work = client.post("/api/v1/arrivals/sweep/1", json={"returned": 1, "client_id": "phone-9:sentinel-0001"},
                       headers=doctor)
    assert work.status_code in (404, 409)


def test_the_daily_report_counts_sentinels_in_the_readers_jurisdiction(client, db, cast, small_round):
    office = cast["command_office"]
    people = small_round.people
    # 1 April: a clinic's report tested in time and positive, a pharmacy's never sampled (overdue),
    # and the village doctor's; 洣水镇's pharmacy report the village doctor's township does not count.
    for person, kind in ((people[2], "clinic"), (people[3], "pharmacy")):
        sentinels.report_sentinel(db, office, id_number=person.id_number, area_code=SHIJIN, symptoms=["cough"],
                                  reporter_kind=kind, at=MORNING)
    sentinels.report_sentinel(db, cast["village_doctor"], id_number=people[4].id_number, area_code=SHIJIN,
                              symptoms=["cough"], at=local(2022, 4, 1, 18))
    sentinels.report_sentinel(db, office, id_number=people[12].id_number, area_code=CHENGGUAN,
                              symptoms=["cough"], reporter_kind="pharmacy", at=MORNING)
    # This world is 2022's: each report was stored as it was made, not today.
    db.execute(update(SentinelReport).values(created_at=SentinelReport.reported_at))
    db.commit()
    scans(client, cast, tube("S3000003", [people[2]], "2022-04-01T11:00:00+08:00", size=1))
    results(client, cast, [{"barcode": "S3000003", "result": "positive", "tested_at": "2022-04-01T21:00:00+08:00",
                            "lab_code": "LAB-1"}])
    db.expire_all()
    day1 = daily(db, SYSTEM, date(2022, 4, 1))["sentinels"]
    # At the end of 1 April the village doctor's evening report is not yet due (08:00… +24 h: 18:00 on the 2nd);
    # the pharmacy's morning ones fall due at 08:00 on the 2nd, so none is overdue yet.
    assert day1 == {"today": 4, "total": 4, "by_clinic": 1, "by_pharmacy": 2, "by_village_doctor": 1,
                    "tested": 1, "tested_in_time": 1, "overdue": 0, "waiting": 3, "positive": 1}
    day2 = daily(db, SYSTEM, date(2022, 4, 2))["sentinels"]
    assert (day2["today"], day2["total"], day2["overdue"], day2["waiting"]) == (0, 4, 3, 0)
    # Counted inside the reader's jurisdiction (石滩乡's account: 洣水镇's pharmacy report is not its).
    shitan = sentinels.figures(db, cast["village_doctor"], date(2022, 4, 2))
    assert (shitan["total"], shitan["by_pharmacy"], shitan["overdue"]) == (3, 1, 2)
    # As of 1 April 20:00 the four reports were in and the swab taken, but the positive result (21:00) had not
    # come; as of 17:00 the village doctor's evening report (18:00) was not made yet.
    before = report_as_of(db, SYSTEM, date(2022, 4, 1), local(2022, 4, 1, 20))
    assert (before["sentinels"]["total"], before["sentinels"]["tested"], before["sentinels"]["positive"]) == (4, 1, 0)
    assert "sentinels" in before["notes"]
    assert report_as_of(db, SYSTEM, date(2022, 4, 1), local(2022, 4, 1, 17))["sentinels"]["total"] == 3


def test_the_village_doctor_sees_the_watch_list_and_the_sentinel_desk_lands_on_it(client, db, cast):
    sentinels.report_sentinel(db, cast["command_office"], id_number=number(10), name="药店发热",
                              area_code=SHIJIN, symptoms=["cough"], reporter_kind="pharmacy",
                              )
    db.commit()
    landing = sign_in(client, "sentinel")
    if landing != "/arrivals/sentinels":
        landing = client.get(landing, follow_redirects=False).headers.get("location", landing)
    assert landing == "/arrivals/sentinels"
    page = client.get("/arrivals/sentinels").text
    assert "药店发热" in page and 'name="reporter_kind"' in page  # the desk names clinic or pharmacy
    sign_in(client, "village_doctor")
    page = client.get("/arrivals/sentinels").text
    assert "药店发热" in page and 'type="hidden" name="reporter_kind" value="village_doctor"' in page
    day = client.get("/arrivals/day").text  # and on the doctor's day, with the test's due time
    assert 'id="sentinels-due"' in day and "药店发热" in day and "待采样" in day

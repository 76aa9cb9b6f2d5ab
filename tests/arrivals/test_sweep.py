"""The household sweep: a village's households as a checklist, each marked visited with the number
of people back from elsewhere found there; the command sees coverage per village, in the daily
report too. A second visit the same day is merged, not doubled."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from fangyi.arrivals import service
from fangyi.arrivals.models import HouseholdVisit
from fangyi.audit.models import AuditEntry
from fangyi.errors import Invalid, NotFound
from fangyi.parts import installed
from fangyi.registry.models import Household, Person
from fangyi.timeutil import today
from tests.conftest import CHENGGUAN, SHIJIN, XIAOQUANWU
from tests.web.conftest import csrf_of, sign_in


@pytest.fixture
def homes(db):
    """Four households in 石金村 (one in its group 小泉屋组) and two in 城关社区 (another township)."""
    made = {}
    for code, area in [("SJ-01", SHIJIN), ("SJ-02", SHIJIN), ("SJ-03", SHIJIN), ("XQW-01", XIAOQUANWU),
                       ("CG-01", CHENGGUAN), ("CG-02", CHENGGUAN)]:
        made[code] = Household(code=code, area_code=area)
        db.add(made[code])
    db.flush()
    db.add(Person(id_number="430424198001010011", doc_kind="resident", name="石金户主", area_code=SHIJIN,
                  household_id=made["SJ-01"].id))
    db.flush()
    return made


def test_the_village_checklist_and_its_coverage(db, cast, homes):
    doctor, office = cast["village_doctor"], cast["command_office"]
    assert [v.code for v in service.sweep_villages(db, doctor)] == [SHIJIN]  # 石滩乡's only village
    rows = service.sweep(db, doctor, SHIJIN, today())
    assert [r.household.code for r in rows] == ["SJ-01", "SJ-02", "SJ-03", "XQW-01"]
    assert rows[0].members == ["石金户主"] and all(r.last is None for r in rows)
    service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=2)
    service.visit_household(db, doctor, household_id=homes["XQW-01"].id, returned=0)
    rows = service.sweep(db, doctor, SHIJIN, today())
    assert [(r.household.code, r.last.returned if r.last else None) for r in rows] == [
        ("SJ-01", 2), ("SJ-02", None), ("SJ-03", None), ("XQW-01", 0)]
    by_village = {c.village.code: (c.households, c.visited, c.returned) for c in service.coverage(db, office, today())}
    assert by_village == {SHIJIN: (4, 2, 2), CHENGGUAN: (2, 0, 0)}
    # The village doctor's coverage is their own township's.
    assert [c.village.code for c in service.coverage(db, doctor, today())] == [SHIJIN]
    # Yesterday nobody had been visited.
    assert {c.village.code: c.visited for c in service.coverage(db, office, today() - timedelta(days=1))} == {
        SHIJIN: 0, CHENGGUAN: 0}


def test_the_daily_report_has_coverage_by_village(db, cast, homes):
    service.visit_household(db, cast["village_doctor"], household_id=homes["SJ-02"].id, returned=3)
    figures = dict(installed().figures)["arrivals"](db, today(), cast["command_office"])
    assert (figures["sweep_households"], figures["sweep_visited"], figures["sweep_returned"]) == (6, 1, 3)
    assert figures["sweep_coverage"] == round(1 / 6, 4)
    assert figures[f"{SHIJIN} 石金村"] == 0.25 and figures[f"{CHENGGUAN} 城关社区"] == 0.0


def test_villages_of_one_name_in_two_townships_each_keep_their_figure(db, cast, homes):
    """洣水镇 has a 石金村 too: each village's share stands under its own code, neither overwrites the other."""
    from fangyi.registry.models import Area
    from tests.conftest import MISHUI

    twin = "430424102009"
    db.add(Area(code=twin, name="石金村", level="village", parent_code=MISHUI))
    db.flush()
    far = [Household(code=f"MS-SJ-{n}", area_code=twin) for n in (1, 2)]
    db.add_all(far)
    db.flush()
    office = cast["command_office"]
    service.visit_household(db, office, household_id=far[0].id, returned=1)
    service.visit_household(db, office, household_id=far[1].id, returned=0)
    service.visit_household(db, office, household_id=homes["SJ-01"].id, returned=2)
    service.visit_household(db, office, household_id=homes["SJ-01"].id, returned=4, day=today() - timedelta(days=2))
    figures = dict(installed().figures)["arrivals"](db, today(), office)
    assert figures[f"{SHIJIN} 石金村"] == 0.25 and figures[f"{twin} 石金村"] == 1.0
    assert "石金村" not in figures
    # Each household's latest count by the day: SJ-01's 2 today, not the 4 of two days before.
    assert (figures["sweep_households"], figures["sweep_visited"], figures["sweep_returned"]) == (8, 3, 3)
    by_village = {c.village.code: (c.households, c.visited, c.returned) for c in service.coverage(db, office, today())}
    assert by_village == {SHIJIN: (4, 1, 2), twin: (2, 2, 1), CHENGGUAN: (2, 0, 0)}
    yesterday = {c.village.code: (c.visited, c.returned)
                 for c in service.coverage(db, office, today() - timedelta(days=1))}
    assert yesterday == {SHIJIN: (1, 4), twin: (0, 0), CHENGGUAN: (0, 0)}


def test_a_second_visit_the_same_day_is_merged(db, cast, homes):
    doctor, office = cast["village_doctor"], cast["command_office"]
    first = service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=1)
    second = service.visit_household(db, office, household_id=homes["SJ-01"].id, returned=3, note="又找到两人")
    assert second.merged and second.visit.id == first.visit.id and second.visit.returned == 3
    lower = service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=0)
    assert lower.visit.returned == 3  # the larger count found holds
    assert db.scalar(select(func.count()).select_from(HouseholdVisit)) == 1
    merges = db.scalars(select(AuditEntry).where(AuditEntry.entity == "household_visit",
                                                AuditEntry.action == "merge")).all()
    assert [m.after for m in merges] == [{"returned": 3, "note": "又找到两人"}]
    # Another day is another visit.
    service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=0, day=today() - timedelta(days=1))
    assert db.scalar(select(func.count()).select_from(HouseholdVisit)) == 2


def test_a_visit_sent_again_under_its_id_is_stored_once(db, cast, homes):
    for _ in range(3):
        done = service.visit_household(db, cast["village_doctor"], household_id=homes["SJ-03"].id, returned=1,
                                       client_id="sweep-phone-0001")
    assert done.repeated and db.scalar(select(func.count()).select_from(HouseholdVisit)) == 1


def test_bad_visits_are_refused(db, cast, homes):
    doctor = cast["village_doctor"]
    with pytest.raises(NotFound):  # 城关社区 is not the doctor's
        service.visit_household(db, doctor, household_id=homes["CG-01"].id, returned=1)
    with pytest.raises(NotFound):
        service.sweep(db, doctor, CHENGGUAN, today())
    with pytest.raises(Invalid) as refused:
        service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=51)
    assert refused.value.extra["column"] == "returned"
    with pytest.raises(Invalid) as future:
        service.visit_household(db, doctor, household_id=homes["SJ-01"].id, returned=1,
                                day=today() + timedelta(days=1))
    assert future.value.extra["column"] == "day"
    assert db.scalar(select(func.count()).select_from(HouseholdVisit)) == 0


def test_the_sweep_page_and_api(client, db, cast, homes):
    sign_in(client, "village_doctor")
    page = client.get("/arrivals/sweep")  # one village: its checklist at once
    assert page.status_code == 200 and "SJ-01" in page.text and "石金户主" in page.text and "CG-01" not in page.text
    csrf = csrf_of(page.text)
    done = client.post(f"/arrivals/sweep/{homes['SJ-02'].id}", data={"csrf": csrf, "returned": "2",
                                                                      "village": SHIJIN}, follow_redirects=False)
    assert done.status_code == 303
    assert "发现返乡 2" in client.get(f"/arrivals/sweep?village={SHIJIN}").text
    bad = client.post(f"/arrivals/sweep/{homes['SJ-03'].id}", data={"csrf": csrf, "returned": "两个"})
    assert bad.status_code == 422 and "SJ-03" in bad.text
    assert client.get(f"/arrivals/sweep?village={CHENGGUAN}").status_code == 404
    headers = cast.headers("village_doctor")
    body = {"returned": 1, "client_id": "api-sweep-0001"}
    first = client.post(f"/api/v1/arrivals/sweep/{homes['SJ-03'].id}", json=body, headers=headers)
    again = client.post(f"/api/v1/arrivals/sweep/{homes['SJ-03'].id}", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["repeated"] and again.json()["id"] == first.json()["id"]
    listed = client.get(f"/api/v1/arrivals/sweep?village={SHIJIN}", headers=headers).json()
    assert {h["code"]: h["returned"] for h in listed} == {"SJ-01": None, "SJ-02": 2, "SJ-03": 1, "XQW-01": None}
    coverage = client.get("/api/v1/arrivals/coverage", headers=cast.headers("command_office")).json()
    assert {c["village_name"]: (c["households"], c["visited"]) for c in coverage} == {
        "石金村": (4, 2), "城关社区": (2, 0)}


def test_an_unknown_day_is_not_a_visit(db, cast, homes):
    assert service.sweep(db, cast["village_doctor"], SHIJIN, date(2000, 1, 1))[0].last is None


def test_a_doctor_of_one_group_sweeps_the_group_of_the_village(client, db, cast, homes):
    """A village doctor whose area is a group (15 digits): the village above it is theirs to sweep,
    with the group's households only, on the page, in the API and in the service."""
    from fangyi.access import SYSTEM
    from fangyi.accounts import service as accounts

    accounts.create_user(db, SYSTEM, username="group-doctor", password="group-doctor-2022", role="village_doctor",
                         area_code=XIAOQUANWU)
    db.flush()
    sign_in(client, "group-doctor", "group-doctor-2022")
    page = client.get("/arrivals/sweep")
    assert page.status_code == 200
    assert "XQW-01" in page.text and "SJ-01" not in page.text
    assert client.get(f"/arrivals/sweep?village={SHIJIN}").status_code == 200
    assert client.get(f"/arrivals/sweep?village={CHENGGUAN}").status_code == 404
    csrf = csrf_of(page.text)
    done = client.post(f"/arrivals/sweep/{homes['XQW-01'].id}", data={"csrf": csrf, "returned": "1"},
                       follow_redirects=False)
    assert done.status_code == 303
    assert client.post(f"/arrivals/sweep/{homes['SJ-01'].id}", data={"csrf": csrf, "returned": "1"}).status_code == 404
    assert db.scalar(select(func.count()).select_from(HouseholdVisit)) == 1

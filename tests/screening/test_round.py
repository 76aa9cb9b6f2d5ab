"""A whole round played through: scanning, the lab, a positive pool, its door-to-door retests, the
suspected case confirmed into a case, coverage and the daily report rebuilt for past days."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.command.report import daily
from fangyi.screening.models import Control, RetestTask, SuspectedCase
from fangyi.tracing.models import Case
from tests.conftest import Cast
from tests.screening.conftest import Ground

SCANS = "/api/v1/screening/scans"
RESULTS = "/api/v1/screening/results"


def scans(client: TestClient, cast: Cast, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    answers: list[dict[str, Any]] = []
    for start in range(0, len(items), 20):
        response = client.post(SCANS, json={"scans": items[start:start + 20]}, headers=cast.headers("sampler"))
        assert response.status_code == 200, response.text
        answers += response.json()["results"]
    return answers


def tube(barcode: str, people: list[Any], at: str, size: int | None = None) -> list[dict[str, Any]]:
    opening: dict[str, Any] = {"scan_id": f"open-{barcode}", "action": "open", "barcode": barcode,
                               "point_code": "P-SJ", "scanned_at": at}
    if size:
        opening["pool_size"] = size
    items = [opening] + [{"scan_id": f"{barcode}-{p.id}", "action": "person", "barcode": barcode,
                          "point_code": "P-SJ", "id_number": p.id_number, "scanned_at": at} for p in people]
    if size is None or len(people) < size:
        items.append({"scan_id": f"close-{barcode}", "action": "close", "barcode": barcode, "point_code": "P-SJ",
                      "scanned_at": at})
    return items


def results(client: TestClient, cast: Cast, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = client.post(RESULTS, json={"results": rows}, headers=cast.headers("lab"))
    assert response.status_code == 200, response.text
    answers: list[dict[str, Any]] = response.json()["results"]
    return answers


def test_a_round_from_scanning_to_a_case(client: TestClient, cast: Cast, ground: Ground, db: Session) -> None:
    shijin = ground.people[:12]
    day1 = "2022-04-01T09:00:00+08:00"
    answers = scans(client, cast, tube("T1000001", shijin[:10], day1, size=10) + tube("T1000002", shijin[10:11], day1))
    assert all(a["status"] == "ok" for a in answers), [a for a in answers if a["status"] != "ok"]

    report = daily(db, SYSTEM, date(2022, 4, 1))["testing"]
    assert report == {"people_sampled": 11, "tubes": 2, "tubes_tested": 0, "tubes_pending": 2,
                      "tubes_resulted": 0, "positive_pools": 0, "people_under_pool_control": 0,
                      "coverage": round(11 / 13, 4)}

    answers_lab = results(client, cast, [
        {"barcode": "T1000001", "result": "positive", "tested_at": "2022-04-01T20:00:00+08:00",
         "lab_code": "LAB-1", "ct_orf1ab": 31.5, "ct_n": 30.2},
        {"barcode": "T1000002", "result": "negative", "tested_at": "2022-04-01T20:00:00+08:00",
         "lab_code": "LAB-1"},
        {"barcode": "T9999999", "result": "negative", "tested_at": "2022-04-01T20:00:00+08:00",
         "lab_code": "LAB-1"},
        {"barcode": "T1000002", "result": "positive", "tested_at": "2022-04-01T21:00:00+08:00",
         "lab_code": "LAB-1"},
    ])
    assert [a["status"] for a in answers_lab] == ["loaded", "loaded", "unknown_tube", "conflict"]
    assert "kept for review" in answers_lab[3]["reason"]

    # The pool's ten members are under control at once, with retest tasks grouped by household.
    controlled = set(db.scalars(select(Control.person_id).where(Control.ended_at.is_(None))))
    assert controlled == {p.id for p in shijin[:10]}
    retests = client.get("/api/v1/screening/retests", headers=cast.headers("sampler")).json()
    assert sorted(g["group"] for g in retests) == [f"household:HH-{n}" for n in (1, 2, 3, 4)]
    assert sum(len(g["people"]) for g in retests) == 10

    # A pool-positive member may not go into a pool again: single tubes, door to door.
    refused = scans(client, cast, [{"scan_id": "retest-pool-1", "action": "person", "barcode": "T1000003",
                                    "point_code": "P-SJ", "id_number": shijin[0].id_number,
                                    "scanned_at": "2022-04-02T08:00:00+08:00"}] )
    assert refused[0]["code"] == "unknown_tube"
    day2 = "2022-04-02T08:00:00+08:00"
    pooled = scans(client, cast, tube("T1000003", shijin[:1], day2, size=10))
    assert pooled[1]["code"] == "under_control"
    singles: list[dict[str, Any]] = []
    for n, person in enumerate(shijin[:10]):
        singles += tube(f"S200000{n}", [person], day2, size=1)
    assert all(a["status"] == "ok" for a in scans(client, cast, singles))
    lab = [{"barcode": f"S200000{n}", "result": "positive" if n == 3 else "negative",
            "tested_at": "2022-04-02T18:00:00+08:00", "lab_code": "LAB-1"} for n in range(10)]
    assert {a["status"] for a in results(client, cast, lab)} == {"loaded"}

    tasks = db.scalars(select(RetestTask)).all()
    assert all(task.done_at is not None for task in tasks)
    assert {task.person_id for task in tasks if task.result == "positive"} == {shijin[3].id}
    still = set(db.scalars(select(Control.person_id).where(Control.ended_at.is_(None))))
    assert still == {shijin[3].id}
    suspected = db.scalars(select(SuspectedCase)).all()
    assert [s.person_id for s in suspected] == [shijin[3].id]

    listed = client.get("/api/v1/screening/suspected", headers=cast.headers("tracer")).json()
    assert [(s["barcode"], s["status"]) for s in listed] == [("S2000003", "pending")]
    confirm = {"case_no": "HD-2022-101", "classification": "asymptomatic", "source": "local"}
    url = f"/api/v1/screening/suspected/{listed[0]['id']}/confirm"
    assert client.post(url, json=confirm, headers=cast.headers("sampler")).status_code == 403
    confirmed = client.post(url, json=confirm, headers=cast.headers("tracer"))
    assert confirmed.status_code == 200, confirmed.text
    case_id = db.scalar(select(Case.id).where(Case.case_no == "HD-2022-101"))
    assert db.scalar(select(Case.person_id).where(Case.id == case_id)) == shijin[3].id
    db.refresh(suspected[0])
    assert suspected[0].status == "confirmed" and suspected[0].case_id == case_id
    assert client.post(url, json=confirm, headers=cast.headers("tracer")).status_code == 409

    coverage = client.get("/api/v1/screening/rounds/R1/coverage", headers=cast.headers("commander")).json()
    assert (coverage["target"], coverage["sampled"]) == (13, 11)
    by_area = {a["code"]: (a["target"], a["sampled"]) for a in coverage["areas"]}
    assert by_area == {"430424101001": (12, 11), "430424102001": (1, 0)}

    # Past days rebuild as they were; the next day has its own figures.
    assert daily(db, SYSTEM, date(2022, 4, 1))["testing"] == {
        "people_sampled": 11, "tubes": 2, "tubes_tested": 2, "tubes_pending": 0, "tubes_resulted": 2,
        "positive_pools": 1, "people_under_pool_control": 10, "coverage": round(11 / 13, 4)}
    assert daily(db, SYSTEM, date(2022, 4, 2))["testing"] == {
        "people_sampled": 10, "tubes": 10, "tubes_tested": 10, "tubes_pending": 0, "tubes_resulted": 10,
        "positive_pools": 0, "people_under_pool_control": 1, "coverage": round(11 / 13, 4)}
    assert daily(db, SYSTEM, date(2022, 3, 31))["testing"]["coverage"] == 0.0

"""Each township sees and works its own screening only: the leaks found by driving every route as
a township's users against another township's records (issue 10), each closed here.

石滩乡's users (a sampler, a lab, an office) against 洣水镇's point P-CG, its tubes and people."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.identity import make_id_number
from fangyi.registry.models import Person
from fangyi.screening.models import Box, RetestTask, Sample, SamplingPoint, ScreeningRound, Tube
from fangyi.screening.setup import RoundFields, create_point, create_round
from tests.conftest import CHENGGUAN, MISHUI, SHITAN, Cast
from tests.screening.conftest import START, Ground
from tests.web.conftest import sign_in

AT = "2022-04-01T09:00:00+08:00"
SAMPLED = START + timedelta(hours=1)
HEADER = "barcode,id_number,sampled_at,point_code,round_code\n"


@dataclass
class Far:
    """洣水镇's records: a point, three residents in a pool that tested positive, a closed tube."""

    point: SamplingPoint
    people: list[Person]
    tested: Tube
    closed: Tube


def token(db: Session, role: str, area: str) -> dict[str, str]:
    user = accounts.create_user(db, SYSTEM, username=f"{role}-{area}", password=f"{role}-pass-2022", role=role,
                                area_code=area)
    return {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, user, 'test')}"}


@pytest.fixture
def far(db: Session, ground: Ground) -> Far:
    point = create_point(db, SYSTEM, code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    people = [ground.people[12]]
    for seq in range(2):
        person = Person(id_number=make_id_number("430424", date(1970, 1, 2), 800 + seq, "F"), doc_kind="resident",
                        name=f"城关人{seq}", area_code=CHENGGUAN)
        db.add(person)
        people.append(person)
    db.flush()
    tubes = []
    for barcode, state, members in (("TCG00001", "tested", people), ("TCG00002", "closed", people[:1])):
        found = Tube(barcode=barcode, round_id=ground.round.id, point_id=point.id, pool_size=10,
                     members=len(members), state=state, opened_at=SAMPLED, closed_at=SAMPLED,
                     result="positive" if state == "tested" else None,
                     tested_at=SAMPLED + timedelta(hours=5) if state == "tested" else None, lab_code="LAB-1")
        db.add(found)
        db.flush()
        db.add_all([Sample(tube_id=found.id, person_id=p.id, round_id=ground.round.id, sampled_at=SAMPLED,
                           point_code="P-CG") for p in members])
        tubes.append(found)
    db.flush()
    return Far(point, people, *tubes)


def signed_in(client: TestClient, db: Session, role: str, area: str) -> TestClient:
    """The client, signed in on the pages as a new user of that role and jurisdiction."""
    accounts.create_user(db, SYSTEM, username=f"page-{role}", password=f"{role}-pass-2022", role=role,
                         area_code=area)
    client.cookies.clear()
    sign_in(client, f"page-{role}", f"{role}-pass-2022")
    return client


def members(db: Session, tube: Tube) -> tuple[int, int]:
    """The tube's member count and its swabs."""
    db.expire_all()
    swabs = db.scalar(select(func.count()).select_from(Sample).where(Sample.tube_id == tube.id)) or 0
    return db.scalar(select(Tube.members).where(Tube.id == tube.id)) or 0, swabs


def test_a_samples_file_puts_no_one_into_another_townships_tested_tube(client: TestClient, db: Session,
                                                                         ground: Ground, far: Far) -> None:
    sampler = token(db, "sampler", SHITAN)
    rows = [f"TCG00001,{ground.people[0].id_number},2022-04-01 10:00,P-SJ,R1",  # ours, into their tested pool
            f"TCG00001,{far.people[1].id_number},2022-04-01 10:00,P-CG,R1"]  # theirs, at their point
    answer = client.post("/api/v1/imports/samples", headers=sampler,
                         files={"file": ("s.csv", (HEADER + "\n".join(rows) + "\n").encode(), "text/csv")})
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert (report["rows_loaded"], report["rows_rejected"]) == (0, 2)
    assert members(db, far.tested) == (3, 3)
    assert db.scalar(select(func.count()).select_from(RetestTask)) == 0
    # The scan path refuses the same, with the same code.
    scanned = client.post("/api/v1/screening/scans", headers=sampler, json={
        "scan_id": "far-scan-0001", "action": "person", "barcode": "TCG00001", "point_code": "P-SJ",
        "id_number": ground.people[0].id_number, "scanned_at": AT}).json()["results"][0]
    assert scanned["code"] == "tube_outside"
    assert report["problems"][0]["reason"] == scanned["message"]
    assert members(db, far.tested) == (3, 3)


def test_a_tested_tube_takes_no_more_swabs_from_a_file_even_in_the_county(client: TestClient, cast: Cast,
                                                                           db: Session, ground: Ground,
                                                                           far: Far) -> None:
    row = f"TCG00001,{ground.people[0].id_number},2022-04-01 10:00,P-CG,R1\n"
    report = client.post("/api/v1/imports/samples", headers=cast.headers("sampler"),
                         files={"file": ("s.csv", (HEADER + row).encode(), "text/csv")}).json()
    assert report["rows_rejected"] == 1 and "tested" in report["problems"][0]["reason"]
    assert members(db, far.tested) == (3, 3)


def test_rounds_and_points_only_over_the_managers_own_township(client: TestClient, db: Session,
                                                                ground: Ground) -> None:
    office = token(db, "command_office", SHITAN)
    over = {"code": "R-MX", "name": "洣水镇加测", "area_codes": [MISHUI], "starts_at": "2022-04-02T07:00:00+08:00"}
    assert client.post("/api/v1/screening/rounds", headers=office, json=over).status_code == 404
    assert client.post("/api/v1/screening/rounds", headers=office,
                       json={**over, "area_codes": [SHITAN, MISHUI]}).status_code == 404
    assert client.post("/api/v1/screening/rounds", headers=office,
                       json={**over, "code": "R-ST", "area_codes": [SHITAN]}).status_code == 201
    point = {"code": "P-MX", "name": "洣水镇二号点", "area_code": CHENGGUAN}
    assert client.post("/api/v1/screening/points", headers=office, json=point).status_code == 404
    assert db.scalar(select(func.count()).select_from(ScreeningRound).where(ScreeningRound.code == "R-MX")) == 0
    assert db.scalar(select(func.count()).select_from(SamplingPoint).where(SamplingPoint.code == "P-MX")) == 0


def test_a_lab_records_results_only_for_tubes_of_its_jurisdiction(client: TestClient, db: Session,
                                                                  ground: Ground, far: Far) -> None:
    lab = token(db, "lab", SHITAN)
    body = {"barcode": "TCG00002", "result": "positive", "tested_at": "2022-04-01T20:00:00+08:00",
            "lab_code": "LAB-1"}
    answer = client.post("/api/v1/screening/results", headers=lab, json=body)
    assert answer.status_code == 200
    assert answer.json()["results"][0]["status"] == "unknown_tube"
    db.expire_all()
    assert db.scalar(select(Tube.result).where(Tube.barcode == "TCG00002")) is None
    report = client.post("/api/v1/imports/lab_results", headers=lab, files={"file": (
        "r.csv", b"barcode,result,tested_at,lab_code\nTCG00002,positive,2022-04-01 20:00,LAB-1\n", "text/csv")})
    assert report.json()["rows_rejected"] == 1
    db.expire_all()
    assert db.scalar(select(Tube.result).where(Tube.barcode == "TCG00002")) is None


def test_a_box_checks_each_tubes_own_point_and_tells_nothing_of_anothers(client: TestClient, db: Session,
                                                                          ground: Ground, far: Far) -> None:
    sampler = token(db, "sampler", SHITAN)
    # Named at our own point, holding their tubes: one closed, one tested.
    body = {"code": "BOX-FAR", "barcodes": ["TCG00002", "TCG00001"], "lab_code": "LAB-1", "point_code": "P-SJ"}
    answer = client.post("/api/v1/screening/boxes", headers=sampler, json=body)
    assert answer.status_code == 404, answer.text
    assert "tested" not in answer.text and "closed" not in answer.text
    assert db.scalar(select(func.count()).select_from(Box)) == 0
    db.expire_all()
    assert db.scalar(select(Tube.state).where(Tube.barcode == "TCG00002")) == "closed"


def test_the_scan_page_of_another_townships_point_is_absent(client: TestClient, db: Session, ground: Ground,
                                                            far: Far) -> None:
    theirs = token(db, "sampler", MISHUI)
    client.post("/api/v1/screening/scans", headers=theirs, json={
        "scan_id": "far-open-0001", "action": "open", "barcode": "TCG00003", "point_code": "P-CG", "pool_size": 5})
    client.post("/api/v1/screening/scans", headers=theirs, json={
        "scan_id": "far-pers-0001", "action": "person", "barcode": "TCG00003", "point_code": "P-CG",
        "id_number": far.people[1].id_number})
    page = signed_in(client, db, "sampler", SHITAN).get("/screening/points/P-CG/scan")
    assert page.status_code == 404
    assert far.people[1].name not in page.text


def test_a_round_page_shows_a_township_its_own_figures(client: TestClient, db: Session, ground: Ground,
                                                       far: Far) -> None:
    page = signed_in(client, db, "command_office", SHITAN).get("/screening/rounds/R1")
    assert page.status_code == 200
    assert "城关社区" not in page.text and "TCG0000" not in page.text
    assert "(0 / 12)" in page.text  # 石金村's twelve, not the county's fifteen
    coverage = client.get("/api/v1/screening/rounds/R1/coverage", headers=token(db, "lab", SHITAN)).json()
    assert (coverage["target"], coverage["tubes"], [a["code"] for a in coverage["areas"]]) == (
        12, 0, [ground.people[0].area_code])
    county = client.get("/api/v1/screening/rounds/R1/coverage", headers=token(db, "lab", "430424")).json()
    assert (county["target"], county["tubes"]) == (15, 2)
    # A round over another township only is not there at all.
    create_round(db, SYSTEM, RoundFields("R-MX", "洣水镇加测", [MISHUI], START))
    db.flush()
    assert client.get("/screening/rounds/R-MX").status_code == 404
    rounds = client.get("/api/v1/screening/rounds", headers=token(db, "sampler", SHITAN)).json()
    assert [r["code"] for r in rounds] == ["R1"]


def test_a_stored_answer_naming_another_townships_person_is_kept_from_the_township(
        client: TestClient, cast: Cast, db: Session, ground: Ground) -> None:
    """The county's sampler swabs 城关's resident at 石金村's point: 石滩乡's samplers, who hold the point
    and the tube but not the person, get neither the answer again nor the scan on the point's page."""
    county = cast.headers("sampler")
    stranger = ground.people[12]
    for body in ({"scan_id": "far-tube-0001", "action": "open", "barcode": "TST00001", "point_code": "P-SJ"},
                 {"scan_id": "far-swab-0001", "action": "person", "barcode": "TST00001", "point_code": "P-SJ",
                  "id_number": stranger.id_number}):
        assert client.post("/api/v1/screening/scans", headers=county, json=body).json()["results"][0]["status"] == "ok"
    again = {"scan_id": "far-swab-0001", "action": "person", "barcode": "TST00001", "point_code": "P-SJ",
             "id_number": stranger.id_number}
    answer = client.post("/api/v1/screening/scans", headers=token(db, "sampler", SHITAN), json=again)
    assert answer.json()["results"][0]["code"] == "scan_id_taken" and stranger.name not in answer.text
    page = signed_in(client, db, "sampler", SHITAN).get("/screening/points/P-SJ/scan")
    assert page.status_code == 200 and stranger.name not in page.text
    client.cookies.clear()
    sign_in(client, "sampler")  # the county's, who made it
    assert stranger.name in client.get("/screening/points/P-SJ/scan").text

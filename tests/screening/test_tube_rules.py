"""One set of tube rules (tubes.py) for a scan and for a row of an offline batch: for each rule, the
same situation is refused both ways, in the same words, and nothing is written; a plain swab is
taken both ways."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM
from fangyi.screening.models import Control, Sample, Tube
from fangyi.screening.setup import create_point
from tests.conftest import CHENGGUAN, SHITAN
from tests.screening.conftest import START, Ground
from tests.screening.test_jurisdiction import token

AT = "2022-04-01T09:00:00+08:00"
ROW_AT = "2022-04-01 09:00"  # the same moment, as a file gives it (local time)
HEADER = "barcode,id_number,sampled_at,point_code,round_code\n"


@dataclass
class Swab:
    """A swab to try both ways: into this tube, of this person, naming this point."""

    barcode: str
    person: int  # index into ground.people
    point: str = "P-SJ"


def tube(db: Session, ground: Ground, barcode: str, *, point: Any = None, state: str = "open", size: int = 5,
         people: tuple[int, ...] = ()) -> None:
    found = Tube(barcode=barcode, round_id=ground.round.id, point_id=(point or ground.point).id, pool_size=size,
                 members=len(people), state=state, opened_at=START)
    db.add(found)
    db.flush()
    db.add_all([Sample(tube_id=found.id, person_id=ground.people[n].id, round_id=ground.round.id,
                       sampled_at=START + timedelta(minutes=5)) for n in people])
    db.flush()


def outside_point(db: Session, ground: Ground) -> Swab:
    create_point(db, SYSTEM, code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    tube(db, ground, "TR000001")
    return Swab("TR000001", 0, point="P-CG")


def outside_tube(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001", point=create_point(db, SYSTEM, code="P-CG", name="城关采样点", area_code=CHENGGUAN))
    return Swab("TR000001", 0)


def outside_person(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001")
    return Swab("TR000001", 12)  # 城关社区's resident


def not_open(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001", state="closed", people=(1,))
    return Swab("TR000001", 0)


def under_control(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001")
    db.add(Control(person_id=ground.people[0].id, reason="flagged", started_at=START))
    db.flush()
    return Swab("TR000001", 0)


def in_other_tube(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001")
    tube(db, ground, "TR000002", people=(0,))
    return Swab("TR000001", 0)


def full(db: Session, ground: Ground) -> Swab:
    tube(db, ground, "TR000001", size=2, people=(1, 2))  # open and full: as a lost close scan leaves it
    return Swab("TR000001", 0)


RULES: dict[str, Callable[[Session, Ground], Swab]] = {
    "outside": outside_point, "tube_outside": outside_tube, "person_outside": outside_person,
    "tube_not_open": not_open, "under_control": under_control, "in_other_tube": in_other_tube, "tube_full": full,
}


def swabs_in(db: Session, barcode: str) -> int:
    return int(db.scalar(select(func.count()).select_from(Sample).join(Tube).where(Tube.barcode == barcode)) or 0)


def by_scan(client: TestClient, headers: dict[str, str], ground: Ground, swab: Swab, scan_id: str) -> dict[str, Any]:
    body = {"scan_id": scan_id, "action": "person", "barcode": swab.barcode, "point_code": swab.point,
            "id_number": ground.people[swab.person].id_number, "scanned_at": AT}
    answer = client.post("/api/v1/screening/scans", headers=headers, json=body)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()["results"][0]
    return result


def by_file(client: TestClient, headers: dict[str, str], ground: Ground, swab: Swab) -> dict[str, Any]:
    row = f"{swab.barcode},{ground.people[swab.person].id_number},{ROW_AT},{swab.point},R1\n"
    answer = client.post("/api/v1/imports/samples", headers=headers,
                         files={"file": ("samples.csv", (HEADER + row).encode(), "text/csv")})
    assert answer.status_code == 201, answer.text
    report: dict[str, Any] = answer.json()
    return report


@pytest.mark.parametrize("rule", sorted(RULES))
def test_a_scan_and_a_file_refuse_alike(rule: str, client: TestClient, db: Session, ground: Ground) -> None:
    swab = RULES[rule](db, ground)
    sampler = token(db, "sampler", SHITAN)  # 石滩乡's: 城关 lies outside it
    before = swabs_in(db, swab.barcode)
    scanned = by_scan(client, sampler, ground, swab, f"rule-{rule}"[:60])
    assert (scanned["status"], scanned["code"]) == ("refused", rule)
    filed = by_file(client, sampler, ground, swab)
    assert (filed["rows_loaded"], filed["rows_rejected"]) == (0, 1)
    assert filed["problems"][0]["reason"] == scanned["message"]
    assert swabs_in(db, swab.barcode) == before


def test_a_scan_and_a_file_take_a_plain_swab_alike(client: TestClient, db: Session, ground: Ground) -> None:
    tube(db, ground, "TR000001")
    sampler = token(db, "sampler", SHITAN)
    assert by_scan(client, sampler, ground, Swab("TR000001", 0), "rule-plain-1")["code"] == "added"
    assert by_file(client, sampler, ground, Swab("TR000001", 1))["rows_loaded"] == 1
    assert swabs_in(db, "TR000001") == 2
    db.expire_all()
    assert db.scalar(select(Tube.members).where(Tube.barcode == "TR000001")) == 2
    # Sent again, either way: nothing more.
    assert by_scan(client, sampler, ground, Swab("TR000001", 0), "rule-plain-1")["repeated"] is True
    assert by_file(client, sampler, ground, Swab("TR000001", 1))["rows_unchanged"] == 1
    assert swabs_in(db, "TR000001") == 2


def test_a_file_closes_the_tubes_it_opened_at_their_last_swab(client: TestClient, db: Session,
                                                               ground: Ground) -> None:
    rows = [f"TR000009,{ground.people[n].id_number},2022-04-01 09:0{n},P-SJ,R1" for n in (2, 0, 1)]
    report = client.post("/api/v1/imports/samples", headers=token(db, "sampler", SHITAN), files={
        "file": ("s.csv", (HEADER + "\n".join(rows) + "\n").encode(), "text/csv")}).json()
    assert report["rows_loaded"] == 3
    db.expire_all()
    found = db.scalar(select(Tube).where(Tube.barcode == "TR000009"))
    assert found is not None and (found.state, found.members) == ("closed", 3)
    assert found.closed_at == START + timedelta(hours=1, minutes=2)  # 09:02 in Hengdong

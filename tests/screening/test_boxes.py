"""Boxes through the API: pack → hand over → receive, who may, and each refusal with its reason."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import BytesIO

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fangyi.audit.models import AuditEntry
from fangyi.screening.models import Box, Tube
from fangyi.screening.scans import ScanInput, record_scans
from fangyi.screening.setup import create_point
from tests.conftest import CHENGGUAN, Cast
from tests.screening.conftest import START, Ground
from tests.web.conftest import csrf_of

URL = "/api/v1/screening/boxes"
SAMPLED = START + timedelta(hours=1)


def fill(db: Session, cast: Cast, ground: Ground, barcode: str, people: range, *, close: bool = True,
         point: str = "P-SJ") -> None:
    scans = [ScanInput(f"open-{barcode}", "open", barcode, point, pool_size=5, scanned_at=SAMPLED)]
    scans += [ScanInput(f"{barcode}-{n}", "person", barcode, point, id_number=ground.people[n].id_number,
                        scanned_at=SAMPLED) for n in people]
    if close:
        scans.append(ScanInput(f"close-{barcode}", "close", barcode, point, scanned_at=SAMPLED))
    assert all(o["status"] == "ok" for o in record_scans(db, cast["sampler"], scans))


def audits(db: Session, action: str) -> list[AuditEntry]:
    return list(db.scalars(select(AuditEntry).where(AuditEntry.entity == "box", AuditEntry.action == action)))


def test_pack_hand_over_receive_sets_tube_states_times_and_audit(client: TestClient, db: Session, cast: Cast,
                                                                 ground: Ground) -> None:
    fill(db, cast, ground, "B0000001", range(0, 3))
    fill(db, cast, ground, "b0000002", range(3, 5))
    sampler, lab = cast.headers("sampler"), cast.headers("lab")
    packed = client.post(URL, headers=sampler,
                         json={"code": "BOX-1", "barcodes": ["B0000001", "b0000002"], "lab_code": "LAB-1"})
    assert packed.status_code == 201, packed.text
    body = packed.json()
    assert (body["state"], body["point_code"], body["tubes"], body["lab_code"]) == ("packed", "P-SJ", 2, "LAB-1")
    assert [t["barcode"] for t in body["tube_list"]] == ["B0000001", "B0000002"]
    assert {t["state"] for t in body["tube_list"]} == {"packed"}

    handed = client.post(f"{URL}/BOX-1/hand-over", headers=sampler,
                         json={"handed_over_by": "采样员甲", "carried_by": "司机乙", "at": "2022-04-01T10:00:00"})
    assert handed.status_code == 200, handed.text
    assert handed.json()["state"] == "handed_over" and handed.json()["carried_by"] == "司机乙"
    # A time without an offset is Hengdong's: 10:00 there is 02:00 UTC.
    assert datetime.fromisoformat(handed.json()["handed_over_at"]) == datetime(2022, 4, 1, 2, 0, tzinfo=UTC)

    received = client.post(f"{URL}/BOX-1/receive", headers=lab,
                           json={"received_by": "检验员丙", "at": "2022-04-01T12:30:00+08:00"})
    assert received.status_code == 200, received.text
    assert received.json()["state"] == "received"
    tubes = db.execute(select(Tube.state, Tube.received_at).where(Tube.barcode.in_(["B0000001", "B0000002"]))).all()
    assert {state for state, _ in tubes} == {"received"}
    assert {at for _, at in tubes} == {datetime(2022, 4, 1, 4, 30, tzinfo=UTC)}

    for action, who in (("pack", "sampler"), ("hand_over", "sampler"), ("receive", "lab")):
        entries = audits(db, action)
        assert len(entries) == 1 and entries[0].actor == who, action
    assert audits(db, "receive")[0].after["by"] == "检验员丙"  # type: ignore[index]

    listed = client.get(URL, headers=cast.headers("commander"), params={"state": "received", "lab": "LAB-1"})
    assert listed.status_code == 200 and [b["code"] for b in listed.json()["boxes"]] == ["BOX-1"]
    assert client.get(URL, headers=cast.headers("commander"), params={"state": "packed"}).json()["total"] == 0
    one = client.get(f"{URL}/BOX-1", headers=cast.headers("lab")).json()
    assert one["received_by"] == "检验员丙" and len(one["tube_list"]) == 2


def refusal(response_status: int, text: str, status: int, reason: str) -> None:
    assert response_status == status, text
    assert reason in text, text


def test_each_bad_input_is_refused_with_its_reason_and_nothing_written(client: TestClient, db: Session,
                                                                        cast: Cast, ground: Ground) -> None:
    fill(db, cast, ground, "C0000001", range(0, 2))
    fill(db, cast, ground, "C0000002", range(2, 4), close=False)
    sampler = cast.headers("sampler")

    def pack(code: str, barcodes: list[str], lab: str | None = "LAB-1") -> tuple[int, str]:
        r = client.post(URL, headers=sampler, json={"code": code, "barcodes": barcodes, "lab_code": lab})
        assert r.headers["content-type"].startswith(("application/problem+json", "application/json"))
        return r.status_code, r.text

    refusal(*pack("BOX-A", ["C0000001", "NOSUCH01"]), 422, "unknown barcode NOSUCH01")
    refusal(*pack("BOX-A", ["C0000001", "C0000002"]), 422, "only closed tubes are packed: C0000002 (open)")
    refusal(*pack("BOX-A", ["C0000001"], "LAB-X"), 422, "lab LAB-X is not registered")
    # Nothing half-written: the closed tube of the refused boxes is still closed and in no box.
    assert db.scalar(select(func.count()).select_from(Box)) == 0
    assert db.scalar(select(Tube.state).where(Tube.barcode == "C0000001")) == "closed"
    assert audits(db, "pack") == []

    assert pack("BOX-A", ["C0000001"])[0] == 201
    refusal(*pack("BOX-A", ["C0000001"]), 409, "box BOX-A exists already")
    refusal(*pack("BOX-B", ["C0000001"]), 422, "only closed tubes are packed: C0000001 (packed)")

    lab = cast.headers("lab")
    assert _post(client, f"{URL}/BOX-A/receive", lab, {"received_by": "检验员丙"})[0] == 200
    refusal(*_post(client, f"{URL}/BOX-A/receive", lab, {"received_by": "检验员丁"}), 409,
            "box BOX-A was received already, by 检验员丙")
    refusal(*_post(client, f"{URL}/BOX-A/hand-over", sampler, {"handed_over_by": "甲", "carried_by": "乙"}), 409,
            "was received by the lab already")
    box = db.scalar(select(Box).where(Box.code == "BOX-A"))
    assert box is not None and box.received_by == "检验员丙" and box.handed_over_at is None
    assert len(audits(db, "receive")) == 1 and audits(db, "hand_over") == []
    refusal(*_post(client, f"{URL}/NOBOX/receive", lab, {"received_by": "丙"}), 404, "no box NOBOX")


def _post(client: TestClient, url: str, headers: dict[str, str], body: dict[str, str]) -> tuple[int, str]:
    r = client.post(url, headers=headers, json=body)
    return r.status_code, r.text


def test_who_may_pack_hand_over_receive_and_read(client: TestClient, db: Session, cast: Cast,
                                                 ground: Ground) -> None:
    fill(db, cast, ground, "D0000001", range(0, 2))
    body = {"code": "BOX-D", "barcodes": ["D0000001"], "lab_code": "LAB-1"}
    assert client.post(URL, headers=cast.headers("lab"), json=body).status_code == 403
    assert client.post(URL, json=body).status_code == 401
    assert client.post(URL, headers=cast.headers("sampler"), json=body).status_code == 201
    assert client.post(f"{URL}/BOX-D/receive", headers=cast.headers("sampler"),
                       json={"received_by": "x"}).status_code == 403
    assert client.post(f"{URL}/BOX-D/hand-over", headers=cast.headers("lab"),
                       json={"handed_over_by": "x", "carried_by": "y"}).status_code == 403
    assert client.get(URL, headers=cast.headers("driver")).status_code == 403
    assert client.get(URL, headers=cast.headers("village_doctor")).json()["total"] == 1


def test_a_box_from_a_point_outside_the_jurisdiction_is_absent(client: TestClient, db: Session, cast: Cast,
                                                               ground: Ground) -> None:
    create_point(db, cast["admin"], code="P-CG", name="城关采样点", area_code=CHENGGUAN)
    fill(db, cast, ground, "E0000001", range(12, 13), point="P-CG")
    assert client.post(URL, headers=cast.headers("sampler"),
                       json={"code": "BOX-CG", "barcodes": ["E0000001"]}).status_code == 201
    # The village doctor looks after 石滩乡 only; 城关 is in 洣水镇.
    doctor = cast.headers("village_doctor")
    assert client.get(f"{URL}/BOX-CG", headers=doctor).status_code == 404
    assert client.get(URL, headers=doctor).json()["total"] == 0
    assert client.get(f"{URL}/BOX-CG", headers=cast.headers("commander")).status_code == 200


# --- the boxes page --------------------------------------------------------------------


def test_boxes_page_packs_hands_over_receives_and_exports(login: Callable[[str], TestClient], db: Session,
                                                          cast: Cast, ground: Ground) -> None:
    fill(db, cast, ground, "F0000001", range(0, 3))
    fill(db, cast, ground, "F0000002", range(3, 5))
    fill(db, cast, ground, "F0000003", range(5, 6), close=False)
    client = login("sampler")
    page = client.get("/screening/boxes")
    assert page.status_code == 200 and 'id="pack-form"' in page.text
    # Scanned one per line, a blank line and lower case among them; an open tube refuses the box.
    refused = client.post("/screening/boxes", data={
        "csrf": csrf_of(page.text), "code": "BOX-P", "lab_code": "LAB-1", "point_code": "",
        "barcodes": "F0000001\n\nf0000002\nF0000003\n"})
    assert refused.status_code == 422
    assert "only closed tubes are packed: F0000003 (open)" in refused.text
    assert 'value="BOX-P"' in refused.text and "f0000002\nF0000003" in refused.text
    assert db.scalar(select(func.count()).select_from(Box)) == 0

    packed = client.post("/screening/boxes", data={
        "csrf": csrf_of(page.text), "code": "BOX-P", "lab_code": "LAB-1", "barcodes": "F0000001\nf0000002"})
    assert packed.status_code == 200 and "已装箱 BOX-P" in packed.text  # followed the redirect
    assert 'action="/screening/boxes/BOX-P/hand-over"' in packed.text
    assert 'action="/screening/boxes/BOX-P/receive"' not in packed.text  # a sampler does not receive

    no_carrier = client.post("/screening/boxes/BOX-P/hand-over", data={
        "csrf": csrf_of(packed.text), "handed_over_by": "采样员甲", "carried_by": " "})
    assert no_carrier.status_code == 422 and "carried_by is required" in no_carrier.text
    assert 'value="采样员甲"' in no_carrier.text
    handed = client.post("/screening/boxes/BOX-P/hand-over", data={
        "csrf": csrf_of(packed.text), "handed_over_by": "采样员甲", "carried_by": "司机乙"})
    assert "箱 BOX-P 已交接" in handed.text and "采样员甲 → 司机乙" in handed.text

    lab = login("lab")
    listed = lab.get("/screening/boxes?state=handed_over")
    assert 'id="pack-form"' not in listed.text and 'action="/screening/boxes/BOX-P/receive"' in listed.text
    received = lab.post("/screening/boxes/BOX-P/receive", data={"csrf": csrf_of(listed.text),
                                                                "received_by": "检验员丙"})
    assert "箱 BOX-P 已接收" in received.text
    assert db.scalar(select(Tube.state).where(Tube.barcode == "F0000002")) == "received"
    again = lab.post("/screening/boxes/BOX-P/receive", data={"csrf": csrf_of(listed.text),
                                                             "received_by": "检验员丁"})
    assert again.status_code == 422 and "was received already, by 检验员丙" in again.text

    sheet = lab.get("/screening/boxes.xlsx?state=received")
    assert sheet.status_code == 200
    rows = list(load_workbook(BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert rows[0][:3] == ("箱号", "状态", "采样点")
    assert rows[1][:5] == ("BOX-P", "实验室已接收", "P-SJ", "LAB-1", 2) and rows[1][9] == "检验员丙"


def test_boxes_page_roles_and_csrf(login: Callable[[str], TestClient], ground: Ground) -> None:
    assert login("driver").get("/screening/boxes").status_code == 403
    assert login("driver").get("/screening/boxes.xlsx").status_code == 403
    doctor = login("village_doctor")
    page = doctor.get("/screening/boxes")
    assert page.status_code == 200 and 'id="pack-form"' not in page.text
    assert doctor.post("/screening/boxes", data={"csrf": csrf_of(page.text), "code": "X",
                                                 "barcodes": "F0000001"}).status_code == 403
    sampler = login("sampler")
    assert sampler.post("/screening/boxes", data={"csrf": "forged", "code": "X",
                                                  "barcodes": "F0000001"}).status_code == 403
    index = sampler.get("/screening").text
    assert 'href="/screening/boxes"' in index and 'href="/screening/setup"' not in index

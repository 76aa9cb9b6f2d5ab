"""协查: lists of people to find from outside, imported (CSV in GBK, Excel), matched to the registry,
the unmatched resolved by hand, the matched worked from the tracers' queue, progress against the deadline."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.audit.models import AuditEntry
from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.imports.service import run_import
from fangyi.quarantine.models import PlacementRequest
from fangyi.tracing import assist
from fangyi.tracing.assist_models import AssistList, AssistPerson
from fangyi.web.xlsx import workbook_bytes
from tests.tracing.world import add_person, id_number
from tests.web.conftest import csrf_of, sign_in

HEADER = "id_number,name,phone,reason,source,deadline"


@pytest.fixture
def world(db):
    by_id = add_person(db, 2)
    by_phone = add_person(db, 3)
    by_phone.phone = "13800001111"
    db.flush()
    return by_id, by_phone


def csv_list(world) -> bytes:
    by_id, by_phone = world
    lines = [
        HEADER,
        f"{by_id.id_number},{by_id.name},,与输入病例同航班,county,2022-04-01",
        f",{by_phone.name},138-0000-1111,大数据时空伴随,big-data,2022-04-01T18:00",
        f"{id_number(50)},陌生人,,外省协查,county,2022-04-02",
        ",无号码,,外省协查,county,2022-04-01",
        f"{id_number(51)},来源不明,,外省协查,weibo,2022-04-01",
        f"{id_number(52)},时间不对,,外省协查,county,明天",
        "430424198001011235,号码错,,外省协查,county,2022-04-01",
    ]
    return ("\r\n".join(lines) + "\r\n").encode("gbk")


def test_a_gbk_list_is_imported_matched_and_routed(cast, db, world):
    by_id, by_phone = world
    report = run_import(db, cast["tracer"], "assist", io.BytesIO(csv_list(world)), filename="外省协查.csv")
    assert (report.rows_loaded, report.rows_rejected) == (3, 4)
    problems = {p.line: (p.column, p.reason) for p in report.problems}
    assert problems[5] == ("id_number", "an identity number or a phone is needed to find the person")
    assert problems[6][0] == "source" and problems[7][0] == "deadline" and problems[8][0] == "id_number"
    listed = db.scalar(select(AssistList))
    assert listed.name == "外省协查.csv"
    rows = {p.name: p for p in db.scalars(select(AssistPerson))}
    assert (rows[by_id.name].person_id, rows[by_id.name].matched_by) == (by_id.id, "id_number")
    assert (rows[by_phone.name].person_id, rows[by_phone.name].matched_by) == (by_phone.id, "phone_name")
    assert rows["陌生人"].person_id is None and rows["陌生人"].assigned_to_id is None
    # The matched go to the tracer of the area, like derived contacts.
    assert rows[by_id.name].assigned_to_id == cast["tracer"].id == rows[by_phone.name].assigned_to_id
    assert rows[by_phone.name].source == "big_data"
    assert rows[by_id.name].deadline == datetime(2022, 4, 1, 15, 59, 59, tzinfo=UTC)  # end of the local day
    again = run_import(db, cast["tracer"], "assist", io.BytesIO(csv_list(world)), filename="外省协查.csv")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 3, 4)
    assert len(db.scalars(select(AssistList)).all()) == 1 and len(db.scalars(select(AssistPerson)).all()) == 3


def test_an_excel_list_and_strict_mode(cast, db, world):
    by_id, _ = world
    book = workbook_bytes("协查", HEADER.split(","), [
        [by_id.id_number, by_id.name, "", "密接", "county", "2022-04-01"],
        ["", "无号码", "", "密接", "county", "2022-04-01"],
    ])
    strict = run_import(db, cast["tracer"], "assist", io.BytesIO(book), filename="list.xlsx", strict=True)
    assert strict.rows_rejected == 1 and db.scalar(select(AssistPerson)) is None  # nothing half-saved
    loose = run_import(db, cast["tracer"], "assist", io.BytesIO(book), filename="list.xlsx")
    assert loose.rows_loaded == 1 and db.scalar(select(AssistPerson.person_id)) == by_id.id


def test_progress_against_the_deadline(cast, db, world):
    run_import(db, cast["tracer"], "assist", io.BytesIO(csv_list(world)), filename="a.csv")
    list_id = db.scalar(select(AssistList.id))
    before = assist.progress(db, SYSTEM, list_id, at=datetime(2022, 4, 1, 0, 0, tzinfo=UTC))
    assert before | {"deadline": None} == {
        "total": 3, "matched": 2, "unmatched": 1, "reached": 0, "controlled": 0, "open": 3, "overdue": 0,
        "deadline": None, "time_left_hours": 10.0,  # the big-data row is due at 18:00 local (10:00 UTC)
    }
    matched = db.scalars(select(AssistPerson).where(AssistPerson.person_id.is_not(None))).all()
    assist.log_attempt(db, cast["tracer"], matched[0].id, "reached")
    assist.control(db, cast["tracer"], matched[0].id)
    # Under control is handed over: quarantine has its placement request.
    request = db.scalar(select(PlacementRequest).where(PlacementRequest.person_id == matched[0].person_id))
    assert request is not None and request.source == "assist" and request.category == "close_contact"
    after = assist.progress(db, SYSTEM, list_id, at=datetime(2022, 4, 1, 16, 30, tzinfo=UTC))
    assert (after["reached"], after["controlled"], after["open"], after["overdue"]) == (1, 1, 2, 1)
    assert after["time_left_hours"] == -6.5


def test_unmatched_resolved_by_hand_and_worked_from_the_queue(cast, db, client, world):
    run_import(db, cast["tracer"], "assist", io.BytesIO(csv_list(world)), filename="a.csv")
    db.commit()
    list_id = db.scalar(select(AssistList.id))
    stranger = db.scalar(select(AssistPerson).where(AssistPerson.person_id.is_(None)))
    found = add_person(db, 50)
    db.commit()
    sign_in(client, "tracer")
    page = client.get(f"/tracing/assist/{list_id}")
    assert 'id="to-resolve"' in page.text and "陌生人" in page.text and id_number(50) in page.text
    assert db.scalar(select(AuditEntry.note).where(AuditEntry.entity == "assist_list",
                                                   AuditEntry.action == "view_identity")) == "unmatched rows"
    token = csrf_of(page.text)
    wrong = client.post(f"/tracing/assist/persons/{stranger.id}/match", data={"csrf": token, "id_number": "12345"})
    assert wrong.status_code == 422 and 'value="12345"' in wrong.text
    done = client.post(f"/tracing/assist/persons/{stranger.id}/match",
                       data={"csrf": token, "id_number": found.id_number})
    assert "已匹配并派给流调员" in done.text and 'id="to-resolve"' not in done.text
    db.expire_all()
    assert (stranger.person_id, stranger.matched_by, stranger.assigned_to_id) == (found.id, "hand",
                                                                                   cast["tracer"].id)

    queue = client.get("/tracing/queue").text
    section = queue.split('id="assist-queue"', 1)[1]
    assert "陌生人" not in section and found.name in section and "外省协查" in section
    client.post(f"/tracing/assist/persons/{stranger.id}/reach",
                data={"csrf": token, "outcome": "reached", "next": "/tracing/queue"})
    queue = client.post(f"/tracing/assist/persons/{stranger.id}/control",
                        data={"csrf": token, "next": "/tracing/queue"}).text
    assert f'id="assist-{stranger.id}"' not in queue  # under control: off the queue
    lists = client.get("/tracing/assist").text
    assert 'data-count="controlled">1<' in lists and "已超过时限" in lists

    answer = client.get(f"/api/v1/assist-lists/{list_id}", headers=cast.headers("command_office"))
    body = answer.json()
    assert answer.status_code == 200 and body["progress"]["controlled"] == 1
    assert body["progress"]["unmatched"] == 0 and body["progress"]["overdue"] == 2
    assert all("*" in p["id_number"] for p in body["people"] if p["id_number"])  # masked for the office
    overview = client.get("/api/v1/assist-lists", headers=cast.headers("tracer")).json()
    assert [item["id"] for item in overview] == [list_id]


def test_fangyi_import_assist_on_the_command_line(committed_db, tmp_path):
    path = tmp_path / "协查.csv"
    path.write_bytes(f"{HEADER}\r\n{id_number(60)},外地人,,同车厢,county,2022-04-01\r\n,,,缺姓名,county,2022-04-01\r\n"
                     .encode("gbk"))
    result = CliRunner().invoke(app, ["import", "assist", str(path), "--json"])
    assert result.exit_code == 3, result.output
    report = json.loads(result.output)
    assert (report["rows_loaded"], report["rows_rejected"]) == (1, 1)
    assert report["problems"] == [{"line": 3, "column": "name", "reason": "is required"}]
    with session_scope() as session:
        assert session.scalar(select(AssistPerson.name).where(AssistPerson.person_id.is_(None))) == "外地人"

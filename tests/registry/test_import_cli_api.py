"""`fangyi import` on a committed database, and imports over the API."""

from __future__ import annotations

import json
from io import BytesIO
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.audit.models import AuditEntry
from fangyi.cli.main import app
from fangyi.db.session import engine_for
from fangyi.imports.models import ImportRun
from fangyi.registry.models import Person
from tests.conftest import Cast, add_areas
from tests.registry.data.make import PERSON_HEADER, csv_bytes, person_row, write

runner = CliRunner()


def _bad_row(seq: int) -> list[object]:
    row = person_row(seq, "坏校验")
    row[0] = str(row[0])[:-1] + ("1" if str(row[0])[-1] == "0" else "0")
    return row


@pytest.fixture
def county(committed_db: str) -> str:
    with Session(engine_for(committed_db)) as session:
        add_areas(session)
        session.commit()
    return committed_db


def _persons(url: str) -> list[str]:
    with Session(engine_for(url)) as session:
        return sorted(session.scalars(select(Person.name)))


def test_cli_exit_codes_follow_the_contract(county: str, tmp_path: Path) -> None:
    good = write(tmp_path / "good.csv", csv_bytes(PERSON_HEADER, [person_row(0, "张三"), person_row(1, "李四")]))
    result = runner.invoke(app, ["import", "persons", str(good)])
    assert result.exit_code == 0, result.output
    assert "loaded 2" in result.output
    again = runner.invoke(app, ["import", "persons", str(good)])
    assert again.exit_code == 0 and "unchanged 2" in again.output

    some_bad = write(tmp_path / "some.csv", csv_bytes(PERSON_HEADER, [person_row(2, "王五"), _bad_row(3)]))
    result = runner.invoke(app, ["import", "persons", str(some_bad)])
    assert result.exit_code == 3
    assert "checksum" in result.output and "id_number" in result.output

    junk = write(tmp_path / "junk.csv", bytes(range(256)) * 50)
    result = runner.invoke(app, ["import", "persons", str(junk)])
    assert result.exit_code == 1 and "not a CSV or Excel file" in result.output
    assert runner.invoke(app, ["import", "persons", str(tmp_path / "missing.csv")]).exit_code == 1
    assert _persons(county) == ["张三", "李四", "王五"]


def test_cli_strict_loads_nothing_and_json_gives_the_report(county: str, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", csv_bytes(PERSON_HEADER, [person_row(0, "张三"), _bad_row(1)]))
    result = runner.invoke(app, ["import", "persons", str(path), "--strict", "--json"])
    assert result.exit_code == 3
    report = json.loads(result.stdout)
    assert report["status"] == "rejected" and report["rows_loaded"] == 0
    assert report["problems"] == [{"line": 3, "column": "id_number", "reason": report["problems"][0]["reason"]}]
    assert _persons(county) == []
    with Session(engine_for(county)) as session:
        run = session.get(ImportRun, report["import_id"])
        assert run is not None and run.status == "rejected" and run.sha256 and len(run.sha256) == 64
        entry = session.scalar(select(AuditEntry).where(AuditEntry.entity == "import_run"))
        assert entry is not None and entry.actor == "system" and entry.after and entry.after["rows_rejected"] == 1


def test_cli_shows_fifty_problems_and_counts_the_rest(county: str, tmp_path: Path) -> None:
    path = write(tmp_path / "p.csv", csv_bytes(PERSON_HEADER, [_bad_row(i) for i in range(60)]))
    result = runner.invoke(app, ["import", "persons", str(path)])
    assert result.exit_code == 3
    assert "and 10 more rejected rows" in result.output


def test_cli_kinds_of_later_parts_are_available_now(county: str, tmp_path: Path) -> None:
    # rooms was the last kind of formats.md still missing; quarantine registers it.
    path = write(tmp_path / "rooms.csv", b"site_code,site_name,area_code,room,beds\n")
    result = runner.invoke(app, ["import", "rooms", str(path)])
    assert result.exit_code == 0 and "rows 0" in result.output, result.output


def test_cli_imports_the_kinds_other_parts_add(county: str, tmp_path: Path) -> None:
    header = "case_no,id_number,classification,sampled_at,confirmed_at,source\n"
    path = write(tmp_path / "cases.csv", header.encode())
    result = runner.invoke(app, ["import", "cases", str(path)])
    assert result.exit_code == 0, result.output
    assert "rows 0" in result.output


def test_cli_import_attributed_to_a_user(county: str, tmp_path: Path) -> None:
    from fangyi.access import SYSTEM
    from fangyi.accounts import service as accounts

    with Session(engine_for(county)) as session:
        accounts.create_user(session, SYSTEM, username="tracer1", password="password-2022", role="tracer",
                                 area_code="430424")
        session.commit()
    path = write(tmp_path / "p.csv", csv_bytes(PERSON_HEADER, [person_row(0, "张三")]))
    result = runner.invoke(app, ["import", "persons", str(path), "--user", "tracer1"])
    assert result.exit_code == 1 and "may not import persons" in result.output
    assert runner.invoke(app, ["import", "persons", str(path), "--user", "nobody"]).exit_code == 1


# --- API ----------------------------------------------------------------------


def test_api_upload_returns_the_row_report(client: TestClient, cast: Cast, db: Session) -> None:
    data = csv_bytes(PERSON_HEADER, [person_row(0, "张三"), _bad_row(1)], "gb18030")
    response = client.post("/api/v1/imports/persons", files={"file": ("人员.csv", data, "text/csv")},
                           headers=cast.headers("command_office"))
    assert response.status_code == 201, response.text
    report = response.json()
    assert (report["status"], report["rows_loaded"], report["rows_rejected"], report["exit_code"]) == (
        "partial", 1, 1, 3)
    assert report["filename"] == "人员.csv"
    assert [(p["line"], p["column"]) for p in report["problems"]] == [(3, "id_number")]
    assert db.scalar(select(Person.name)) == "张三"

    listed = client.get("/api/v1/imports", headers=cast.headers("command_office")).json()
    assert [run["import_id"] for run in listed] == [report["import_id"]]
    again = client.get(f"/api/v1/imports/{report['import_id']}", headers=cast.headers("command_office")).json()
    assert again["status"] == "partial" and len(again["problems"]) == 1
    # a tracer may not import persons, so does not see that run
    assert client.get(f"/api/v1/imports/{report['import_id']}", headers=cast.headers("tracer")).status_code == 404


def test_api_unreadable_file_is_a_problem_and_still_recorded(client: TestClient, cast: Cast, db: Session) -> None:
    response = client.post("/api/v1/imports/checkins?strict=true", files={"file": ("x.xlsx", b"\x00\x01junk")},
                           headers=cast.headers("tracer"))
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    run = db.get(ImportRun, body["import_id"])
    assert run is not None and run.status == "failed" and run.strict


def test_api_refuses_kinds_the_role_may_not_import(client: TestClient, cast: Cast, db: Session) -> None:
    data = csv_bytes(PERSON_HEADER, [person_row(0, "张三")])
    for role in ("tracer", "village_doctor"):
        response = client.post("/api/v1/imports/persons", files={"file": ("p.csv", data)}, headers=cast.headers(role))
        assert response.status_code == 403
    assert client.post("/api/v1/imports/persons", files={"file": ("p.csv", data)}).status_code == 401
    assert db.scalar(select(func.count()).select_from(Person)) == 0


def test_api_runs_are_shown_to_who_ran_them_and_identity_numbers_masked(
    client: TestClient, cast: Cast, db: Session
) -> None:
    from fangyi.identity import mask_id_number
    from tests.registry.data.make import SHITAN, id_number

    cast["tracer"].area_code = SHITAN  # a tracer of one township
    db.flush()
    twice = csv_bytes(PERSON_HEADER, [person_row(0, "张三"), person_row(0, "张三")])
    office = client.post("/api/v1/imports/persons", files={"file": ("p.csv", twice)},
                         headers=cast.headers("command_office")).json()
    problem = office["problems"][0]
    assert problem["reason"] == f"id_number {mask_id_number(id_number(0))} appears already on line 2"
    stored = client.get(f"/api/v1/imports/{office['import_id']}", headers=cast.headers("command_office")).json()
    assert stored["problems"] == [problem] and id_number(0) not in str(stored)

    checkins = b"id_number,venue_code,checked_in_at\n" + id_number(5).encode() + b",V-1,2022-03-27T12:05\n"
    mine = client.post("/api/v1/imports/checkins", files={"file": ("c.csv", checkins)},
                       headers=cast.headers("tracer")).json()
    assert id_number(5) not in str(mine) and mask_id_number(id_number(5)) in mine["problems"][0]["reason"]
    theirs = client.post("/api/v1/imports/checkins", files={"file": ("c.csv", checkins)},
                         headers=cast.headers("command_office")).json()

    listed = client.get("/api/v1/imports", headers=cast.headers("tracer")).json()
    assert [run["import_id"] for run in listed] == [mine["import_id"]]
    assert client.get(f"/api/v1/imports/{theirs['import_id']}", headers=cast.headers("tracer")).status_code == 404
    # the command office sees the whole county, so every run of its kinds
    listed = client.get("/api/v1/imports", headers=cast.headers("command_office")).json()
    assert [run["import_id"] for run in listed] == [theirs["import_id"], mine["import_id"], office["import_id"]]


def test_the_service_shows_a_township_user_only_the_runs_they_made(cast: Cast, db: Session) -> None:
    from fangyi.errors import Forbidden, NotFound
    from fangyi.imports.service import get_run, recent_runs, run_import, upload
    from tests.registry.data.make import SHITAN

    cast["tracer"].area_code = SHITAN
    db.flush()
    checkins = csv_bytes(["id_number", "venue_code", "checked_in_at"], [["P:NOBODY1", "V-1", "2022-03-27T12:05"]])
    mine = run_import(db, cast["tracer"], "checkins", BytesIO(checkins), filename="mine.csv")
    theirs = run_import(db, cast["command_office"], "checkins", BytesIO(checkins), filename="theirs.csv")
    assert [run.id for run in recent_runs(db, cast["tracer"])] == [mine.import_id]
    run, problems = get_run(db, cast["tracer"], mine.import_id or 0)
    assert run.filename == "mine.csv" and [p.column for p in problems] == ["id_number"]
    with pytest.raises(NotFound):
        get_run(db, cast["tracer"], theirs.import_id or 0)
    assert {run.id for run in recent_runs(db, cast["command_office"])} == {mine.import_id, theirs.import_id}
    for refused in (lambda: recent_runs(db, cast["driver"]), lambda: get_run(db, cast["driver"], mine.import_id or 0),
                    lambda: upload(db, cast["driver"], "checkins", BytesIO(checkins), filename="c.csv")):
        with pytest.raises(Forbidden):
            refused()

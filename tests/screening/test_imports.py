"""Offline handheld batches (`samples`) and lab results (`lab_results`): by file, API and command line."""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.screening.models import LabResult, RetestTask, Sample, Tube, UnverifiedPerson
from fangyi.screening.setup import RoundFields, create_round
from tests.conftest import COUNTY, Cast, add_areas
from tests.screening.conftest import START, Ground, id_number

HEADER = "barcode,id_number,sampled_at,point_code,round_code\n"


def upload(client: TestClient, cast: Cast, kind: str, data: bytes, role: str) -> dict[str, object]:
    response = client.post(f"/api/v1/imports/{kind}", files={"file": (f"{kind}.csv", data, "text/csv")},
                           headers=cast.headers(role))
    assert response.status_code == 201, response.text
    report: dict[str, object] = response.json()
    return report


def test_an_offline_batch_through_the_api_loses_no_swab_and_doubles_none(client: TestClient, cast: Cast,
                                                                         ground: Ground, db: Session) -> None:
    at = "2022-04-01 10:00"
    people = ground.people
    bad = people[0].id_number[:-1] + ("0" if people[0].id_number[-1] != "0" else "1")
    lines = [f"B0000001,{p.id_number},{at},P-SJ,R1" for p in people[:10]]
    lines += [
        f"B0000001,{people[10].id_number},{at},P-SJ,R1",  # the eleventh in a ten-tube
        f"B0000002,{people[11].id_number},{at},P-NOWHERE,R-UNKNOWN",  # unknown codes: kept, flagged
        f"B0000003,{id_number(600)},{at},P-SJ,R1",  # not in the registry: registered, flagged
        f"B0000004,{bad},{at},P-SJ,R1",  # bad checksum
        f"B#,{people[12].id_number},{at},P-SJ,R1",  # unreadable barcode
    ]
    data = (HEADER + "\n".join(lines) + "\n").encode()
    report = upload(client, cast, "samples", data, "sampler")
    assert (report["rows_loaded"], report["rows_rejected"]) == (12, 3)
    problems = {p["line"]: p for p in report["problems"]}  # type: ignore[union-attr]
    # The scans' own rule and words: the tube closed itself when full.
    assert problems[12]["reason"] == "tube B0000001 is closed: open a new tube"
    assert problems[15]["column"] == "id_number" and "check" in problems[15]["reason"]
    assert problems[16]["column"] == "barcode" and "unreadable" in problems[16]["reason"]
    flagged = db.scalar(select(Sample.flag).join(Tube).where(Tube.barcode == "B0000002"))
    assert flagged is not None and "P-NOWHERE" in flagged and "R-UNKNOWN" in flagged
    assert db.scalar(select(func.count()).select_from(UnverifiedPerson)) == 1
    again = upload(client, cast, "samples", data, "sampler")
    assert (again["rows_loaded"], again["rows_unchanged"]) == (0, 12)
    assert db.scalar(select(func.count()).select_from(Sample)) == 12
    assert client.post("/api/v1/imports/samples", files={"file": ("s.csv", data)},
                       headers=cast.headers("lab")).status_code == 403


def test_lab_results_by_file_in_gbk(client: TestClient, cast: Cast, ground: Ground, db: Session) -> None:
    at = "2022-04-01 10:00"
    samples = [f"B0000011,{p.id_number},{at},P-SJ,R1" for p in ground.people[:5]]
    samples.append(f"B0000012,{ground.people[5].id_number},{at},P-SJ,R1")
    upload(client, cast, "samples", (HEADER + "\n".join(samples) + "\n").encode(), "sampler")
    rows = [
        "barcode,result,tested_at,lab_code,ct_orf1ab,ct_n,备注",
        "B0000011,invalid,2022-04-01 20:00,LAB-1,,,样本溶血",
        "B0000012,negative,2022-04-01 20:00,LAB-X,,,外送实验室",
        "B0000099,negative,2022-04-01 20:00,LAB-1,,,",
        "B0000012,positive,2022-04-01 21:00,LAB-1,33.1,32.0,复检",
        "B0000012,negative,2022-04-01 20:00,LAB-X,,,",
        "B0000011,maybe,2022-04-01 20:00,LAB-1,,,",
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("gbk")
    report = upload(client, cast, "lab_results", data, "lab")
    assert (report["rows_loaded"], report["rows_unchanged"], report["rows_rejected"]) == (2, 1, 3)
    problems = {p["line"]: p["reason"] for p in report["problems"]}  # type: ignore[union-attr]
    assert "no tube with barcode B0000099" in problems[4]
    assert "kept for review" in problems[5]
    assert "maybe" in problems[7]
    assert report["ignored_columns"] == ["备注"]
    # invalid: the tube's five people get re-sampling tasks; the unknown lab is kept and flagged.
    assert db.scalar(select(func.count()).select_from(RetestTask).where(RetestTask.reason == "invalid")) == 5
    assert db.scalar(select(Tube.flag).where(Tube.barcode == "B0000012")).startswith("two different results")
    assert db.scalar(select(func.count()).select_from(LabResult).where(LabResult.status == "conflict")) == 1
    assert db.scalar(select(LabResult.flag).where(LabResult.lab_code == "LAB-X")) == "lab LAB-X unknown"


def test_fangyi_import_on_the_command_line(committed_db: str, tmp_path: Path) -> None:
    from fangyi.access import SYSTEM

    with session_scope() as session:
        add_areas(session)
        create_round(session, SYSTEM, RoundFields("R9", "命令行", [COUNTY], START))
    samples = tmp_path / "samples.csv"
    samples.write_text(HEADER + f"C0000001,{id_number(700)},2022-04-01 10:00,,R9\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["import", "samples", str(samples), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows_loaded"] == 1
    labs = tmp_path / "lab.csv"
    labs.write_bytes("barcode,result,tested_at,lab_code\nC0000001,negative,2022-04-01 20:00,实验室\n".encode("gbk"))
    result = CliRunner().invoke(app, ["import", "lab-results", str(labs)])
    assert result.exit_code == 0, result.output
    with session_scope() as session:
        assert session.scalar(select(Tube.result).where(Tube.barcode == "C0000001")) == "negative"
    report = CliRunner().invoke(app, ["report", "daily", "--date", "2022-04-01", "--json"])
    assert report.exit_code == 0, report.output
    # The person came from the handheld and was registered on the spot today, after that day:
    # sampled that day, but not one of the round's residents as the registry stood then.
    assert json.loads(report.stdout)["testing"] == {
        "people_sampled": 1, "tubes": 1, "tubes_tested": 1, "tubes_pending": 0, "tubes_resulted": 1,
        "positive_pools": 0, "people_under_pool_control": 0, "coverage": 0.0}

"""`fangyi import arrivals FILE` and `fangyi import origin-risks FILE`: formats.md's columns, a row
report with line and column for each bad row, exit 3 when some were rejected, and the same file
twice changing nothing."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from fangyi.arrivals.models import Arrival, OriginRisk
from fangyi.errors import Forbidden
from fangyi.imports.service import run_import
from tests.arrivals.world import number
from tests.conftest import CHENGGUAN, SHIJIN


def _load(db, who, kind, text, strict=False):
    return run_import(db, who, kind, io.BytesIO(text.encode("utf-8")), filename=f"{kind}.csv", strict=strict)


def arrivals_file() -> str:
    bad = number(3)[:-1] + ("0" if number(3)[-1] != "0" else "1")
    return (
        "id_number,name,phone,origin_code,arrived_at,means,plate,staying_area_code,registered_at_code\n"
        f"{number(1)},返乡一,13800000001,310115,2022-04-02 10:00,car,湘D12345,{SHIJIN},G4出口\n"
        f"{number(2)},返乡二,,999999,2022-04-02 11:00,train,,{SHIJIN},\n"
        f"{bad},返乡三,,310115,2022-04-02 12:00,,,{SHIJIN},\n"
        f"{number(4)},返乡四,,310115,not a time,,,{SHIJIN},\n"
        f"{number(5)},返乡五,,310115,2022-04-02 12:00,boat,,{SHIJIN},\n"
    )


def test_arrivals_load_good_rows_and_report_bad_ones(db, cast):
    report = _load(db, cast["command_office"], "arrivals", arrivals_file())
    assert report.exit_code == 3
    assert (report.rows_loaded, report.rows_rejected) == (2, 3)
    problems = {(p.line, p.column) for p in report.problems}
    assert problems == {(4, "id_number"), (5, "arrived_at"), (6, "means")}
    flagged = db.scalars(select(Arrival.origin_code).where(Arrival.origin_known.is_(False))).all()
    assert flagged == ["999999"]
    again = _load(db, cast["command_office"], "arrivals", arrivals_file())
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)
    assert db.scalar(select(func.count()).select_from(Arrival)) == 2


def test_strict_loads_nothing_when_a_row_is_bad(db, cast):
    report = _load(db, cast["command_office"], "arrivals", arrivals_file(), strict=True)
    assert report.exit_code == 3 and report.rows_loaded == 0
    assert db.scalar(select(func.count()).select_from(Arrival)) == 0


def test_an_arrival_staying_outside_the_importers_jurisdiction_is_a_row_problem(db, cast):
    text = ("id_number,name,origin_code,arrived_at,staying_area_code\n"
            f"{number(1)},返乡一,310115,2022-04-02 10:00,{CHENGGUAN}\n")
    report = _load(db, cast["village_doctor"], "arrivals", text)
    assert report.exit_code == 3 and [(p.line, p.column) for p in report.problems] == [(2, "staying_area_code")]


def test_origin_risks_load_update_and_report(db, cast):
    text = ("area_code,level,from,to\n"
            "310000,high,2022-03-28,\n"
            "430100,medium,2022-04-01,2022-04-14\n"
            "4301,medium,2022-04-01,\n"
            "420000,extreme,2022-04-01,\n"
            "440300,low,2022-04-10,2022-04-01\n")
    report = _load(db, cast["command_office"], "origin-risks", text)
    assert report.exit_code == 3 and report.rows_loaded == 2
    assert {(p.line, p.column) for p in report.problems} == {(4, "area_code"), (5, "level"), (6, "to")}
    good = "area_code,level,from,to\n310000,high,2022-03-28,\n430100,medium,2022-04-01,2022-04-14\n"
    assert _load(db, cast["command_office"], "origin-risks", good).exit_code == 0
    assert _load(db, cast["command_office"], "origin-risks", good).rows_unchanged == 2
    changed = "area_code,level,from,to\n310000,high,2022-03-28,2022-05-31\n"
    assert _load(db, cast["command_office"], "origin-risks", changed).rows_loaded == 1
    assert db.scalar(select(OriginRisk.valid_to).where(OriginRisk.area_code == "310000")).isoformat() == "2022-05-31"
    # The list is the command's: a checkpoint officer may not load it.
    with pytest.raises(Forbidden):
        _load(db, cast["checkpoint"], "origin-risks", good)

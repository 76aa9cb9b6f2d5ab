"""`fangyi import vehicles`: key `plate`, bad rows refused with line, column and reason, a changed
row updates its vehicle with the audit trail keeping what it was."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fangyi.audit.models import AuditEntry
from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.errors import Forbidden
from fangyi.imports.service import run_import
from fangyi.transport.models import Vehicle
from tests.conftest import add_areas

HEADER = "plate,kind,seats,institution,depot_area_code\n"
ROWS = (
    "湘D120F1,negative_pressure,2,衡东县120急救中心,430424102001",
    "湘D0301,bus,20,衡东县公交公司,430424102000",
    "湘D0302,tractor,2,农机站,430424102000",  # no such kind
    "湘D0303,bus,many,衡东县公交公司,430424102000",  # seats not a number
    "湘D0304,van,7,疾控中心,999999999999",  # an unknown area
    "湘D120F1,ambulance,4,衡东县120急救中心,430424102001",  # the same plate twice
)


def _file(*rows: str) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(row + "\n" for row in rows)).encode("utf-8"))


def test_vehicles_file_loads_good_rows_and_reports_the_bad(db, cast):
    report = run_import(db, cast["dispatcher"], "vehicles", _file(*ROWS), filename="vehicles.csv")
    assert (report.rows_total, report.rows_loaded, report.rows_rejected, report.exit_code) == (6, 2, 4, 3)
    assert [(p.line, p.column) for p in report.problems] == [(4, "kind"), (5, "seats"), (6, "depot_area_code"),
                                                             (7, "plate")]
    vehicles = db.execute(select(Vehicle.plate, Vehicle.kind, Vehicle.seats, Vehicle.state)
                          .order_by(Vehicle.plate)).all()
    assert [tuple(v) for v in vehicles] == [("湘D0301", "bus", 20, "free"),
                                            ("湘D120F1", "negative_pressure", 2, "free")]
    again = run_import(db, cast["dispatcher"], "vehicles", _file(*ROWS[:2]), filename="vehicles.csv")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)
    changed = run_import(db, cast["dispatcher"], "vehicles", _file("湘D0301,bus,30,衡东县公交公司,430424102000"),
                         filename="vehicles.csv")
    assert changed.rows_loaded == 1
    bus = db.scalar(select(Vehicle).where(Vehicle.plate == "湘D0301"))
    assert bus.seats == 30
    entry = db.scalar(select(AuditEntry).where(AuditEntry.entity == "transport_vehicle", AuditEntry.action == "update"))
    assert entry.before["seats"] == 20 and entry.after["seats"] == 30


def test_strict_loads_nothing_and_a_driver_may_not_import(db, cast):
    report = run_import(db, cast["dispatcher"], "vehicles", _file(*ROWS), filename="vehicles.csv", strict=True)
    assert report.status == "rejected"
    assert db.scalar(select(func.count()).select_from(Vehicle)) == 0
    with pytest.raises(Forbidden):
        run_import(db, cast["driver"], "vehicles", _file(ROWS[0]), filename="vehicles.csv")


def test_fangyi_import_vehicles_on_the_command_line(committed_db, tmp_path):
    with session_scope() as session:
        add_areas(session)
    path = tmp_path / "vehicles.csv"
    path.write_bytes(_file(*ROWS[:2]).getvalue())
    result = CliRunner().invoke(app, ["import", "vehicles", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"rows_loaded": 2' in result.stdout
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Vehicle)) == 2

"""`fangyi report daily`: the frame, and the registry's figures in it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.command.report import daily
from fangyi.db.session import session_scope
from fangyi.identity import make_id_number
from fangyi.parts import installed
from fangyi.registry.models import Checkin, Household, Person, Venue
from tests.conftest import SHIJIN, XIAOQUANWU, add_areas


def _fill(session) -> None:
    add_areas(session)
    home = Household(code="H1", area_code=XIAOQUANWU)
    session.add(home)
    session.flush()
    people = [
        Person(id_number=make_id_number("430424", date(1980, 1, i + 1), i, "M"), doc_kind="resident",
               name=f"谭{i}", area_code=XIAOQUANWU, household_id=home.id)
        for i in range(3)
    ]
    venue = Venue(code="V1", name="石滩饭店", kind="restaurant", area_code=SHIJIN)
    session.add_all([*people, venue])
    session.flush()
    session.add_all([Checkin(person_id=p.id, venue_id=venue.id, in_at=1648353900) for p in people])
    session.flush()


def test_registry_figures_are_current_totals(db):
    _fill(db)
    report = daily(db, SYSTEM, date(2022, 4, 1))
    assert report["date"] == "2022-04-01"
    assert report["registry"] == {"areas": 6, "persons": 3, "households": 1, "venues": 1, "checkins": 3}
    # Parts not built yet add no keys rather than invented zeros.
    assert set(report) == {"date", *(key for key, _ in installed().figures)}


def test_cli_prints_json_and_writes_xlsx(committed_db, tmp_path: Path):
    with session_scope() as session:
        _fill(session)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "daily", "--date", "2022-04-01", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["registry"]["persons"] == 3
    out = tmp_path / "daily.xlsx"
    result = runner.invoke(app, ["report", "daily", "--date", "2022-04-01", "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    rows = [tuple(r) for r in load_workbook(out).active.iter_rows(values_only=True)]
    assert ("persons", 3) in rows and ("日期 date", "2022-04-01") in rows


def test_cli_refuses_a_bad_date(committed_db):
    result = CliRunner().invoke(app, ["report", "daily", "--date", "2022-13-01", "--json"])
    assert result.exit_code == 2
    assert "not a date" in result.output

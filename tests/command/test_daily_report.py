"""`fangyi report daily`: the frame, and the registry's figures in it."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.auth.models import User
from fangyi.cli.main import app
from fangyi.command.report import daily
from fangyi.db.session import session_scope
from fangyi.identity import make_id_number
from fangyi.parts import installed
from fangyi.registry.figures import figures as registry_figures
from fangyi.registry.models import Checkin, Household, Person, Venue
from tests.conftest import CHENGGUAN, COUNTY, SHIJIN, SHITAN, XIAOQUANWU, add_areas


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
    result = CliRunner().invoke(app, ["report", "daily", "--date", "0001-01-01", "--json"])
    assert result.exit_code == 2
    assert "out of range" in result.output


def _fill_mishui(session) -> None:
    """One household of 洣水镇 with a person who stayed at its market, beside _fill's 石滩乡."""
    home = Household(code="H2", area_code=CHENGGUAN)
    session.add(home)
    session.flush()
    person = Person(id_number=make_id_number("430424", date(1990, 2, 3), 7, "F"), doc_kind="resident",
                    name="王芳", area_code=CHENGGUAN, household_id=home.id)
    market = Venue(code="V2", name="城关农贸市场", kind="market", area_code=CHENGGUAN)
    session.add_all([person, market])
    session.flush()
    session.add(Checkin(person_id=person.id, venue_id=market.id, in_at=1648353900))
    session.flush()


def _user(session, role: str, area_code: str) -> User:
    return accounts.create_user(session, SYSTEM, username=f"{role}-{area_code}", password="a-long-pass-2022",
                                role=role, area_code=area_code)


def test_registry_figures_count_only_the_jurisdiction(db):
    _fill(db)
    _fill_mishui(db)
    day = date(2022, 4, 1)
    assert registry_figures(db, day, _user(db, "commander", SHITAN)) == {
        "areas": 3, "persons": 3, "households": 1, "venues": 1, "checkins": 3}
    assert registry_figures(db, day, _user(db, "commander", CHENGGUAN)) == {
        "areas": 1, "persons": 1, "households": 1, "venues": 1, "checkins": 1}
    everything = {"areas": 6, "persons": 4, "households": 2, "venues": 2, "checkins": 4}
    assert registry_figures(db, day, _user(db, "commander", COUNTY)) == everything
    assert registry_figures(db, day, SYSTEM) == everything


def test_a_township_commander_gets_the_township_report(db, client):
    _fill(db)
    _fill_mishui(db)
    commander = _user(db, "commander", SHITAN)
    headers = {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, commander, 'test')}"}
    body = client.get("/api/v1/report/daily", params={"date": "2022-04-01"}, headers=headers).json()
    assert body["registry"]["persons"] == 3 and body["registry"]["checkins"] == 3
    assert daily(db, commander, date(2022, 4, 1))["registry"] == body["registry"]


def test_every_part_is_asked_for_the_figures_of_who_reads(db, monkeypatch):
    asked = []

    def spy(session, day, who):
        asked.append(who)
        return {}

    add_areas(db)
    monkeypatch.setattr(installed(), "figures", [("spy", spy)])
    commander = _user(db, "commander", SHITAN)
    daily(db, commander, date(2022, 4, 1))
    assert asked == [commander]


def test_a_role_without_the_report_is_refused_whatever_the_date(db, client):
    add_areas(db)
    driver = _user(db, "driver", SHITAN)
    headers = {"Authorization": f"Bearer {accounts.issue_token(db, SYSTEM, driver, 'test')}"}
    response = client.get("/api/v1/report/daily", params={"date": "9999-12-31"}, headers=headers)
    assert response.status_code == 403


def test_the_workbook_holds_a_formula_like_name_as_text(tmp_path) -> None:
    """An area's name comes from an imported file: one starting like a formula stays text."""
    from fangyi.command.report import write_xlsx

    out = tmp_path / "daily.xlsx"
    write_xlsx({"date": "2022-04-01", "by_township": {'=HYPERLINK("http://x","石滩乡")': 3, "洣水镇": 1}}, out)
    cells = [cell for row in load_workbook(out).active.iter_rows() for cell in row]
    planted = [cell for cell in cells if "HYPERLINK" in str(cell.value)]
    assert len(planted) == 1 and planted[0].data_type == "s" and str(planted[0].value).startswith("'=")
    assert ("洣水镇", 1) in [tuple(c.value for c in row) for row in load_workbook(out).active.iter_rows()]

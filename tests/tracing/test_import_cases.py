"""`fangyi import cases`: rows checked like typed cases, loaded whole or refused with line and reason."""

from __future__ import annotations

import io

from sqlalchemy import func, select
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.tracing.importer import import_cases
from fangyi.tracing.models import Case, Contact
from tests.conftest import add_areas
from tests.tracing.world import add_person, add_stay, add_venue, at, id_number

HEADER = "case_no,id_number,classification,onset_date,sampled_at,confirmed_at,source,origin,infected_by\n"


def _file(*rows: str) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(row + "\n" for row in rows)).encode("utf-8"))


def _rows(persons):
    a, b, c = persons
    return (
        f"HD-2,{b.id_number},asymptomatic,,2022-03-31 08:00,2022-03-31 20:00,local,,HD-1",  # its source is below
        f"HD-1,{a.id_number},confirmed,2022-03-28,2022-03-29T08:00:00+08:00,2022-03-30 10:00,imported,上海,",
        f"HD-3,{id_number(77)},confirmed,2022-03-28,2022-03-29 08:00,2022-03-30 10:00,local,,",
        f"HD-4,{c.id_number},confirmed,2022-04-02,2022-03-29 08:00,2022-03-30 10:00,local,,",
    )


def _world(db):
    persons = [add_person(db, n) for n in (1, 2, 3)]
    diner = add_person(db, 4)
    restaurant = add_venue(db, "R1", "restaurant")
    add_stay(db, persons[0], restaurant, at(12), at(13))
    add_stay(db, diner, restaurant, at(12), at(13))
    return persons


def test_import_loads_good_rows_and_reports_the_rest(cast, db):
    rows = _rows(_world(db))
    report = import_cases(db, cast["tracer"], _file(*rows), filename="cases.csv")
    assert (report.rows_total, report.rows_loaded, report.rows_rejected, report.exit_code) == (4, 2, 2, 3)
    assert [(p.line, p.column) for p in report.problems] == [(4, "id_number"), (5, "onset_date")]
    assert "registry" in report.problems[0].reason
    cases = {c.case_no: c for c in db.scalars(select(Case))}
    assert set(cases) == {"HD-1", "HD-2"} and cases["HD-2"].infected_by_case_id == cases["HD-1"].id
    assert db.scalar(select(func.count()).select_from(Contact).where(Contact.case_id == cases["HD-1"].id)) == 1

    again = import_cases(db, cast["tracer"], _file(*rows), filename="cases.csv")
    assert (again.rows_loaded, again.rows_unchanged, again.rows_rejected) == (0, 2, 2)


def test_strict_import_loads_nothing_when_a_row_is_bad(cast, db):
    rows = _rows(_world(db))
    report = import_cases(db, cast["tracer"], _file(*rows), filename="cases.csv", strict=True)
    assert report.status == "rejected" and report.rows_rejected == 2
    assert db.scalar(select(func.count()).select_from(Case)) == 0
    assert db.scalar(select(func.count()).select_from(Contact)) == 0


def test_a_changed_row_updates_the_case(cast, db):
    rows = _rows(_world(db))
    import_cases(db, cast["tracer"], _file(rows[1]), filename="cases.csv")
    changed = rows[1].replace("2022-03-28", "2022-03-29")
    report = import_cases(db, cast["tracer"], _file(changed), filename="cases.csv")
    assert report.rows_loaded == 1
    assert str(db.scalar(select(Case.onset_date))) == "2022-03-29"


def test_fangyi_import_cases_on_the_command_line(committed_db, tmp_path):
    with session_scope() as session:
        add_areas(session)
        persons = [add_person(session, n) for n in (1, 2, 3)]
        path = tmp_path / "cases.csv"
        path.write_bytes(_file(*_rows(persons)).getvalue())
    result = CliRunner().invoke(app, ["import", "cases", str(path), "--json"])
    assert result.exit_code == 3, result.output
    assert '"rows_loaded": 2' in result.stdout
    traced = CliRunner().invoke(app, ["trace", "HD-2", "--json"])
    assert traced.exit_code == 0 and '"case_no": "HD-2"' in traced.stdout

"""`fangyi import rooms`: the site from its first row, one room per row, bad rows refused with reasons."""

from __future__ import annotations

import io

from sqlalchemy import func, select
from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.imports.service import run_import
from fangyi.quarantine.models import QuarantineSite, Room
from tests.conftest import add_areas

HEADER = "site_code,site_name,area_code,room,beds,address,lat,lon\n"
ROWS = (
    "GL-01,洣水宾馆,430424102001,101,1,洣水镇建设路1号,27.08,112.95",
    "GL-01,another name is ignored,430424102001,102,2,,,",
    "GL-01,洣水宾馆,430424102001,103,0,,,",  # no bed
    "GL-01,洣水宾馆,430424102001,101,1,,,",  # the same room twice
    "GL-02,城外,999999999999,1,1,,,",  # an unknown area
    "GL-03,石滩旅社,430424101001,201,two,,,",
)


def _file(*rows: str) -> io.BytesIO:
    return io.BytesIO((HEADER + "".join(row + "\n" for row in rows)).encode("utf-8"))


def test_rooms_file_creates_the_site_from_its_first_row(db, cast):
    report = run_import(db, cast["command_office"], "rooms", _file(*ROWS), filename="rooms.csv")
    assert (report.rows_total, report.rows_loaded, report.rows_rejected, report.exit_code) == (6, 2, 4, 3)
    assert [(p.line, p.column) for p in report.problems] == [(4, "beds"), (5, "room"), (6, "area_code"),
                                                             (7, "beds")]
    site = db.scalar(select(QuarantineSite).where(QuarantineSite.code == "GL-01"))
    assert (site.name, site.address, site.lat, site.lon) == ("洣水宾馆", "洣水镇建设路1号", 27.08, 112.95)
    rooms = db.execute(select(Room.room, Room.beds, Room.state).where(Room.site_id == site.id)
                       .order_by(Room.room)).all()
    assert [tuple(r) for r in rooms] == [("101", 1, "free"), ("102", 2, "free")]

    again = run_import(db, cast["command_office"], "rooms", _file(*ROWS), filename="rooms.csv")
    assert (again.rows_loaded, again.rows_unchanged) == (0, 2)


def test_a_township_cannot_add_rooms_to_another_townships_site(db, cast):
    from fangyi.access import SYSTEM
    from fangyi.accounts import service as accounts
    from tests.conftest import SHITAN

    run_import(db, cast["command_office"], "rooms", _file(ROWS[0]), filename="rooms.csv")  # GL-01, in 洣水镇
    office = accounts.create_user(db, SYSTEM, username="st-office", password="office-pass-2022",
                                  role="command_office", area_code=SHITAN)
    report = run_import(db, office, "rooms", _file("GL-01,石滩旅社,430424101001,901,1,,,"), filename="rooms.csv")
    assert [(p.line, p.column) for p in report.problems] == [(2, "site_code")]
    # Nothing of the 洣水镇 site is told: neither its area nor its name.
    assert "430424102001" not in report.problems[0].reason and "洣水宾馆" not in report.problems[0].reason
    assert db.scalar(select(func.count()).select_from(Room).where(Room.room == "901")) == 0


def test_strict_loads_nothing_and_a_site_manager_may_not_import(db, cast):
    report = run_import(db, cast["command_office"], "rooms", _file(*ROWS), filename="rooms.csv", strict=True)
    assert report.status == "rejected"
    assert db.scalar(select(func.count()).select_from(Room)) == 0
    from fangyi.errors import Forbidden
    try:
        run_import(db, cast["site_manager"], "rooms", _file(ROWS[0]), filename="rooms.csv")
    except Forbidden as exc:
        assert "rooms" in exc.detail
    else:
        raise AssertionError("a site manager imported rooms")


def test_fangyi_import_rooms_on_the_command_line(committed_db, tmp_path):
    with session_scope() as session:
        add_areas(session)
    path = tmp_path / "rooms.csv"
    path.write_bytes(_file(ROWS[0], ROWS[1]).getvalue())
    result = CliRunner().invoke(app, ["import", "rooms", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert '"rows_loaded": 2' in result.stdout
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Room)) == 2

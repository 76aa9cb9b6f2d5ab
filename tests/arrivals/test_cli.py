"""`fangyi import origin-risks FILE`, `fangyi import arrivals FILE` and `fangyi arrivals day`, from
the console: exit 0 when every row loaded, 3 when some were rejected, 2 for a date that is none."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fangyi.cli.main import app
from fangyi.db.session import session_scope
from tests.arrivals.world import number
from tests.conftest import SHIJIN, add_areas


def test_import_both_lists_and_read_the_day(committed_db, tmp_path):
    with session_scope() as db:
        add_areas(db)
    risks = tmp_path / "risks.csv"
    risks.write_text("area_code,level,from,to\n420100,medium,2022-03-01,\n", encoding="utf-8")
    arrivals = tmp_path / "arrivals.csv"
    arrivals.write_text("id_number,name,origin_code,arrived_at,staying_area_code\n"
                        f"{number(1)},返乡一,420106,2022-04-02 10:00,{SHIJIN}\n"
                        f"{number(2)},返乡二,420106,2022-04-02 10:00,999\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(app, ["import", "origin-risks", str(risks)]).exit_code == 0
    loaded = runner.invoke(app, ["import", "arrivals", str(arrivals)])
    assert loaded.exit_code == 3, loaded.output
    day = runner.invoke(app, ["arrivals", "day", "--date", "2022-04-09", "--json"])
    assert day.exit_code == 0, day.output
    due = json.loads(day.output)["due"]
    # Day 7 of cn-8's home health monitoring: the day-7 test and the two temperatures (first visit pending).
    assert sorted((d["kind"], d["label"]) for d in due) == [("first_visit", ""), ("temperature", ""), ("test", "m7")]
    assert runner.invoke(app, ["arrivals", "day", "--date", "9 April"]).exit_code == 2

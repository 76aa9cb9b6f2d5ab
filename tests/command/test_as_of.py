"""A day's figures as the records stood at a moment (`--as-of`), and a closed day shown as corrected:
a reclassification after the night's report leaves the closed report alone, shows from its moment
on, and is marked against what was reported."""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.command import closing
from fangyi.command.asof import report_as_of
from fangyi.command.report import daily
from fangyi.db.session import session_scope
from fangyi.errors import Invalid
from fangyi.timeutil import now, to_local
from fangyi.timeutil import today as local_today
from fangyi.tracing import cases
from fangyi.tracing.models import Case
from tests.command.test_epi import _outbreak
from tests.conftest import Cast, add_areas
from tests.tracing.world import add_person

DAY = date(2022, 4, 2)


def _moment() -> datetime:
    """A moment strictly between what was written before and what is written after."""
    time.sleep(0.01)
    moment = now()
    time.sleep(0.01)
    return moment


def _reclassify(db: Session, case_no: str = "E-1") -> None:
    """Through the service, as a clerk corrects it: audited with the field before and after."""
    case = db.scalar(select(Case).where(Case.case_no == case_no))
    assert case is not None
    cases.update_case(db, SYSTEM, case, replace(cases.case_fields(db, case), classification="asymptomatic"))
    db.flush()


def test_a_reclassification_after_closing_shows_as_of_its_moment_and_as_corrected(db: Session, cast: Cast) -> None:
    _outbreak(db, areas=False)
    office = cast["command_office"]
    closed, _ = closing.close_day(db, office, DAY)
    reported = dict(closed.figures)
    before = _moment()
    _reclassify(db)
    after = _moment()

    # The closed day's report is what was closed.
    assert closing.report(db, office, DAY).figures == reported
    # As of a moment before the reclassification: the old figures; after it: the change.
    old = report_as_of(db, office, DAY, before)
    assert old["cases"] == reported["cases"]
    assert (old["cases"]["confirmed"], old["cases"]["asymptomatic"]) == (31, 0)
    new = report_as_of(db, office, DAY, after)
    assert (new["cases"]["confirmed"], new["cases"]["asymptomatic"]) == (30, 1)
    assert new["cases"]["total"] == old["cases"]["total"]
    assert new["as_of"] == to_local(after).isoformat(timespec="seconds")
    # What is not rebuilt exactly says so; the cases are rebuilt (the county reads where they live).
    assert "cases" not in new["notes"] and "Not rebuilt" in new["notes"]["zones"]
    # As corrected: the figures reported, and each one that differs now marked with both values.
    shown = closing.with_corrections(db, office, DAY)
    assert shown["cases"] == reported["cases"]
    assert shown["corrections"] == {"cases": {"confirmed": {"reported": 31, "now": 30},
                                              "asymptomatic": {"reported": 0, "now": 1}}}


def test_a_case_entered_after_the_moment_does_not_count_as_of_it(db: Session) -> None:
    _outbreak(db)
    before = _moment()
    person = add_person(db, 990)
    confirmed = datetime(2022, 4, 2, 5, tzinfo=UTC)  # entered late, confirmed on the day itself
    cases.create_case(db, SYSTEM, cases.CaseFields("E-990", person.id_number, "confirmed", None,
                                                   confirmed - timedelta(hours=6), confirmed, "local"))
    db.flush()
    after = _moment()
    was, now_figures = report_as_of(db, SYSTEM, DAY, before), report_as_of(db, SYSTEM, DAY, after)
    assert now_figures["cases"]["new"] == was["cases"]["new"] + 1
    assert now_figures["cases"]["total"] == was["cases"]["total"] + 1
    assert now_figures["cases"] == daily(db, SYSTEM, DAY)["cases"]


def test_a_case_ruled_out_after_the_moment_still_counts_as_of_it(db: Session) -> None:
    _outbreak(db)
    before = _moment()
    from fangyi.tracing.review import rule_out_case

    rule_out_case(db, SYSTEM, "E-1", "lab error")
    db.flush()
    today = local_today()
    assert report_as_of(db, SYSTEM, today, before)["cases"]["total"] == daily(db, SYSTEM, today)["cases"]["total"] + 1


def test_a_moment_to_come_is_refused(db: Session) -> None:
    with pytest.raises(Invalid):
        report_as_of(db, SYSTEM, DAY, now() + timedelta(hours=1))


def test_the_api_answers_as_of_and_corrected(db: Session, cast: Cast, client: TestClient) -> None:
    _outbreak(db, areas=False)
    headers = cast.headers("commander")
    assert client.post(f"/api/v1/report/daily/{DAY.isoformat()}/close",
                       headers=cast.headers("command_office")).status_code == 201
    before = _moment()
    _reclassify(db)
    old = client.get("/api/v1/report/daily", params={"date": DAY.isoformat(), "as_of": before.isoformat()},
                     headers=headers).json()
    assert old["cases"]["asymptomatic"] == 0 and old["as_of"] and old["closed"] is None
    marked = client.get("/api/v1/report/daily", params={"date": DAY.isoformat(), "corrected": "true"},
                        headers=headers).json()
    assert marked["closed"]["by"] == "command_office" and marked["cases"]["asymptomatic"] == 0
    assert marked["corrections"]["cases"]["asymptomatic"] == {"reported": 0, "now": 1}
    refused = client.get("/api/v1/report/daily", params={"as_of": "tomorrow"}, headers=headers)
    assert refused.status_code == 422


def test_the_command_reports_as_of_a_moment_and_as_corrected(committed_db: str) -> None:
    with session_scope() as session:
        add_areas(session)
        _outbreak(session, areas=False)
        closing.close_day(session, SYSTEM, DAY)
    before = _moment()
    with session_scope() as session:
        _reclassify(session)
    runner = CliRunner()
    local = to_local(before).replace(tzinfo=None).isoformat()  # a moment without offset is local time
    old = runner.invoke(app, ["report", "daily", "--date", DAY.isoformat(), "--as-of", local, "--json"])
    assert old.exit_code == 0, old.output
    assert json.loads(old.output)["cases"]["asymptomatic"] == 0
    now_ = runner.invoke(app, ["report", "daily", "--date", DAY.isoformat(), "--as-of", now().isoformat(), "--json"])
    assert json.loads(now_.output)["cases"]["asymptomatic"] == 1
    marked = runner.invoke(app, ["report", "daily", "--date", DAY.isoformat(), "--corrected"])
    assert marked.exit_code == 0, marked.output
    assert "* 1" in marked.output and "corrected since" in marked.output
    bad = runner.invoke(app, ["report", "daily", "--as-of", "soon"])
    assert bad.exit_code == 2 and "--as-of" in bad.output

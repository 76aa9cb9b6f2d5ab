"""A closed day: its report is what was reported that night, whatever is corrected later; the
figures as they stand now are one step away, with the differences marked."""

from __future__ import annotations

import json
import threading
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.accounts import service as accounts
from fangyi.audit.models import AuditEntry
from fangyi.cli.main import app
from fangyi.command import closing
from fangyi.command.models import ClosedDay
from fangyi.command.report import daily
from fangyi.db.session import session_scope, writing
from fangyi.timeutil import today
from fangyi.tracing.models import Case
from tests.command.test_epi import _outbreak
from tests.conftest import COUNTY, Cast, add_areas

DAY = date(2022, 4, 2)


def _reclassify_one(db: Session) -> None:
    """A case confirmed on 28 March reclassified since as asymptomatic: the past day's count moves."""
    db.execute(update(Case).where(Case.case_no == "E-1").values(classification="asymptomatic"))
    db.flush()


def test_a_closed_day_keeps_its_figures_after_a_case_is_ruled_out(db: Session, cast: Cast) -> None:
    _outbreak(db, areas=False)
    office = cast["command_office"]
    closed, new = closing.close_day(db, office, DAY)
    assert new and closed.closed_by == "command_office"
    reported = daily(db, office, DAY)
    assert closed.figures == reported
    _reclassify_one(db)
    now_figures = daily(db, office, DAY)
    assert now_figures["cases"]["confirmed"] == reported["cases"]["confirmed"] - 1
    found = closing.report(db, office, DAY)
    assert found.closed is not None and found.figures == reported  # always what was closed
    changed = closing.corrections(found.figures, now_figures)
    assert changed["cases"] == {"confirmed": (31, 30), "asymptomatic": (0, 1)}
    # Another day is not closed: it is computed from the records.
    assert closing.report(db, office, DAY + timedelta(days=1)).closed is None
    entry = db.scalar(select(AuditEntry).where(AuditEntry.action == "close_day"))
    assert entry is not None and entry.after["day"] == "2022-04-02" and entry.actor == "command_office"


def test_closing_twice_answers_the_day_as_first_closed_and_the_api_says_it_is_closed(
        db: Session, cast: Cast, client: TestClient) -> None:
    _outbreak(db, areas=False)
    url = f"/api/v1/report/daily/{DAY.isoformat()}/close"
    first = client.post(url, headers=cast.headers("command_office"))
    assert first.status_code == 201, first.text
    _reclassify_one(db)
    again = client.post(url, headers=cast.headers("commander"))
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["closed"]["by"] == "command_office"
    shown = client.get("/api/v1/report/daily", params={"date": DAY.isoformat()}, headers=cast.headers("commander"))
    assert shown.json() == first.json()
    open_day = client.get("/api/v1/report/daily", params={"date": "2022-04-03"}, headers=cast.headers("commander"))
    assert open_day.json()["closed"] is None
    assert client.post(url, headers=cast.headers("tracer")).status_code == 403
    future = client.post(f"/api/v1/report/daily/{(today() + timedelta(days=1)).isoformat()}/close",
                         headers=cast.headers("command_office"))
    assert future.status_code == 422 and "not ended" in future.json()["detail"]


def test_two_clerks_closing_at_once_store_one_day(committed_db: str) -> None:
    with session_scope() as session:
        add_areas(session)
        _outbreak(session, areas=False)
        for n in range(2):
            accounts.create_user(session, SYSTEM, username=f"office-{n}", password="office-pass-2022",
                                 role="command_office", area_code=COUNTY)
    start = threading.Barrier(2)
    answers: list[tuple[str, bool] | BaseException] = []

    def close(n: int) -> None:
        try:
            with session_scope() as session:
                from fangyi.auth.acting import acting_user

                start.wait()
                writing(session)  # as the command and a request do: SQLite writers take turns
                clerk = acting_user(session, f"office-{n}")
                closed, new = closing.close_day(session, clerk, DAY)
                answers.append((closed.closed_by, new))
        except BaseException as exc:  # handed to the test
            answers.append(exc)

    threads = [threading.Thread(target=close, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(isinstance(a, tuple) for a in answers), answers
    assert sorted(new for _, new in answers) == [False, True]  # type: ignore[misc]
    assert len({by for by, _ in answers}) == 1  # type: ignore[misc]
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(ClosedDay)) == 1


def test_the_commands_close_a_day_and_report_it_as_closed(committed_db: str) -> None:
    with session_scope() as session:
        add_areas(session)
        _outbreak(session, areas=False)
        accounts.create_user(session, SYSTEM, username="office", password="office-pass-2022",
                             role="command_office", area_code=COUNTY)
        accounts.create_user(session, SYSTEM, username="tracer", password="tracer-pass-2022",
                             role="tracer", area_code=COUNTY)
    runner = CliRunner()
    refused = runner.invoke(app, ["report", "close", "--date", DAY.isoformat(), "--as", "tracer"])
    assert refused.exit_code == 2 and "may not close report" in refused.output
    done = runner.invoke(app, ["report", "close", "--date", DAY.isoformat(), "--as", "office"])
    assert done.exit_code == 0 and "closed" in done.output, done.output
    again = runner.invoke(app, ["report", "close", "--date", DAY.isoformat(), "--as", "office"])
    assert again.exit_code == 0 and "closed already" in again.output
    shown = runner.invoke(app, ["report", "daily", "--date", DAY.isoformat(), "--json"])
    assert json.loads(shown.output)["closed"]["by"] == "office"

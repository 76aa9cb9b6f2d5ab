"""The server's daily jobs: exactly one process runs a job on a day, however many claim it at once;
a failure is recorded, logged and retried; the server runs the zones' check at its time, and an
app built for tests runs nothing."""

from __future__ import annotations

import gc
import logging
import threading
import time as clock
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi import daily
from fangyi.app import create_app, serve_app
from fangyi.db.session import make_session
from fangyi.parts import Daily

CST = ZoneInfo("Asia/Shanghai")
DAY = date(2022, 4, 13)


def rows(job: str) -> list[daily.DailyRun]:
    session = make_session()
    try:
        return list(session.scalars(select(daily.DailyRun).where(daily.DailyRun.job == job)))
    finally:
        session.close()


def test_two_claimers_at_once_run_the_job_exactly_once(committed_db):
    ran: list[str] = []
    start = threading.Barrier(2)

    def work(session: Session, day: date) -> None:
        ran.append(threading.current_thread().name)
        clock.sleep(0.3)  # still running when the other claims

    job = Daily("test-job", lambda: time(23, 55), work)
    outcomes: list[str] = []

    def claimer() -> None:
        start.wait()
        outcomes.append(daily.run_once(job, DAY))

    threads = [threading.Thread(target=claimer, name=f"server-{n}") for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(outcomes) == ["done", "skipped"]
    assert len(ran) == 1
    [row] = rows("test-job")
    assert (row.day, row.state, row.attempts, row.error) == (DAY, "done", 1, None)
    # The next day is a new claim; the same day again runs nothing.
    assert daily.run_once(job, DAY) == "skipped"
    assert daily.run_once(job, date(2022, 4, 14)) == "done"
    assert len(ran) == 2


def test_a_failure_is_recorded_and_logged_and_the_day_is_retried(committed_db, caplog):
    def broken(session: Session, day: date) -> None:
        raise RuntimeError("the protocol file is unreadable")

    with caplog.at_level(logging.ERROR, logger="fangyi.daily"):
        assert daily.run_once(Daily("test-job", lambda: None, broken), DAY) == "failed"
    assert any("daily job test-job for 2022-04-13 failed" in r.getMessage() and r.exc_info for r in caplog.records)
    [row] = rows("test-job")
    assert row.state == "failed" and "the protocol file is unreadable" in (row.error or "")
    ran: list[date] = []
    assert daily.run_once(Daily("test-job", lambda: None, lambda s, d: ran.append(d)), DAY) == "done"
    [row] = rows("test-job")
    assert (row.state, row.attempts, row.error, ran) == ("done", 2, None, [DAY])


def test_a_job_is_due_from_its_local_time_and_sleeps_until_the_next():
    job = Daily("test-job", lambda: time(23, 55), lambda s, d: None)
    ready, wait = daily.due([job], datetime(2022, 4, 13, 23, 0, tzinfo=CST))
    assert (ready, wait) == ([], 55 * 60)
    ready, wait = daily.due([job], datetime(2022, 4, 13, 23, 56, tzinfo=CST))
    assert (ready, wait) == ([job], 24 * 3600 - 60)
    off = Daily("off", lambda: None, lambda s, d: None)
    assert daily.due([off], datetime(2022, 4, 13, 23, 56, tzinfo=CST)) == ([], 24 * 3600)


def test_a_mistyped_time_stops_the_server_at_start(monkeypatch):
    monkeypatch.setenv("FANGYI_ZONES_CHECK_AT", "25h")
    with pytest.raises(ValueError, match="FANGYI_ZONES_CHECK_AT"), TestClient(serve_app()):
        pass


def test_the_server_runs_the_zones_check_once_and_a_test_app_runs_nothing(committed_db, monkeypatch):
    monkeypatch.setenv("FANGYI_ZONES_CHECK_AT", "00:00")  # already past: the day's run is due at start
    with TestClient(create_app()) as client:
        assert client.get("/healthz").status_code == 200
        clock.sleep(0.5)
    assert rows("zones-check") == []
    try:
        with TestClient(serve_app()), TestClient(serve_app()):  # two servers
            deadline = clock.monotonic() + 20
            while clock.monotonic() < deadline and [r.state for r in rows("zones-check")] != ["done"]:
                clock.sleep(0.1)
    finally:
        gc.unfreeze()
    [row] = rows("zones-check")
    assert row.state == "done" and row.attempts == 1


def test_two_parts_declaring_the_same_daily_job_are_refused():
    from fangyi.parts import Part, PartError, build

    job = Daily("same", lambda: time(1, 0), lambda s, d: None)
    with pytest.raises(PartError, match="daily job 'same'"):
        build([Part(name="one", daily=(job,)), Part(name="two", daily=(job,))])

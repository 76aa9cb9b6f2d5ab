"""The check-in log has one writer at a time, and every write drops the days past retention.

Two writers at once (two imports into the log, an export and a prune...) must neither corrupt the
log nor write a stay twice: the second is refused at once, naming the first, and nothing of it is
written or recorded. A writer that died leaves no lock behind.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import threading
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from fangyi.access import SYSTEM
from fangyi.cli.main import app
from fangyi.db.session import session_scope
from fangyi.errors import Conflict
from fangyi.imports.models import ImportRun
from fangyi.registry.log import store
from fangyi.registry.log.importer import import_to_log
from tests.registry.test_checkin_log import MIDNIGHT, _stays, _write
from tests.tracing.test_trace_cli import build

TZ = ZoneInfo("Asia/Shanghai")
DAY = 86400


def _hold(log: str, ready, release) -> None:  # a writer in another process (forked)
    with store.writing(log, "fangyi checkins export"):
        ready.set()
        release.wait(60)


def _hold_forever(log: str, ready) -> None:
    with store.writing(log, "fangyi import checkins --to-log"):
        ready.set()
        threading.Event().wait(600)


def _said(result) -> str:
    return " ".join(result.output.split())  # as read: the console wraps long lines


def _checkins_file(path: Path, ids: dict[str, str], hours: range) -> Path:
    lines = ["id_number,venue_code,checked_in_at,checked_out_at"]
    for hour in hours:
        for who in ("late", "first", "second", "colleague"):
            lines.append(f"{ids[who]},R1,2022-03-29T{hour:02d}:00:00,2022-03-29T{hour:02d}:30:00")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_second_writer_is_refused_while_another_process_writes(committed_db, tmp_path: Path):
    build()
    log = tmp_path / "log"
    _write(log, [(1, 5, MIDNIGHT + 3600, None, 2)])
    context = multiprocessing.get_context("fork")
    ready, release = context.Event(), context.Event()
    writer = context.Process(target=_hold, args=(str(log), ready, release))
    writer.start()
    try:
        assert ready.wait(30)
        with pytest.raises(store.LogBusy) as caught:
            store.prune(log, date(2022, 4, 30), 1)
        assert f"fangyi checkins export (process {writer.pid} on" in caught.value.detail
        assert "nothing was written" in caught.value.detail
        runner = CliRunner()
        exported = runner.invoke(app, ["checkins", "export", "--to", str(log)])
        assert exported.exit_code == 1
        assert "is being written by fangyi checkins export" in _said(exported)
        file = _checkins_file(tmp_path / "scans.csv", {"late": "x", "first": "x", "second": "x", "colleague": "x"},
                              range(9, 10))
        imported = runner.invoke(app, ["import", "checkins", str(file), "--to-log", str(log)])
        assert imported.exit_code == 1
        assert "is being written by fangyi checkins export" in _said(imported)
        assert "Traceback" not in imported.output
        with session_scope() as db:  # refused before anything was read: no import on the record
            assert db.scalar(select(func.count()).select_from(ImportRun)) == 0
        assert store.days(log) == [date(2022, 3, 27)]  # nothing pruned, nothing written
    finally:
        release.set()
        writer.join(30)
    # The first writer is done: the next one writes.
    assert store.prune(log, date(2022, 4, 30), 1) == [date(2022, 3, 27)]


def test_a_writer_that_died_leaves_no_lock(tmp_path: Path):
    log = tmp_path / "log"
    _write(log, [(1, 5, MIDNIGHT + 3600, None, 2)])
    context = multiprocessing.get_context("fork")
    ready = context.Event()
    writer = context.Process(target=_hold_forever, args=(str(log), ready))
    writer.start()
    assert ready.wait(30)
    with pytest.raises(store.LogBusy):
        store.prune(log, date(2022, 4, 30), 1)
    assert writer.pid is not None
    os.kill(writer.pid, signal.SIGKILL)  # killed in the middle of its write
    writer.join(30)
    # Its lock file is still there, saying who wrote last, but nobody holds it.
    assert json.loads((log / store.LOCK_FILE).read_text())["pid"] == writer.pid
    assert store.prune(log, date(2022, 4, 30), 1) == [date(2022, 3, 27)]


def test_two_imports_into_one_log_at_once_write_each_stay_once(committed_db, tmp_path: Path):
    ids = build()
    log = tmp_path / "log"
    file = _checkins_file(tmp_path / "scans.csv", ids, range(6, 22))  # 64 stays
    start = threading.Barrier(2)
    outcomes: list[object] = [None, None]

    def importer(n: int) -> None:
        start.wait()
        try:
            with session_scope() as db:
                outcomes[n] = import_to_log(db, SYSTEM, file, log)
        except Conflict as exc:
            outcomes[n] = exc

    threads = [threading.Thread(target=importer, args=(n,)) for n in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    reports = [o for o in outcomes if not isinstance(o, Conflict)]
    refused = [o for o in outcomes if isinstance(o, Conflict)]
    # Either the second was refused while the first wrote, or it came after and found every stay there.
    assert reports and sorted(r.rows_loaded for r in reports) in ([64], [0, 64])  # type: ignore[union-attr]
    # The holder is named once its lock file says who it is; a second writer arriving in between
    # (the lock taken, the file not yet written) is told "another writer".
    assert all("is being written by" in exc.detail and "nothing was written" in exc.detail for exc in refused)
    stays = _stays(log)
    assert len(stays) == 64 == len(set(stays))
    assert not list(log.glob(".writing-*"))  # no half-written scratch left
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(ImportRun)) == len(reports)


def test_every_write_drops_the_days_past_retention(committed_db, tmp_path: Path, monkeypatch):
    ids = build()
    log = tmp_path / "log"
    # Days 2022-03-01, 03-12 and 03-13 in the log; cn-8 looks back 2 days, the margin is 14.
    _write(log, [(1, 5, MIDNIGHT + d * DAY, None, 2) for d in (-26, -15, -14)])
    with session_scope() as db:
        report = import_to_log(db, SYSTEM, _checkins_file(tmp_path / "scans.csv", ids, range(9, 10)), log)
    assert report.rows_loaded == 4
    # Counted back from the log's latest day, 2022-03-29: 16 days kept, from 03-13 on.
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-13", "2022-03-29"]
    assert "2 days past retention dropped (2022-03-01 to 2022-03-12)" in (report.message or "")

    # An export prunes alike; the margin comes from the setting.
    monkeypatch.setenv(store.MARGIN_SETTING, "0")
    exported = CliRunner().invoke(app, ["checkins", "export", "--since", "2022-03-27", "--to", str(log)])
    assert exported.exit_code == 0, exported.output
    assert "past retention, dropped 1 day(s): 2022-03-13" in _said(exported)
    assert [d.isoformat() for d in store.days(log)] == ["2022-03-27", "2022-03-28", "2022-03-29"]

    # "off": writes keep every day; a bad value is refused before anything is written.
    monkeypatch.setenv(store.MARGIN_SETTING, "off")
    _write(log, [(1, 5, MIDNIGHT - 40 * DAY, None, 2)])
    assert store.keep_retention(log, TZ) == []
    monkeypatch.setenv(store.MARGIN_SETTING, "two weeks")
    bad = CliRunner().invoke(app, ["checkins", "export", "--to", str(log)])
    assert bad.exit_code == 1 and "FANGYI_CHECKIN_LOG_MARGIN_DAYS='two weeks' is not a number" in _said(bad)


def test_a_stay_dated_in_the_future_does_not_empty_the_log(tmp_path: Path):
    log = tmp_path / "log"
    _write(log, [(1, 5, MIDNIGHT, None, 2), (1, 5, MIDNIGHT + 3 * DAY, None, 3)])
    _write(log, [(1, 5, MIDNIGHT + 3650 * DAY, None, 2)])  # a mistyped year
    # Counted back from today (2022-03-31 here), not from 2032: the March days stay.
    assert store.keep_retention(log, TZ, today=date(2022, 3, 31)) == []
    assert len(store.days(log)) == 3
    assert store.keep_retention(log, TZ, today=date(2022, 4, 14)) == [date(2022, 3, 27)]


def test_a_strict_import_into_the_log_writes_nothing_when_a_row_is_refused(committed_db, tmp_path: Path):
    ids = build()
    log = tmp_path / "log"
    good = _checkins_file(tmp_path / "good.csv", ids, range(9, 10))
    bad = tmp_path / "bad.csv"
    bad.write_text(good.read_text(encoding="utf-8")
                   + f"{ids['late']},R1,2022-03-30T09:00:00,2022-03-30T10:00:00\n"
                   + f"{ids['late']},R1,2022-03-30T09:00:00,2022-03-30T11:00:00\n", encoding="utf-8")
    with session_scope() as db:
        refused = import_to_log(db, SYSTEM, bad, log, strict=True)
    assert refused.rows_loaded == 0 and [p.line for p in refused.problems] == [7]
    assert _stays(log) == []
    with session_scope() as db:  # the lock went with the refused import
        report = import_to_log(db, SYSTEM, good, log, strict=True)
    assert report.rows_loaded == 4 and len(_stays(log)) == 4


def test_a_bad_margin_setting_refuses_an_import_into_the_log_before_anything_is_written(
        committed_db, tmp_path: Path, monkeypatch):
    """`fangyi import checkins --to-log` with FANGYI_CHECKIN_LOG_MARGIN_DAYS mistyped: refused with
    the reason export and prune give, before the file is read; no partition, no run recorded."""
    ids = build()
    log = tmp_path / "log"
    file = _checkins_file(tmp_path / "scans.csv", ids, range(9, 10))
    monkeypatch.setenv(store.MARGIN_SETTING, "two weeks")
    bad = CliRunner().invoke(app, ["import", "checkins", str(file), "--to-log", str(log)])
    assert bad.exit_code == 1 and "FANGYI_CHECKIN_LOG_MARGIN_DAYS='two weeks' is not a number" in _said(bad)
    assert bad.exception is None or isinstance(bad.exception, SystemExit)  # a reason, no traceback
    assert _stays(log) == [] and store.days(log) == []
    with session_scope() as db:
        assert db.scalar(select(func.count()).select_from(ImportRun)) == 0
    monkeypatch.setenv(store.MARGIN_SETTING, "-3")
    negative = CliRunner().invoke(app, ["import", "checkins", str(file), "--to-log", str(log)])
    assert negative.exit_code == 1 and "the margin cannot be negative" in _said(negative)
    assert _stays(log) == []

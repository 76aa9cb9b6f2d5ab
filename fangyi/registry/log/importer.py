"""`fangyi import checkins FILE --to-log PATH`: a check-ins file into the log instead of the table.

Rows are read and checked exactly as for the table (the same handler's short and long paths, the
same reasons); the rows kept are staged in DuckDB and merged into the log's partitions once the
file is read. A row bringing a check-out different from the one the log (or an earlier line)
holds for the stay is refused, as the table refuses it. With --strict, nothing is written when
any row is refused. The log's writer lock is held from the first row read to the last partition
written (a second writer is refused at once, before anything is read or recorded), and the days
past retention are dropped after the write.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.errors import Conflict, Invalid
from fangyi.imports.rows import Context, Handler, Problem
from fangyi.imports.service import ImportReport, run_import
from fangyi.registry.imports.load import DIFFERENT_OUT, Checkins
from fangyi.registry.log import store


class LogCheckins(Checkins):
    """The check-ins handler's row checks, writing to the log at `log` (set by for_log)."""

    log: str = ""
    dropped_days: list[date]  # the days retention dropped after the write (one list per for_log class)
    commits_batches = False
    batch_size = 100_000

    def __init__(self, ctx: Context) -> None:  # not Checkins': no writer process, no table
        Handler.__init__(self, ctx)
        self.read_registry(ctx)
        self.con = store.connect()
        store.create_stage(self.con)
        self.partitions = 0

    def flush(self) -> list[Problem]:
        if len(self.batch) and not self.dry:
            store.stage_rows(self.con, self.batch.rows())
        self.batch.clear()
        return []

    def finish(self) -> list[Problem]:
        self.flush()
        if self.dry:
            return []
        written = store.append(self.con, self.log, self.tz, write=not self.ctx.strict)
        if self.ctx.strict and written.conflicts:
            return [Problem(line, "checked_out_at", reason) for line, reason in written.conflicts]
        if self.ctx.strict:
            written = store.append(self.con, self.log, self.tz)
        self.loaded, self.unchanged, self.partitions = written.loaded, written.unchanged, written.partitions
        self.dropped_days.extend(store.keep_retention(self.log, self.tz))
        return [Problem(line, "checked_out_at", DIFFERENT_OUT) for line, _ in written.conflicts]

    def close(self) -> None:
        self.con.close()


def for_log(log: str | Path) -> type[LogCheckins]:
    return type("LogCheckins", (LogCheckins,), {"log": str(log), "dropped_days": []})


def import_to_log(session: Session, actor: Principal, source: Path, log: str | Path, *, strict: bool = False,
                  progress: Any = None) -> ImportReport:
    """A check-ins file into the log at `log`; the row report as for the table (the run recorded
    and audited in the database, of kind checkins, its message naming the log). Another writer
    holding the log: Conflict, nothing read or recorded. A bad margin setting: Invalid, likewise
    (retention is applied after the write, too late to refuse it then)."""
    try:
        store.margin_days()
    except ValueError as exc:
        raise Invalid(str(exc)) from None
    handler = for_log(log)
    try:
        with store.writing(log, "fangyi import checkins --to-log"):
            report = run_import(session, actor, "checkins", source, strict=strict, progress=progress, handler=handler)
    except store.LogBusy as exc:
        raise Conflict(exc.detail) from None
    note = f"written to the check-in log {log}"
    if handler.dropped_days:
        gone = sorted(handler.dropped_days)
        note += (f"; {len(gone)} days past retention dropped ({gone[0].isoformat()} to {gone[-1].isoformat()})"
                 if len(gone) > 1 else f"; the day {gone[0].isoformat()}, past retention, dropped")
    report.message = f"{report.message}; {note}" if report.message else note
    return report

"""`fangyi import checkins FILE --to-log PATH`: a check-ins file into the log instead of the table.

Rows are read and checked exactly as for the table (the same handler's short and long paths, the
same reasons); the rows kept are staged in DuckDB and merged into the log's partitions once the
file is read. A row bringing a check-out different from the one the log (or an earlier line)
holds for the stay is refused, as the table refuses it. With --strict, nothing is written when
any row is refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from fangyi.access import Principal
from fangyi.imports.rows import Context, Handler, Problem
from fangyi.imports.service import ImportReport, run_import
from fangyi.registry.imports.load import DIFFERENT_OUT, Checkins
from fangyi.registry.imports.writer import Batch
from fangyi.registry.log import store


class LogCheckins(Checkins):
    """The check-ins handler's row checks, writing to the log at `log` (set by for_log)."""

    log: str = ""
    commits_batches = False
    batch_size = 100_000

    def __init__(self, ctx: Context) -> None:  # not Checkins': no writer process, no table
        Handler.__init__(self, ctx)
        self.read_registry(ctx)
        self.con = store.connect()
        store.create_stage(self.con)
        self.partitions = 0

    def flush(self) -> list[Problem]:
        batch, self.batch = self.batch, Batch()
        if len(batch) and not self.dry:
            store.stage_rows(self.con, batch.rows())
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
        return [Problem(line, "checked_out_at", DIFFERENT_OUT) for line, _ in written.conflicts]

    def close(self) -> None:
        self.con.close()


def for_log(log: str | Path) -> type[LogCheckins]:
    return type("LogCheckins", (LogCheckins,), {"log": str(log)})


def import_to_log(session: Session, actor: Principal, source: Path, log: str | Path, *, strict: bool = False,
                  progress: Any = None) -> ImportReport:
    """A check-ins file into the log at `log`; the row report as for the table (the run recorded
    and audited in the database, of kind checkins, its message naming the log)."""
    report = run_import(session, actor, "checkins", source, strict=strict, progress=progress, handler=for_log(log))
    note = f"written to the check-in log {log}"
    report.message = f"{report.message}; {note}" if report.message else note
    return report

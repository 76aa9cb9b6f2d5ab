"""run_import: one file of one kind into the registry, with its row report.

Every run is recorded (ImportRun, its problems, one audit entry) whatever its
outcome. Rows are written inside a savepoint so that a strict import with a
bad row, or a file that turns out unreadable part-way, leaves no row behind;
the caller commits. A kind whose handler commits_batches (check-ins) instead
commits the run and then each batch, so that a long import lets other writers
in between; its strict import checks every row before writing the first. A
caller holding a savepoint keeps the whole import in it.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, BinaryIO

from sqlalchemy import ColumnElement, false, insert, select, true
from sqlalchemy.orm import Session

from fangyi.access import SYSTEM_ROLE, Principal, county_wide, require
from fangyi.audit import service as audit
from fangyi.config import get_settings
from fangyi.db.session import write_first
from fangyi.errors import Forbidden, Invalid, NotFound
from fangyi.identity import mask_id_number
from fangyi.imports.models import ImportProblem, ImportRun
from fangyi.imports.read import Refused, Scan, Unreadable, open_table, scan
from fangyi.imports.rows import Context, Handler, Problem, WriteFailed
from fangyi.parts import ImportKind, installed, load
from fangyi.timeutil import now

MAX_PROBLEMS = 10_000  # stored and returned; every problem is counted
PROGRESS_EVERY = 5_000

# A resident identity number (18 characters) or a P:/O: document number, wherever a reason quotes one.
IDENTITY_IN_TEXT = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|[PO]:[A-Z0-9\-]{4,30})(?![0-9A-Za-z])")


def mask_reason(reason: str) -> str:
    """The reason with every identity number masked: reports are read by more people than the file was."""
    return IDENTITY_IN_TEXT.sub(lambda found: mask_id_number(found.group(0)), reason)


def kinds() -> dict[str, ImportKind]:
    """Every kind of file the installed parts take."""
    return installed().import_kinds


def kinds_of(who: Principal) -> list[str]:
    """The kinds this principal's role may load."""
    return [kind for kind, declared in kinds().items() if who.role == SYSTEM_ROLE or who.role in declared.roles]


def visible_runs(who: Principal) -> ColumnElement[bool]:
    """Which runs a principal may read: of a kind their role imports, and their own unless they see
    the county.

    A run does not record the area its rows lay in, so a user with a smaller
    jurisdiction sees only the runs they ran themselves.
    """
    allowed = kinds_of(who)
    if not allowed:
        return false()
    whose = true() if county_wide(who) else ImportRun.actor_id == who.id
    return ImportRun.kind.in_(allowed) & whose


def can_see_run(who: Principal, run: ImportRun) -> bool:
    return run.kind in kinds_of(who) and (county_wide(who) or run.actor_id == who.id)


def recent_runs(session: Session, who: Principal, *, offset: int = 0, limit: int = 50) -> list[ImportRun]:
    """The latest runs the principal may read (visible_runs), newest first."""
    require(who, "import")
    return list(session.scalars(
        select(ImportRun).where(visible_runs(who)).order_by(ImportRun.id.desc()).offset(offset).limit(limit)
    ))


def get_run(session: Session, who: Principal, import_id: int, *,
            problems: int = MAX_PROBLEMS) -> tuple[ImportRun, list[Problem]]:
    """One run the principal may read, with its first rejected rows (reasons masked)."""
    require(who, "import")
    run = session.get(ImportRun, import_id)
    if run is None or not can_see_run(who, run):
        raise NotFound(f"import {import_id} not found")
    found = session.scalars(
        select(ImportProblem).where(ImportProblem.import_id == run.id)
        .order_by(ImportProblem.line, ImportProblem.id).limit(problems)
    ).all()
    # Masked again on the way out: runs stored before reasons were masked still hold full numbers.
    return run, [Problem(p.line, p.column, mask_reason(p.reason)) for p in found]


@dataclass
class ImportReport:
    import_id: int | None
    kind: str
    filename: str
    status: str  # done | partial | rejected | failed
    rows_total: int = 0
    rows_loaded: int = 0
    rows_unchanged: int = 0
    rows_rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    message: str | None = None

    @property
    def exit_code(self) -> int:
        """0 every row loaded, 3 some rows rejected, 1 the file could not be read."""
        if self.status == "failed":
            return 1
        return 3 if self.rows_rejected else 0

    def to_dict(self) -> dict[str, object]:
        return {
            "import_id": self.import_id,
            "kind": self.kind,
            "filename": self.filename,
            "status": self.status,
            "exit_code": self.exit_code,
            "rows_total": self.rows_total,
            "rows_loaded": self.rows_loaded,
            "rows_unchanged": self.rows_unchanged,
            "rows_rejected": self.rows_rejected,
            "ignored_columns": list(self.ignored_columns),
            "message": self.message,
            "problems": [problem.to_dict() for problem in self.problems],
        }


def check_permission(actor: Principal, kind: str) -> None:
    if kind not in kinds():
        raise Invalid(f"unknown import kind {kind!r}; one of: {', '.join(kinds())}")
    if kind not in kinds_of(actor):
        raise Forbidden(f"role {actor.role} may not import {kind}")


@contextmanager
def _seekable(source: Path | BinaryIO) -> Iterator[IO[bytes]]:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            yield fh
        return
    if source.seekable():
        source.seek(0)
        yield source
        return
    # A pipe or socket: spooled to disk, since the file is read twice (checksum, then rows).
    with tempfile.TemporaryFile() as copy:
        shutil.copyfileobj(source, copy, 1 << 20)
        copy.seek(0)
        yield copy


def run_import(
    session: Session,
    actor: Principal,
    kind: str,
    source: Path | BinaryIO,
    *,
    filename: str | None = None,
    strict: bool = False,
    progress: Callable[[int], None] | None = None,
    handler: type[Handler] | None = None,
) -> ImportReport:
    """Import one file; ``progress`` is called now and then with the bytes read so far. ``handler``
    stands in for the kind's own (the check-in log's, which checks rows alike and writes elsewhere)."""
    kind = kind.replace("-", "_")  # lab-results on the command line, lab_results in code
    check_permission(actor, kind)
    given = source.name if isinstance(source, Path) else getattr(source, "name", None)
    # A temporary file's name is its descriptor number: no name to show.
    name = Path(filename or (given if isinstance(given, str) else "") or "upload").name
    name = "".join(ch for ch in name if ch.isprintable()) or "upload"  # no NUL or control characters stored
    run = ImportRun(kind=kind, filename=name[:300], actor_id=actor.id or None, strict=strict, status="running")
    session.add(run)
    session.flush()
    report = ImportReport(run.id, kind, name, "running")
    try:
        with _seekable(source) as fh:
            info = scan(fh)
            run.sha256 = info.sha256
            _load(session, actor, run, report, fh, info, strict, progress, handler)
    except OSError as exc:
        _fail(report, f"{name} cannot be read: {exc.strerror or exc}")
    except Unreadable as exc:
        _fail(report, str(exc))
    write_first(session)  # SQLite: the audit chain is read, then written, with no writer in between
    _finish(session, actor, run, report)
    return report


def upload(
    session: Session, actor: Principal, kind: str, source: BinaryIO, *, filename: str | None, strict: bool = False,
) -> ImportReport:
    """An import sent to the API or the imports page: the import permission (whose holders the
    imports menu and the runs' reports are for), then run_import's own check of the kind.

    run_import alone asks only the kind, which a part may give any role (the command line and a
    part's own callers use it)."""
    require(actor, "import")
    return run_import(session, actor, kind, source, filename=filename, strict=strict)


def _fail(report: ImportReport, message: str) -> None:
    report.status = "failed"
    report.message = message
    report.rows_loaded = report.rows_unchanged = 0


def _load(
    session: Session,
    actor: Principal,
    run: ImportRun,
    report: ImportReport,
    fh: IO[bytes],
    info: Scan,
    strict: bool,
    progress: Callable[[int], None] | None,
    given: type[Handler] | None = None,
) -> None:
    handler_type = given or load(kinds()[report.kind].handler)
    # A handler may commit as it goes unless the caller opened a savepoint to hold the import whole.
    if not handler_type.commits_batches or session.in_nested_transaction():
        savepoint = session.begin_nested()
        try:
            handler = _rows(session, actor, run, report, fh, info, strict, progress, given=handler_type)
        except BaseException:
            savepoint.rollback()
            raise
        if strict and report.rows_rejected:
            savepoint.rollback()
        else:
            savepoint.commit()
        _outcome(report, handler, strict)
        return
    session.commit()  # the run is recorded as running, and SQLite's write lock let go
    if strict:
        # Every row is checked before the first is written: a bad one anywhere and nothing loads.
        handler = _rows(session, actor, run, report, fh, info, strict, _half(progress, 0), checking=True,
                        given=handler_type)
        session.commit()  # it wrote only its own temporary tables
        if report.rows_rejected:
            _outcome(report, handler, strict)
            return
        fh.seek(0)
        report.rows_total = 0
        progress = _half(progress, info.size)
    try:
        handler = _rows(session, actor, run, report, fh, info, strict, progress, commit=session.commit,
                        given=handler_type)
    except Unreadable as exc:
        # The batches before the fault are committed: said, and a re-run loads the rest alike.
        session.rollback()
        _fail(report, str(exc))
        report.message = f"{exc}; the rows before it were loaded (a run again after the file is mended loads the rest)"
        return
    except WriteFailed as exc:
        session.rollback()
        _fail(report, f"{exc}; the rows written before it stay (a run again loads the rest)")
        return
    if strict and report.rows_rejected:
        # Refused only when written: another writer changed a stay after the check.
        report.status = "partial"
        report.rows_loaded, report.rows_unchanged = handler.loaded, handler.unchanged
        report.message = "strict: rows were refused as they were written, after every row had passed the check; " \
                         "the rows before them were loaded"
        return
    _outcome(report, handler, strict)


def _half(progress: Callable[[int], None] | None, before: int) -> Callable[[int], None] | None:
    """Progress for one of a strict import's two passes over the file: each is half the bar."""
    if progress is None:
        return None
    return lambda done: progress((before + done) // 2)


def _rows(
    session: Session,
    actor: Principal,
    run: ImportRun,
    report: ImportReport,
    fh: IO[bytes],
    info: Scan,
    strict: bool,
    progress: Callable[[int], None] | None,
    *,
    commit: Callable[[], None] | None = None,
    checking: bool = False,
    given: type[Handler] | None = None,
) -> Handler:
    """One pass over the file's rows through the kind's handler; the report holds its problems."""
    handler_type = given or load(kinds()[report.kind].handler)
    table = open_table(fh, report.filename, info, handler_type.required, handler_type.optional)
    report.ignored_columns = table.ignored
    notes = list(table.notes)
    if table.ignored:
        notes.append(f"columns ignored: {', '.join(table.ignored)}")
    report.message = "; ".join(notes) or None
    problems: list[Problem] = []
    report.rows_rejected = 0

    def reject(problem: Problem) -> None:
        report.rows_rejected += 1
        if len(problems) < MAX_PROBLEMS:
            problem.reason = mask_reason(problem.reason)
            problems.append(problem)
        if strict and handler is not None and not handler.dry and not checking:
            handler.stop_writing()

    handler: Handler | None = None
    try:
        context = Context(session, actor, run.id, get_settings().tz, table.present, commit=commit, checking=checking,
                          strict=strict)
        handler = handler_type(context)
        total = 0
        for line, values in table.rows:
            total += 1
            if isinstance(values, Refused):
                reject(Problem(line, values.column, values.reason))
            elif (problem := handler.take(line, values)) is not None:
                reject(problem)
            if handler.late:
                for late in handler.late:
                    reject(late)
                handler.late.clear()
            if progress is not None and total % PROGRESS_EVERY == 0:
                progress(table.position())
        for late in handler.finish():
            reject(late)
        report.rows_total = total
    except BaseException as exc:
        if handler is not None:
            handler.close()
        if isinstance(exc, Unreadable):
            report.rows_total = report.rows_rejected = 0
        raise
    handler.close()
    if progress is not None:
        progress(info.size)
    problems.sort(key=lambda problem: problem.line)
    report.problems = problems
    return handler


def _outcome(report: ImportReport, handler: Handler, strict: bool) -> None:
    if strict and report.rows_rejected:
        report.status = "rejected"
        note = "strict: nothing was loaded because some rows were rejected"
        report.message = f"{note}; {report.message}" if report.message else note
    else:
        report.rows_loaded, report.rows_unchanged = handler.loaded, handler.unchanged
        report.status = "partial" if report.rows_rejected else "done"


def _finish(session: Session, actor: Principal, run: ImportRun, report: ImportReport) -> None:
    run.status = report.status
    run.rows_total = report.rows_total
    run.rows_loaded = report.rows_loaded
    run.rows_unchanged = report.rows_unchanged
    run.rows_rejected = report.rows_rejected
    run.message = report.message[:1000] if report.message else None
    run.finished_at = now()
    if report.problems:
        session.execute(
            insert(ImportProblem),
            [
                {"import_id": run.id, "line": p.line, "column": p.column and p.column[:100], "reason": p.reason[:500]}
                for p in report.problems
            ],
        )
    counts = {
        "kind": report.kind, "filename": report.filename, "status": report.status, "rows_total": report.rows_total,
        "rows_loaded": report.rows_loaded, "rows_unchanged": report.rows_unchanged,
        "rows_rejected": report.rows_rejected,
    }
    note = report.message[:500] if report.message else None
    audit.record(session, actor, "import", "import_run", run.id, after=counts, note=note)
    session.flush()

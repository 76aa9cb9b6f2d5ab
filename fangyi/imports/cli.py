"""`fangyi import KIND FILE [--strict] [--json]`: load a CSV or Excel file into the registry.

Exit status, as formats.md says: 0 every row loaded, 3 some rows were rejected
(without --strict the rest loaded), 1 the file could not be read at all (or
the import could not run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from fangyi.parts import installed

if TYPE_CHECKING:
    from fangyi.imports.service import ImportReport

# Named by formats.md for parts that are not in this version yet.
LATER_KINDS = ("arrivals", "origin-risks")
SHOWN_PROBLEMS = 50
STATUS_WORDS = {"done": "全部导入 done", "partial": "部分导入 partial", "rejected": "已拒绝 rejected",
                "failed": "无法读取 failed"}


def _kind(kind: str) -> str:
    # lab-results on the command line, lab_results in code.
    return kind.replace("-", "_")


def print_report(console: Console, report: ImportReport) -> None:
    colour = {"done": "green", "partial": "yellow"}.get(report.status, "red")
    status = STATUS_WORDS.get(report.status, report.status)
    console.print(f"[bold]{escape(report.filename)}[/] ({report.kind}): [{colour}]{status}[/]")
    if report.message:
        console.print(escape(report.message))
    if report.status == "failed":
        return
    console.print(
        f"rows {report.rows_total}: loaded {report.rows_loaded}, unchanged {report.rows_unchanged}, "
        f"rejected {report.rows_rejected}"
    )
    if not report.problems:
        return
    table = Table(title="rejected rows 被拒绝的行")
    table.add_column("line", justify="right")
    table.add_column("column")
    table.add_column("reason")
    for problem in report.problems[:SHOWN_PROBLEMS]:
        table.add_row(str(problem.line), escape(problem.column or ""), escape(problem.reason))
    console.print(table)
    if report.rows_rejected > SHOWN_PROBLEMS:
        more = report.rows_rejected - SHOWN_PROBLEMS
        console.print(f"… and {more} more rejected rows (see the import's report, id {report.import_id})")


def register(app: typer.Typer) -> None:
    @app.command("import")
    def import_cmd(
        kind: str = typer.Argument(..., help=", ".join(installed().import_kinds)),
        file: Path = typer.Argument(..., help="a CSV (UTF-8 or GB18030) or Excel .xlsx file"),
        strict: bool = typer.Option(False, "--strict", metavar="", help="load nothing if any row is bad"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print the row report as JSON"),
        user: str | None = typer.Option(None, "--user", help="attribute the import to this user (default: system)"),
        to_log: Path | None = typer.Option(None, "--to-log", help="checkins only: into the check-in log at this "
                                           "folder (docs/scale.md) instead of the table"),
    ) -> None:
        """Import a file of one kind; every rejected row is reported with its line, column and reason."""
        from sqlalchemy import select

        from fangyi.access import SYSTEM, Principal
        from fangyi.auth.models import User
        from fangyi.db.session import session_scope
        from fangyi.errors import DomainError
        from fangyi.imports.service import kinds, run_import

        err = Console(stderr=True)
        name = _kind(kind)

        def load(session: Any, actor: Principal, kind: str, path: Path, **options: Any) -> ImportReport:
            if to_log is None:
                return run_import(session, actor, kind, path, **options)
            from fangyi.registry.log.importer import import_to_log

            return import_to_log(session, actor, path, to_log, **options)

        if name not in kinds():
            if kind in LATER_KINDS:
                err.print(f"[red]importing {kind} is not available yet in this version[/]")
            else:
                err.print(f"[red]unknown kind {escape(kind)}; one of: {', '.join(kinds())}[/]")
            raise typer.Exit(1)
        if to_log is not None and name != "checkins":
            err.print("[red]--to-log takes check-ins only[/]")
            raise typer.Exit(1)
        if not file.is_file():
            err.print(f"[red]cannot read {escape(str(file))}: no such file[/]")
            raise typer.Exit(1)
        try:
            with session_scope() as session:
                actor: Principal = SYSTEM
                if user is not None:
                    found = session.scalar(select(User).where(User.username == user))
                    if found is None or not found.active:
                        err.print(f"[red]no active user {escape(user)}[/]")
                        raise typer.Exit(1)
                    actor = found
                if err.is_terminal and not as_json:
                    size = file.stat().st_size
                    with Progress(
                        TextColumn(f"{escape(file.name)}"), BarColumn(), DownloadColumn(),
                        TextColumn("{task.fields[rows]} rows"), TimeRemainingColumn(), console=err, transient=True,
                    ) as bar:
                        task = bar.add_task("import", total=size, rows="0")
                        calls = [0]

                        def advance(done: int) -> None:
                            # run_import reports every PROGRESS_EVERY rows, and once more at the end.
                            from fangyi.imports.service import PROGRESS_EVERY

                            if done < size:
                                calls[0] += 1
                            bar.update(task, completed=done, rows=f"{calls[0] * PROGRESS_EVERY:,}")

                        report = load(session, actor, name, file, strict=strict, progress=advance)
                else:
                    report = load(session, actor, name, file, strict=strict)
        except DomainError as exc:
            err.print(f"[red]{escape(exc.detail)}[/]")
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
        else:
            print_report(Console(), report)
        raise typer.Exit(report.exit_code)

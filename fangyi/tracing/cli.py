"""`fangyi trace CASE_NO [--json]`: the close and secondary close contacts of one case."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.table import Table

log = logging.getLogger("fangyi")


def _why(reason: dict[str, str]) -> str:
    if reason["kind"] == "household":
        return "同住 household"
    if reason["kind"] == "named":
        return f"病例提及 named ({reason.get('relationship', '')})"
    return f"{reason['venue_code']} {reason['from']}–{reason['to']}"


HEADER = ("身份证号 id_number", "姓名 name", "首次暴露 first", "末次暴露 last", "原因 reasons")


def _rows(items: list[dict[str, Any]], with_via: bool, shown: Callable[[str], str]) -> list[list[str]]:
    """Each contact as whole values: identity numbers (masked as `shown` says) and times are never
    cut, whatever the width."""
    rows = []
    for item in items:
        row = [shown(str(item["id_number"])), str(item["name"]), str(item["first_exposure"]),
               str(item["last_exposure"]), "; ".join(_why(r) for r in item["reasons"])]
        if with_via:
            row.append(", ".join(shown(str(v)) for v in item["via"]))
        rows.append(row)
    return rows


def _table(title: str, header: list[str], rows: list[list[str]]) -> Table:
    table = Table(title=title)
    for name in header:
        # Folded onto a second line when narrow, never cut with an ellipsis.
        table.add_column(name, overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def _tsv(line: list[str]) -> str:
    return "\t".join(value.replace("\t", " ").replace("\n", " ") for value in line)


def _batch(cases_file: Path | None, log_path: Path | None, out: Path | None, engine: str, master: str | None,
           at: str | None, work: Path | None) -> None:
    """`fangyi trace batch`: exits 0 every case traced, 3 some refused (listed), 1 failure."""
    from rich.markup import escape
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    errors = Console(stderr=True)

    def fail(message: str) -> None:
        errors.print(f"[red]{escape(message)}[/]")
        raise typer.Exit(1)

    if cases_file is None or not cases_file.is_file():
        fail(f"trace batch needs a cases file: {cases_file or '(none given)'} cannot be read")
    if out is None or log_path is None:
        fail("trace batch needs --log (the check-in log's folder) and --out (the contacts file)")
    if engine not in ("duckdb", "spark"):
        fail(f"--engine {engine}: one of duckdb, spark")
    moment: int | None = None
    if at is not None:
        from fangyi.config import get_settings
        from fangyi.registry.fields import parse_time
        from fangyi.registry.persons import FieldError

        try:
            moment = parse_time({"at": at}, "at", get_settings().tz, required=True)
        except FieldError as exc:
            fail(f"--at: {exc.reason}")
    if engine == "spark":
        from fangyi.tracing.batch.engines import spark_available

        if (missing := spark_available()) is not None:
            fail(f"--engine spark: {missing}")
    from fangyi.tracing.batch.command import trace_batch

    assert cases_file is not None and out is not None and log_path is not None
    try:
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=errors,
                      transient=True, disable=not errors.is_terminal) as bar:
            task = bar.add_task(f"trace batch ({engine})")
            outcome = trace_batch(cases_file, log_path, out, engine=engine, master=master, at=moment, work=work,
                                  step=lambda name: bar.update(task, description=f"trace batch ({engine}): {name}"))
    except typer.Exit:
        raise
    except Exception as exc:  # the contract: any other failure exits 1 with a reason
        log.debug("trace batch failed", exc_info=True)
        fail(f"trace batch failed: {exc}")
    console = Console()
    console.print(f"{outcome.cases} case(s) traced, {outcome.contacts:,} contacts written to {escape(str(out))}")
    for line, column, reason in outcome.problems:
        console.print(f"line {line} ({column}): {escape(reason)}")
    if outcome.problems:
        raise typer.Exit(3)


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace(
        case_no: str = typer.Argument(..., help="the case number, e.g. HD-2022-001; or `batch` (below)"),
        cases_file: Path | None = typer.Argument(None, metavar="[CASES]", help="with `batch`: a cases file "
                                                 "(CSV or Excel, a case_no column)"),
        engine: str = typer.Option("duckdb", "--engine", help="with `batch`: duckdb (embedded) or spark"),
        master: str | None = typer.Option(None, "--master", help="with `batch --engine spark`: the Spark master "
                                          "URL (default local[2])"),
        out: Path | None = typer.Option(None, "--out", help="with `batch`: the contacts file to write (CSV)"),
        log_path: Path | None = typer.Option(None, "--log", help="with `batch`: the check-in log's folder"),
        at: str | None = typer.Option(None, "--at", help="with `batch`: trace as of this moment (default now)"),
        work: Path | None = typer.Option(None, "--work", help="with `batch`: a folder for the engine's working "
                                         "files (on a cluster: storage every worker reads)"),
        as_json: bool = typer.Option(False, "--json", metavar="",
                                     help="print JSON (formats.md), whole numbers for scripts"),
        unmasked: bool = typer.Option(False, "--unmasked", metavar="", help="whole identity numbers in the table "
                                      "(on the audit trail, as a page's reveal)"),
    ) -> None:
        """Close and secondary close contacts of one case, derived afresh from the records.

        `fangyi trace batch CASES --log PATH --out FILE [--engine duckdb|spark] [--master URL]`
        traces every case of the file over the check-in log at once, and writes the contacts for
        `fangyi import contacts` (docs/scale.md).

        Exit status: 0 found, 2 no such case, 1 any other failure (batch: 3 when some cases were
        not traced).
        """
        if case_no == "batch":
            _batch(cases_file, log_path, out, engine, master, at, work)
            return
        if cases_file is not None or out is not None or log_path is not None:
            Console(stderr=True).print("[red]a cases file, --log and --out go with `fangyi trace batch`[/]")
            raise typer.Exit(1)
        # Imported here, not at start-up: `fangyi --help` and the other commands do without them.
        from fangyi.access import SYSTEM
        from fangyi.audit import service as audit
        from fangyi.db.session import session_scope
        from fangyi.errors import NotFound
        from fangyi.identity import mask_id_number
        from fangyi.tracing.cases import get_case
        from fangyi.tracing.contacts import refresh
        from fangyi.tracing.trace import trace_report, write_report

        errors = Console(stderr=True)
        try:
            with session_scope() as session:
                case = get_case(session, SYSTEM, case_no)
                # Check-ins may have arrived since the case was entered: derive again first (a
                # ruled-out case keeps its contacts as they were).
                if case.ruled_out_at is None:
                    refresh(session, SYSTEM, case)
                if as_json or unmasked:  # whole numbers leave the database: on the record
                    audit.record(session, SYSTEM, "view_identity", "case", case.id,
                                 note="fangyi trace --json" if as_json else "fangyi trace --unmasked")
                if as_json:
                    # The derivation and the audit row committed first: a slow reader of the stream
                    # holds no write lock, and a pipe closed early undoes nothing already shown.
                    session.commit()
                    # Streamed a batch of contacts at a time: a heavy case's list is never held whole.
                    write_report(session, case, sys.stdout)
                    sys.stdout.write("\n")
                    return
                result = trace_report(session, case)
        except NotFound as exc:
            errors.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None
        except Exception as exc:  # the contract: any other failure exits 1 with a reason
            log.debug("trace failed", exc_info=True)
            errors.print(f"[red]trace failed: {exc}[/]")
            raise typer.Exit(1) from None
        console = Console()
        window = result["window"]
        shown: Callable[[str], str] = (lambda number: number) if unmasked else mask_id_number
        lists = [("close", "密切接触者 close contacts", result["close_contacts"], False),
                 ("secondary", "密接的密接 secondary close contacts", result["secondary_contacts"], True)]
        if not console.is_terminal:
            # Piped: plain tab-separated lines, one section per list, for cut, awk or a spreadsheet.
            print(_tsv(["case_no", result["case_no"], "protocol", result["protocol"], "window", window["from"],
                        window["to"]]))
            for key, _, items, with_via in lists:
                print(f"# {key}_contacts\t{len(items)}")
                print(_tsv([*HEADER, *(["经由 via"] if with_via else [])]))
                for row in _rows(items, with_via, shown):
                    print(_tsv(row))
            return
        console.print(f"[bold]{result['case_no']}[/] ({result['protocol']}) 暴露窗口 window "
                      f"{window['from']} → {window['to']}")
        for _, title, items, with_via in lists:
            header = [*HEADER, *(["经由 via"] if with_via else [])]
            console.print(_table(f"{title}: {len(items)}", header, _rows(items, with_via, shown)))

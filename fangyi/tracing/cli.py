"""`fangyi trace CASE_NO [--json]`: the close and secondary close contacts of one case."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
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


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace(
        case_no: str = typer.Argument(..., help="the case number, e.g. HD-2022-001"),
        as_json: bool = typer.Option(False, "--json", metavar="",
                                     help="print JSON (formats.md), whole numbers for scripts"),
        unmasked: bool = typer.Option(False, "--unmasked", metavar="", help="whole identity numbers in the table "
                                      "(on the audit trail, as a page's reveal)"),
    ) -> None:
        """Close and secondary close contacts of one case, derived afresh from the records.

        Exit status: 0 found, 2 no such case, 1 any other failure.
        """
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

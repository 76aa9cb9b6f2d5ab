"""`fangyi trace CASE_NO [--json]`: the close and secondary close contacts of one case."""

from __future__ import annotations

import json
import logging

import typer
from rich.console import Console
from rich.table import Table

from fangyi.access import SYSTEM
from fangyi.db.session import session_scope
from fangyi.errors import NotFound
from fangyi.tracing.cases import get_case
from fangyi.tracing.contacts import refresh
from fangyi.tracing.trace import trace_report

log = logging.getLogger("fangyi")


def _why(reason: dict[str, str]) -> str:
    if reason["kind"] == "household":
        return "同住 household"
    if reason["kind"] == "named":
        return f"病例提及 named ({reason.get('relationship', '')})"
    return f"{reason['venue_code']} {reason['from'][5:16]}–{reason['to'][11:16]}"


def _table(title: str, items: list[dict[str, object]], with_via: bool) -> Table:
    table = Table(title=title)
    for name in ("身份证号 id_number", "姓名 name", "首次暴露 first", "末次暴露 last", "原因 reasons"):
        table.add_column(name)
    if with_via:
        table.add_column("经由 via")
    for item in items:
        reasons = item["reasons"]
        assert isinstance(reasons, list)
        why = "; ".join(_why(r) for r in reasons)
        row = [str(item["id_number"]), str(item["name"]), str(item["first_exposure"])[:16],
               str(item["last_exposure"])[:16], why]
        if with_via:
            via = item["via"]
            assert isinstance(via, list)
            row.append(", ".join(via))
        table.add_row(*row)
    return table


def register(app: typer.Typer) -> None:
    @app.command("trace")
    def trace(
        case_no: str = typer.Argument(..., help="the case number, e.g. HD-2022-001"),
        as_json: bool = typer.Option(False, "--json", help="print JSON (formats.md)"),
    ) -> None:
        """Close and secondary close contacts of one case, derived afresh from the records.

        Exit status: 0 found, 2 no such case, 1 any other failure.
        """
        errors = Console(stderr=True)
        try:
            with session_scope() as session:
                case = get_case(session, SYSTEM, case_no)
                # Check-ins may have arrived since the case was entered: derive again first (a
                # ruled-out case keeps its contacts as they were).
                if case.ruled_out_at is None:
                    refresh(session, SYSTEM, case)
                result = trace_report(session, case)
        except NotFound as exc:
            errors.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None
        except Exception as exc:  # the contract: any other failure exits 1 with a reason
            log.debug("trace failed", exc_info=True)
            errors.print(f"[red]trace failed: {exc}[/]")
            raise typer.Exit(1) from None
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return
        console = Console()
        window = result["window"]
        console.print(f"[bold]{result['case_no']}[/] ({result['protocol']}) 暴露窗口 window "
                      f"{window['from']} → {window['to']}")
        console.print(_table(f"密切接触者 close contacts: {len(result['close_contacts'])}",
                             result["close_contacts"], False))
        console.print(_table(f"密接的密接 secondary close contacts: {len(result['secondary_contacts'])}",
                             result["secondary_contacts"], True))

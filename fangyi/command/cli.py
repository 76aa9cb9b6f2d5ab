"""`fangyi report daily`: the command office's figures for a day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fangyi.access import SYSTEM
from fangyi.command.report import SECTION_NAMES, daily, write_xlsx
from fangyi.db.session import session_scope
from fangyi.errors import Invalid
from fangyi.timeutil import today


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Reports.", no_args_is_help=True)

    @group.command("daily")
    def daily_cmd(
        day: str | None = typer.Option(None, "--date", help="local date YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
        xlsx: Path | None = typer.Option(None, "--xlsx", help="write an Excel file"),
    ) -> None:
        """Each figure as of the end of that day; registry figures are current totals."""
        if as_json and xlsx:
            Console(stderr=True).print("[red]--json and --xlsx cannot be used together[/]")
            raise typer.Exit(2)
        try:
            when = date.fromisoformat(day) if day else today()
        except ValueError:
            Console(stderr=True).print(f"[red]--date {day!r} is not a date (YYYY-MM-DD)[/]")
            raise typer.Exit(2) from None
        try:
            with session_scope() as session:
                result = daily(session, SYSTEM, when)
        except Invalid as exc:
            Console(stderr=True).print(f"[red]--date: {exc.detail}[/]")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        elif xlsx:
            write_xlsx(result, xlsx)
            Console(stderr=True).print(f"[green]written[/] {xlsx}")
        else:
            console = Console()
            console.print(f"[bold]日报 daily report {result['date']}[/]")
            for key, values in result.items():
                if key == "date":
                    continue
                table = Table(title=SECTION_NAMES.get(key, key))
                table.add_column("figure")
                table.add_column("value", justify="right")
                for name, value in values.items():
                    table.add_row(name, str(value))
                console.print(table)

    app.add_typer(group, name="report")

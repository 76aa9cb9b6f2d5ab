"""`fangyi report daily`: the command office's figures for a day."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Reports.", no_args_is_help=True)

    @group.command("daily")
    def daily_cmd(
        day: str | None = typer.Option(None, "--date", help="local date YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
        xlsx: Path | None = typer.Option(None, "--xlsx", help="write an Excel file"),
    ) -> None:
        """Each figure as of the end of that day; registry figures are current totals."""
        from fangyi.access import SYSTEM
        from fangyi.command import closing
        from fangyi.command.report import SECTION_NAMES, write_xlsx
        from fangyi.db.session import session_scope
        from fangyi.errors import Invalid
        from fangyi.timeutil import today

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
                result = closing.as_json(closing.report(session, SYSTEM, when))
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
            if closed := result.get("closed"):
                console.print(f"已关账 closed by {closed['by']} at {closed['at']}: the figures as reported")
            for key, values in result.items():
                if key in ("date", "closed"):
                    continue
                table = Table(title=SECTION_NAMES.get(key, key))
                table.add_column("figure")
                table.add_column("value", justify="right")
                for name, value in values.items():
                    table.add_row(name, str(value))
                console.print(table)

    @group.command("close")
    def close_cmd(
        day: str = typer.Option(..., "--date", help="the local date to close, YYYY-MM-DD"),
        username: str = typer.Option(..., "--as", help="the user closing it (command office)"),
    ) -> None:
        """Store the night's figures of a day as reported; from then on its report is what was closed."""
        from fangyi.auth.acting import acting_user
        from fangyi.command import closing
        from fangyi.db.session import session_scope, writing
        from fangyi.errors import DomainError
        from fangyi.timeutil import to_local

        try:
            when = date.fromisoformat(day)
        except ValueError:
            Console(stderr=True).print(f"[red]--date {day!r} is not a date (YYYY-MM-DD)[/]")
            raise typer.Exit(2) from None
        try:
            with session_scope() as session:
                writing(session)  # SQLite: hold the write lock from the start (other writers take turns)
                closed, new = closing.close_day(session, acting_user(session, username), when)
                by, at = closed.closed_by, to_local(closed.closed_at).isoformat(timespec="seconds")
        except DomainError as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None
        if new:
            Console().print(f"[green]closed[/] {when.isoformat()} by {by} at {at}")
        else:
            Console().print(f"{when.isoformat()} was closed already, by {by} at {at}: unchanged")

    app.add_typer(group, name="report")
    _register_epi(app)


def _register_epi(app: typer.Typer) -> None:
    group = typer.Typer(help="Epidemic analytics: the curve and Rt.", no_args_is_help=True)

    @group.command("curve")
    def curve_cmd(as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON")) -> None:
        """Cases a day by onset and by confirmation, local and imported."""
        from fangyi.access import SYSTEM
        from fangyi.command import epi
        from fangyi.db.session import session_scope

        with session_scope() as session:
            days = epi.curve(session, SYSTEM)
        if as_json:
            print(json.dumps(days, ensure_ascii=False, indent=2))
            return
        table = Table(title="流行曲线 epidemic curve")
        for column in ("date", "onset_local", "onset_imported", "confirmed_local", "confirmed_imported"):
            table.add_column(column, justify="right")
        for day in days:
            if any(day[key] for key in day if key != "date"):
                table.add_row(*(str(value) for value in day.values()))
        Console().print(table)

    @group.command("rt")
    def rt_cmd(
        by: str = typer.Option("confirmation", "--by", help="confirmation (the only basis built so far)"),
        window: int | None = typer.Option(None, "--window", min=1, max=60, help="days (default: the edition's)"),
        si_mean: float | None = typer.Option(None, "--si-mean", help="serial interval mean, days"),
        si_sd: float | None = typer.Option(None, "--si-sd", help="serial interval sd, days"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
    ) -> None:
        """Rt by Cori et al. (2013) as EpiEstim computes it, each day's window ending on that day."""
        from fangyi.access import SYSTEM
        from fangyi.command import epi
        from fangyi.db.session import session_scope
        from fangyi.errors import Invalid

        if by != "confirmation":
            Console(stderr=True).print(f"[red]--by {by}: only 'confirmation' is built; estimating by date "
                                       "of infection is not[/]")
            raise typer.Exit(2)
        try:
            with session_scope() as session:
                days = epi.rt(session, SYSTEM, window=window, si_mean=si_mean, si_sd=si_sd)
        except Invalid as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(days, ensure_ascii=False, indent=2))
            return
        table = Table(title="Rt (Cori)")
        for column in ("date", "mean", "lower", "upper", "cases_in_window"):
            table.add_column(column, justify="right")
        for day in days:
            table.add_row(day["date"], f"{day['mean']:.2f}", f"{day['lower']:.2f}", f"{day['upper']:.2f}",
                          str(day["cases_in_window"]))
        Console().print(table)

    app.add_typer(group, name="epi")

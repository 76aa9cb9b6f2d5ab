"""`fangyi report daily`: the command office's figures for a day."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from fangyi.cli_options import day_of, day_option


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Reports.", no_args_is_help=True)

    @group.command("daily")
    def daily_cmd(
        day: str | None = typer.Option(None, "--date", help="local date YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
        xlsx: Path | None = typer.Option(None, "--xlsx", help="write an Excel file"),
        pdf: Path | None = typer.Option(None, "--pdf", help="write a printable PDF, in Chinese"),
        as_of: str | None = typer.Option(None, "--as-of", metavar="MOMENT",
                                         help="as the records stood then (ISO time; local without an offset)"),
        corrected: bool = typer.Option(False, "--corrected", help="a closed day: mark each figure corrected since"),
    ) -> None:
        """Each figure as of the end of that day; registry figures are current totals. A closed day
        answers what was closed; --as-of recomputes the day as the records stood at that moment."""
        from fangyi.access import SYSTEM
        from fangyi.command import closing
        from fangyi.command.asof import report_as_of
        from fangyi.command.report import NOT_FIGURES, SECTION_NAMES, jurisdiction_name, write_xlsx
        from fangyi.db.session import session_scope
        from fangyi.errors import Invalid
        from fangyi.timeutil import parse_instant, today

        if as_of and corrected:
            Console(stderr=True).print("[red]--as-of and --corrected cannot be used together[/]")
            raise typer.Exit(2)
        if sum(bool(x) for x in (as_json, xlsx, pdf)) > 1:
            Console(stderr=True).print("[red]--json, --xlsx and --pdf cannot be used together[/]")
            raise typer.Exit(2)
        when = day_option(day) or today()
        try:
            moment = parse_instant(as_of) if as_of else None
        except ValueError:
            Console(stderr=True).print(f"[red]--as-of {as_of!r} is not a moment (YYYY-MM-DDTHH:MM[:SS][+08:00])[/]")
            raise typer.Exit(2) from None
        try:
            with session_scope() as session:
                if moment is not None:
                    result = report_as_of(session, SYSTEM, when, moment)
                elif corrected:
                    result = closing.with_corrections(session, SYSTEM, when)
                else:
                    result = closing.as_json(closing.report(session, SYSTEM, when))
                county = jurisdiction_name(session, SYSTEM) if pdf else ""
        except Invalid as exc:
            option = str(exc.extra.get("column") or "date").replace("_", "-")
            Console(stderr=True).print(f"[red]--{option}: {exc.detail}[/]")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
        elif xlsx:
            write_xlsx(result, xlsx)
            Console(stderr=True).print(f"[green]written[/] {xlsx}")
        elif pdf:
            from fangyi.command.pdf import write_pdf

            write_pdf(result, pdf, county)
            Console(stderr=True).print(f"[green]written[/] {pdf}")
        else:
            console = Console()
            console.print(f"[bold]日报 daily report {result['date']}[/]")
            if closed := result.get("closed"):
                console.print(f"已关账 closed by {closed['by']} at {closed['at']}: the figures as reported")
            if moment_shown := result.get("as_of"):
                console.print(f"截至 as of {moment_shown}: the records as they stood then")
            notes, changed = result.get("notes") or {}, result.get("corrections")
            for key, values in result.items():
                if key in NOT_FIGURES:
                    continue
                table = Table(title=SECTION_NAMES.get(key, key),
                              caption=f"※ {notes[key]}" if key in notes else None)
                table.add_column("figure")
                table.add_column("value", justify="right")
                if changed is not None:
                    table.add_column("更正 corrected", justify="right")
                for name, value in values.items():
                    row = [name, str(value)]
                    if changed is not None:
                        fix = (changed.get(key) or {}).get(name)
                        row.append(f"* {fix['now']}" if fix else "")
                    table.add_row(*row)
                console.print(table)
            if changed:
                console.print("* 已更正：现值与上报值不同 corrected since: the value now differs from the one reported")

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

        when = day_of(day)
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
    group = typer.Typer(help="Epidemic analytics: the curve, Rt and growth.", no_args_is_help=True)

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
        by: str = typer.Option("confirmation", "--by", help="confirmation, or infection (estimated back)"),
        window: int | None = typer.Option(None, "--window", min=1, max=60, help="days (default: the edition's)"),
        si_mean: float | None = typer.Option(None, "--si-mean", help="serial interval mean, days"),
        si_sd: float | None = typer.Option(None, "--si-sd", help="serial interval sd, days"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
    ) -> None:
        """Rt by Cori et al. (2013) as EpiEstim computes it, each day's window ending on that day; by
        infection: over infections estimated back from the confirmations, the last days left out."""
        from fangyi.access import SYSTEM
        from fangyi.command import epi
        from fangyi.db.session import session_scope
        from fangyi.errors import Invalid

        try:
            with session_scope() as session:
                days = epi.rt(session, SYSTEM, by=by, window=window, si_mean=si_mean, si_sd=si_sd)
        except Invalid as exc:
            Console(stderr=True).print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None
        if as_json:
            print(json.dumps(days, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"Rt (Cori), by {by}")
        for column in ("date", "mean", "lower", "upper", "cases_in_window"):
            table.add_column(column, justify="right")
        for day in days:
            table.add_row(day["date"], f"{day['mean']:.2f}", f"{day['lower']:.2f}", f"{day['upper']:.2f}",
                          str(day["cases_in_window"]))
        Console().print(table)

    @group.command("growth")
    def growth_cmd(
        day: str | None = typer.Option(None, "--date", help="the week's last local day, YYYY-MM-DD (default today)"),
        as_json: bool = typer.Option(False, "--json", metavar="", help="print JSON"),
    ) -> None:
        """The week's local cases against the week before: growth rate, doubling or halving time,
        and the share of the week's cases already under control when found."""
        from fangyi.access import SYSTEM
        from fangyi.command import growth
        from fangyi.db.session import session_scope

        until = day_option(day)
        with session_scope() as session:
            result = growth.growth(session, SYSTEM, until=until)
        if as_json:
            print(json.dumps(result, ensure_ascii=False, indent=2))
            return
        table = Table(title=f"增长 growth, 7 days to {result['date']}")
        table.add_column("figure")
        table.add_column("value", justify="right")
        for key, value in result.items():
            if key != "date":
                table.add_row(key, "–" if value is None else str(value))
        Console().print(table)

    app.add_typer(group, name="epi")

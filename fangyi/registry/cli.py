"""`fangyi checkins export|prune`: the check-in log of Parquet files, for a city (registry/log)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from fangyi.cli_options import day_option


def _dropped(days: list[date]) -> str:
    if not days:
        return ""
    return f"; past retention, dropped {len(days)} day(s): {days[0].isoformat()} … {days[-1].isoformat()}"


def _margin(err: Console) -> int | None:
    from fangyi.registry.log import store

    try:
        return store.margin_days()
    except ValueError as exc:
        err.print(f"[red]{escape(str(exc))}[/]")
        raise typer.Exit(1) from None


def register(app: typer.Typer) -> None:
    checkins = typer.Typer(help="The check-in log: Parquet files by local day and venue (docs/scale.md).",
                           no_args_is_help=True)
    app.add_typer(checkins, name="checkins")

    @checkins.command("export")
    def export(
        to: Path = typer.Option(..., "--to", help="the log's folder (created if absent)"),
        since: str | None = typer.Option(None, "--since", help="local day D (YYYY-MM-DD): check-ins from D on; "
                                         "default all"),
    ) -> None:
        """Write the database's check-ins into the log (a stay already there is not written twice)."""
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from fangyi.config import get_settings
        from fangyi.db.session import session_scope
        from fangyi.registry.log import store

        first = day_option(since, "--since", code=1)
        err = Console(stderr=True)
        _margin(err)
        try:
            with session_scope() as session, Progress(
                    TextColumn("export"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=err,
                    transient=True, disable=not err.is_terminal) as bar:
                task = bar.add_task("export", total=None)
                written = store.export(session, to, get_settings().tz, since=first,
                                       progress=lambda done, total: bar.update(task, completed=done, total=total))
        except store.LogBusy as exc:
            err.print(f"[red]{escape(exc.detail)}[/]")
            raise typer.Exit(1) from None
        Console().print(f"check-ins to {escape(str(to))}: new {written.loaded:,}, already there "
                        f"{written.unchanged:,}, refused {len(written.conflicts):,}; partitions written "
                        f"{written.partitions:,}" + _dropped(written.dropped))
        if written.conflicts:
            raise typer.Exit(3)

    @checkins.command("prune")
    def prune(
        log: Path = typer.Option(..., "--log", help="the log's folder"),
        margin: int | None = typer.Option(None, "--margin", min=0, help="days kept beyond the edition's look-back "
                                          "(default FANGYI_CHECKIN_LOG_MARGIN_DAYS, else 14)"),
        today: str | None = typer.Option(None, "--today", help="count back from this local day (default today)"),
    ) -> None:
        """Drop the log's whole days older than the edition's look-back plus the margin."""
        from datetime import datetime

        from fangyi.config import get_settings
        from fangyi.protocols.reader import current
        from fangyi.registry.log import store

        settings = get_settings()
        day = day_option(today, "--today", code=1) or datetime.now(settings.tz).date()
        if margin is None:
            margin = _margin(Console(stderr=True))
        keep = store.retention_days(current().contacts.lookback_days,
                                    store.RETENTION_MARGIN_DAYS if margin is None else margin)
        try:
            dropped = store.prune(log, day, keep)
        except store.LogBusy as exc:
            Console(stderr=True).print(f"[red]{escape(exc.detail)}[/]")
            raise typer.Exit(1) from None
        Console().print(f"kept {keep} days back from {day.isoformat()}; dropped {len(dropped)} day(s)"
                        + (f": {dropped[0].isoformat()} … {dropped[-1].isoformat()}" if dropped else ""))

"""Options the parts' commands share, read the same way everywhere: a day given as YYYY-MM-DD. Outside
fangyi.cli, which assembles the parts' commands: the parts import this."""

from __future__ import annotations

from datetime import date
from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

EARLIEST, LATEST = 1900, 9000  # a year outside these is a typo, and some dates past them break the databases


def day_option(text: str | None, option: str = "--date", *, code: int = 2) -> date | None:
    """The option's day, None when it was not given (see `day_of`)."""
    return None if text is None else day_of(text, option, code=code)


def day_of(text: str, option: str = "--date", *, code: int = 2) -> date:
    """The option's day; a reason on stderr and exit `code` when it is not a date, or not a
    plausible one."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        _refuse(f"{option} {escape(repr(text))} is not a date (YYYY-MM-DD)", code)
    if not EARLIEST <= day.year <= LATEST:
        _refuse(f"{option} {escape(text)} is out of range ({EARLIEST}-{LATEST})", code)
    return day


def _refuse(reason: str, code: int) -> NoReturn:
    Console(stderr=True).print(f"[red]{reason}[/]")
    raise typer.Exit(code)

"""`--as USER` on the command line: the active user a command acts as (its checks and audit)."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from sqlalchemy import select
from sqlalchemy.orm import Session

from fangyi.auth.models import User


def acting_user(session: Session, username: str) -> User:
    found = session.scalar(select(User).where(User.username == username))
    if found is None or not found.active:
        Console(stderr=True).print(f"[red]no active user {escape(username)}[/]")
        raise typer.Exit(1)
    return found

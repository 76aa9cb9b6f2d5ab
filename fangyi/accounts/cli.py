"""`fangyi user`: accounts and API tokens, for an administrator at the console."""

from __future__ import annotations

import getpass

import typer
from rich.console import Console
from sqlalchemy import select

from fangyi.access import SYSTEM
from fangyi.accounts import service
from fangyi.auth.models import User
from fangyi.db.session import session_scope
from fangyi.errors import DomainError


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
    console = Console(stderr=True)

    @group.command("create")
    def create(
        username: str,
        role: str = typer.Option(..., help="commander, command_office, tracer, sampler, lab, site_manager, "
                                           "dispatcher, driver, village_doctor, checkpoint, admin"),
        area: str = typer.Option(..., help="jurisdiction: an area code"),
        name: str | None = typer.Option(None, help="display name"),
        password: str | None = typer.Option(None, help="omit to be asked"),
    ) -> None:
        """Create a user with a role and a jurisdiction."""
        secret = password or getpass.getpass("password: ")
        try:
            with session_scope() as session:
                user = service.create_user(
                    session, SYSTEM, username=username, password=secret, role=role, area_code=area,
                    display_name=name,
                )
                console.print(f"[green]created[/] {user.username} ({user.role}, {user.area_code})")
        except DomainError as exc:
            console.print(f"[red]{exc.detail}[/]")
            raise typer.Exit(2) from None

    @group.command("token")
    def token(username: str, name: str = typer.Option("cli", help="what the token is for")) -> None:
        """Issue an API token for a user; it is shown once."""
        with session_scope() as session:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                console.print(f"[red]no user {username}[/]")
                raise typer.Exit(2)
            print(service.issue_token(session, SYSTEM, user, name))

    app.add_typer(group, name="user")

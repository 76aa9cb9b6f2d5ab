"""`fangyi db`: the schema, by Alembic migrations."""

from __future__ import annotations

import typer
from alembic import command
from rich.console import Console

from fangyi.config import get_settings
from fangyi.db import roles
from fangyi.db.migrate import alembic_config, upgrade
from fangyi.db.session import get_engine


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)

    @group.command("upgrade")
    def upgrade_cmd(revision: str = typer.Argument("heads")) -> None:
        """Bring the configured database's schema up to date."""
        upgrade(revision)
        Console(stderr=True).print(f"[green]schema at {revision}[/] ({_safe_url()})")

    @group.command("current")
    def current_cmd() -> None:
        """Show the schema revision of the configured database."""
        command.current(alembic_config(get_settings().database_url))

    @group.command("grant")
    def grant_cmd(role: str = typer.Argument(..., help="the role the server connects as (it must exist)"),
                  show: bool = typer.Option(False, "--show", help="print the statements instead of running them"),
                  ) -> None:
        """Give the server's role its rights on PostgreSQL: everything, but only adding to the audit trail.
        Run as the database owner (the role that ran `fangyi db upgrade`)."""
        err = Console(stderr=True)
        try:
            statements = roles.grants(role)
        except ValueError as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from None
        if show:
            print(";\n".join(statements) + ";")
            return
        engine = get_engine()
        if engine.dialect.name != "postgresql":
            err.print("[red]roles are PostgreSQL's: an SQLite file is guarded by its file's owner[/]")
            raise typer.Exit(2)
        with engine.begin() as connection:
            roles.grant(connection, role)
        err.print(f"[green]{role}[/] may read and write, and only add to the audit trail")

    app.add_typer(group, name="db")


def _safe_url() -> str:
    url = get_settings().database_url
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if at else url

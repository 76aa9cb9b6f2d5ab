"""`fangyi db`: the schema, by Alembic migrations."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console


def register(app: typer.Typer) -> None:
    group = typer.Typer(help="Database schema: migrations.", no_args_is_help=True)

    @group.command("upgrade")
    def upgrade_cmd(revision: str = typer.Argument("heads")) -> None:
        """Bring the configured database's schema up to date."""
        from fangyi.db.migrate import upgrade

        upgrade(revision)
        Console(stderr=True).print(f"[green]schema at {revision}[/] ({_safe_url()})")

    @group.command("current")
    def current_cmd() -> None:
        """Show the schema revision of the configured database."""
        from alembic import command

        from fangyi.config import get_settings
        from fangyi.db.migrate import alembic_config

        command.current(alembic_config(get_settings().database_url))

    @group.command("grant")
    def grant_cmd(role: str = typer.Argument(..., help="the role the server connects as (it must exist)"),
                  show: bool = typer.Option(False, "--show", metavar="",
                                            help="print the statements instead of running them"),
                  ) -> None:
        """Give the server's role its rights on PostgreSQL: everything, but only adding to the audit trail.
        Run as the database owner (the role that ran `fangyi db upgrade`)."""
        from fangyi.db import roles
        from fangyi.db.session import get_engine

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


def register_backup(app: typer.Typer) -> None:
    @app.command("backup")
    def backup_cmd(target: Path = typer.Argument(..., help="the file to write")) -> None:
        """Copy the whole database to a file while it keeps serving (SQLite: a consistent snapshot;
        PostgreSQL: pg_dump's custom format)."""
        from fangyi.config import get_settings
        from fangyi.db import backup
        from fangyi.errors import DomainError

        err = Console(stderr=True)
        try:
            size = backup.backup(get_settings().database_url, target)
        except (DomainError, backup.BackupError) as exc:
            err.print(f"[red]{getattr(exc, 'detail', exc)}[/]")
            raise typer.Exit(1) from None
        err.print(f"[green]backed up[/] {_safe_url()} to {target} ({size:,} bytes)")

    @app.command("restore")
    def restore_cmd(source: Path = typer.Argument(..., help="a file `fangyi backup` wrote"),
                    yes: bool = typer.Option(False, "--yes", metavar="", help="do not ask")) -> None:
        """Put a backup back as the whole database. Stop the server first: what it holds now is replaced."""
        from fangyi.config import get_settings
        from fangyi.db import backup
        from fangyi.errors import DomainError

        err = Console(stderr=True)
        if not yes and not typer.confirm(f"replace everything in {_safe_url()} with {source}?"):
            raise typer.Exit(1)
        try:
            backup.restore(get_settings().database_url, source)
        except (DomainError, backup.BackupError) as exc:
            err.print(f"[red]{getattr(exc, 'detail', exc)}[/]")
            raise typer.Exit(1) from None
        err.print(f"[green]restored[/] {_safe_url()} from {source}; run `fangyi db upgrade` if it is older")


def _safe_url() -> str:
    from fangyi.config import get_settings

    url = get_settings().database_url
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if at else url

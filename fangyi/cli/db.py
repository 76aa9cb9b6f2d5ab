"""`fangyi db`: the schema, by Alembic migrations."""

from __future__ import annotations

import typer
from alembic import command
from rich.console import Console

from fangyi.config import get_settings
from fangyi.db.migrate import alembic_config, upgrade


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

    app.add_typer(group, name="db")


def _safe_url() -> str:
    url = get_settings().database_url
    head, at, tail = url.rpartition("@")
    return f"{head.split('://')[0]}://…@{tail}" if at else url

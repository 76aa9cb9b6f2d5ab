"""Alembic, driven from code so that `fangyi db upgrade` needs no alembic.ini.

Each part's migrations may form their own branch off the registry's first
revision, so upgrades go to "heads" (every branch's tip), not one "head".
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(revision: str = "heads", *, url: str | None = None, connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(revision: str, *, url: str | None = None) -> None:
    command.downgrade(alembic_config(url), revision)

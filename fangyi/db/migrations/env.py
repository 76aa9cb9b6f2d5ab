"""Alembic environment: the URL comes from Fangyi's settings unless given."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from fangyi.assembly import load_models
from fangyi.config import get_settings
from fangyi.db.base import Base
from fangyi.db.session import engine_for

config = context.config
load_models()  # every part's tables, for the schema
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run() -> None:
    given = config.attributes.get("connection")
    if given is not None:
        _run(given)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    with engine_for(url).connect() as connection:
        _run(connection)
        connection.commit()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `fangyi db upgrade`")
run()

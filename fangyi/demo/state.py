"""What the target database holds before a build, and starting it afresh."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import make_url

from fangyi.audit.models import AuditEntry
from fangyi.db.session import engine_for

# Tables whose rows mean somebody's data is here.
DATA_TABLES = ("areas", "persons", "venues", "users")


def holds_data(url: str) -> bool:
    if _sqlite_missing(url):
        return False
    engine = engine_for(url)
    with engine.connect() as conn:
        present = set(inspect(conn).get_table_names())
        return any(
            conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None
            for table in DATA_TABLES
            if table in present
        )


def demo_built(url: str) -> dict[str, Any] | None:
    """The description of the demo this database holds, from its build's audit entry, if any."""
    if _sqlite_missing(url):
        return None
    engine = engine_for(url)
    with engine.connect() as conn:
        if "audit_log" not in inspect(conn).get_table_names():
            return None
        after = conn.execute(
            select(AuditEntry.after)
            .where(AuditEntry.entity == "demo", AuditEntry.action == "build")
            .order_by(AuditEntry.id.desc())
            .limit(1)
        ).scalar()
    return dict(after) if after else None


def wipe(url: str) -> None:
    """Remove everything: the SQLite file, or PostgreSQL's public schema (migrations rebuild it)."""
    engine = engine_for(url)
    engine.dispose()
    if url.startswith("sqlite"):
        path = _sqlite_path(url)
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
        conn.commit()
    engine.dispose()


def _sqlite_path(url: str) -> Path | None:
    database = make_url(url).database
    return Path(database) if database and database != ":memory:" else None


def _sqlite_missing(url: str) -> bool:
    if not url.startswith("sqlite"):
        return False
    path = _sqlite_path(url)
    return path is not None and not path.exists()

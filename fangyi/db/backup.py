"""Backing up and restoring the whole database, on either kind.

SQLite: the online backup API copies a consistent snapshot while the server keeps serving; a
restore replaces the file whole (written beside it first, then renamed over it). PostgreSQL:
`pg_dump` in its custom format, restored by `pg_restore` (the client tools of the server's
version, from the distribution's postgresql-client).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from fangyi.config import sqlite_file
from fangyi.errors import Invalid


class BackupError(RuntimeError):
    """The copy could not be made or read back; the reason is for the operator."""


def _libpq(url: str) -> str:
    """The URL as pg_dump takes it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def backup(url: str, target: Path) -> int:
    """Write a copy of the database to `target`; its size in bytes."""
    database = sqlite_file(url)
    if database is not None:
        if not database.is_file():
            raise Invalid(f"no database at {database}")
        source = sqlite3.connect(database)
        try:
            copy = sqlite3.connect(target)
            try:
                source.backup(copy)
            finally:
                copy.close()
        finally:
            source.close()
        return target.stat().st_size
    if shutil.which("pg_dump") is None:
        raise BackupError("pg_dump is not installed (apt-get install postgresql-client)")
    done = subprocess.run(["pg_dump", "--format=custom", "--no-owner", f"--file={target}", _libpq(url)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
    return target.stat().st_size


def _is_fangyi(path: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
            return connection.execute("SELECT count(*) FROM alembic_version").fetchone() is not None
    except sqlite3.DatabaseError:
        return False


def restore(url: str, source: Path) -> None:
    """Put the copy at `source` back as the whole database (stop the server first)."""
    if not source.is_file():
        raise Invalid(f"no backup at {source}")
    database = sqlite_file(url)
    if database is not None:
        if not _is_fangyi(source):
            raise Invalid(f"{source} is not a backup of a Fangyi database")
        staged = database.with_name(database.name + ".restoring")
        backup(f"sqlite:///{source}", staged)
        for stale in (database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
            stale.unlink(missing_ok=True)
        os.replace(staged, database)
        return
    if shutil.which("pg_restore") is None:
        raise BackupError("pg_restore is not installed (apt-get install postgresql-client)")
    done = subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                           f"--dbname={_libpq(url)}", str(source)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()}")

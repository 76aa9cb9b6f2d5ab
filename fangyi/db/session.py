"""Engines and sessions. One engine per database URL, made on first use."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.orm import Session

from fangyi.config import get_settings
from fangyi.db.pragmas import SQLITE_PRAGMAS


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()


# Execution option: on SQLite, take the write lock at BEGIN. A transaction that reads and then
# writes would otherwise fail at its first write if another connection wrote in between.
WRITE_FIRST = "fangyi_write_first"


def write_first(session: Session) -> None:
    """Begin the session's transaction holding SQLite's write lock, when it has not begun (and the
    session is the app's own, on an engine: a test's session on a connection began already)."""
    if (isinstance(session.bind, Engine) and session.bind.dialect.name == "sqlite"
            and not session.in_transaction()):
        session.connection(execution_options={WRITE_FIRST: True})


def writing(session: Session) -> None:
    """About to read what it will change: on SQLite, a session that has not begun begins holding
    the write lock (its first write cannot then meet a snapshot another writer made stale). Safe
    anywhere: a transaction already under way is left as it is (it may hold writes of its own)."""
    if (isinstance(session.bind, Engine) and session.bind.dialect.name == "sqlite"
            and not session.in_transaction()):
        write_first(session)


def begin_writing(session: Session) -> None:
    """At the start of a request that writes, after signing in (which only read, or wrote the
    token's last use and committed it): on SQLite, end that read and go on holding the write lock,
    so that writers take turns (waiting up to the busy timeout) instead of failing at their first
    write with "database is locked". Nothing on PostgreSQL, whose rows lock one by one."""
    if not (isinstance(session.bind, Engine) and session.bind.dialect.name == "sqlite"):
        return
    if session.in_transaction():
        if session.connection().get_execution_options().get(WRITE_FIRST):
            return  # holding the lock already
        session.commit()
    write_first(session)


def one_at_a_time(session: Session, name: str) -> None:
    """Until the transaction ends, the only one doing `name` (an allocation, say): on PostgreSQL by
    a transaction-scoped advisory lock, which the next one waits for and then reads what the first
    committed; SQLite's one writer already runs writing transactions one after the other."""
    if session.get_bind().dialect.name == "postgresql":
        key = zlib.crc32(name.encode()) - 2**31  # a stable signed 32-bit key
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _sqlite_begin(connection: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy's
    # documented recipe: let SQLAlchemy emit BEGIN itself.
    immediate = connection.get_execution_options().get(WRITE_FIRST, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@lru_cache(maxsize=8)
def engine_for(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def get_engine() -> Engine:
    return engine_for(get_settings().database_url)


def make_session() -> Session:
    return Session(bind=get_engine(), expire_on_commit=False)


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session for the CLI and background work: commit on success, roll back on error."""
    session = make_session()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()




# What a database says when other writers hold it up: SQLite's one writer past the busy timeout,
# PostgreSQL's lock wait, statement timeout, deadlock or serialization failure.
_BUSY_STATES = frozenset({"55P03", "57014", "40P01", "40001"})


def busy(exc: Exception) -> bool:
    """Whether a database error means "held up by other writers: send again", not a fault."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _BUSY_STATES:
        return True
    message = str(orig).lower()
    return "database is locked" in message or "database table is locked" in message

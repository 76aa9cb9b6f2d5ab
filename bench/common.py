"""Shared by the benchmarks: fresh databases, the same-shape scratch table and the raw bulk path."""

from __future__ import annotations

import sqlite3
import statistics
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"

# The ceiling's table has the check-in table's shape after every migration (tracing's covering
# index; each venue's longest stay kept in a table of its own by triggers: row triggers on SQLite,
# migration 0795, statement triggers on PostgreSQL, migration 0535; on PostgreSQL the rows a
# statement added counted too, migration 0810), so the ratio compares like with like.
_CEILING_KEEP_ROW = """
WHEN NEW.out_at - NEW.in_at > coalesce((SELECT longest FROM ceiling_venue_stays WHERE venue_id = NEW.venue_id), -1)
BEGIN
    INSERT INTO ceiling_venue_stays (venue_id, longest) VALUES (NEW.venue_id, NEW.out_at - NEW.in_at)
    ON CONFLICT (venue_id) DO UPDATE SET longest = excluded.longest WHERE excluded.longest > longest;
END"""
SCRATCH_SQLITE = (
    "CREATE TABLE ceiling_checkins (id INTEGER PRIMARY KEY, person_id INTEGER NOT NULL REFERENCES persons(id), "
    "venue_id INTEGER NOT NULL REFERENCES venues(id), in_at BIGINT NOT NULL, out_at BIGINT, import_id INTEGER, "
    "CONSTRAINT uq_ceiling_stay UNIQUE (person_id, venue_id, in_at))",
    "CREATE INDEX ix_ceiling_venue_cover ON ceiling_checkins (venue_id, in_at, out_at, person_id)",
    "CREATE TABLE ceiling_venue_stays (venue_id INTEGER PRIMARY KEY, longest BIGINT NOT NULL)",
    f"CREATE TRIGGER ceiling_stays_inserted AFTER INSERT ON ceiling_checkins {_CEILING_KEEP_ROW}",
)
SCRATCH_PG = (
    "CREATE TABLE ceiling_checkins (id BIGSERIAL PRIMARY KEY, person_id BIGINT NOT NULL REFERENCES persons(id), "
    "venue_id BIGINT NOT NULL REFERENCES venues(id), in_at BIGINT NOT NULL, out_at BIGINT, import_id INTEGER, "
    "CONSTRAINT uq_ceiling_stay UNIQUE (person_id, venue_id, in_at))",
    "CREATE INDEX ix_ceiling_venue_cover ON ceiling_checkins (venue_id, in_at, out_at, person_id)",
    "CREATE TABLE ceiling_venue_stays (venue_id BIGINT PRIMARY KEY, longest BIGINT NOT NULL)",
    """CREATE FUNCTION ceiling_stays_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ceiling_venue_stays AS s (venue_id, longest)
    SELECT c.venue_id, c.longest
    FROM (SELECT venue_id, MAX(out_at - in_at) AS longest FROM changed
          WHERE out_at IS NOT NULL GROUP BY venue_id) c
    LEFT JOIN ceiling_venue_stays k ON k.venue_id = c.venue_id
    WHERE k.venue_id IS NULL OR c.longest > k.longest
    ORDER BY c.venue_id
    ON CONFLICT (venue_id) DO UPDATE SET longest = GREATEST(s.longest, EXCLUDED.longest);
    RETURN NULL;
END $$""",
    "CREATE TRIGGER ceiling_stays_inserted AFTER INSERT ON ceiling_checkins "
    "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ceiling_stays_keep()",
    # The rows a statement added, counted as the check-ins' count is kept (migration 0810).
    "CREATE TABLE ceiling_row_counts (id BIGSERIAL PRIMARY KEY, n BIGINT NOT NULL)",
    """CREATE FUNCTION ceiling_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO ceiling_row_counts (n) SELECT count(*) FROM changed HAVING count(*) > 0;
    RETURN NULL;
END $$""",
    "CREATE TRIGGER ceiling_counts_inserted AFTER INSERT ON ceiling_checkins "
    "REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ceiling_counts_keep()",
)
# What the ceiling leaves behind, dropped before and after it runs.
DROP_CEILING = ("DROP TABLE IF EXISTS ceiling_checkins", "DROP TABLE IF EXISTS ceiling_venue_stays")
DROP_CEILING_PG = (*DROP_CEILING, "DROP TABLE IF EXISTS ceiling_row_counts",
                   "DROP FUNCTION IF EXISTS ceiling_stays_keep()", "DROP FUNCTION IF EXISTS ceiling_counts_keep()")

Rows = Sequence[tuple[int, int, int, int | None]]


def fresh_database(kind: str, workdir: Path, name: str) -> str:
    """An empty database of this kind; returns its SQLAlchemy URL."""
    if kind == "sqlite":
        path = workdir / f"{name}.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def database_size(url: str) -> int:
    if url.startswith("sqlite"):
        path = make_url(url).database or ""
        # Fold the write-ahead log into the file first, so the size does not depend on when it last did.
        with sqlite3.connect(path) as lite:
            lite.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return sum(Path(f"{path}{s}").stat().st_size for s in ("", "-wal") if Path(f"{path}{s}").exists())
    name = make_url(url).database
    with psycopg.connect(PG_ADMIN) as conn:
        row = conn.execute("SELECT pg_database_size(%s)", (name,)).fetchone()
    return int(row[0]) if row else 0


MILLION = 1_000_000


def raw_load(url: str, rows: Rows, *, sqlite_cache_mb: int = 0, millions: list[float] | None = None) -> float:
    """Seconds to load the rows by the driver's own bulk path into a table shaped like checkins.

    ``sqlite_cache_mb``: the page cache the writer being compared uses (0: SQLite's default).
    ``millions``: filled with the seconds at which each whole million was written.
    """
    marks: list[float] = [] if millions is None else millions
    if url.startswith("sqlite"):
        return _raw_sqlite(make_url(url).database or "", rows, sqlite_cache_mb, marks)
    dsn = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(dsn) as conn:
        for statement in (*DROP_CEILING_PG, *SCRATCH_PG):
            conn.execute(statement)
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for start in range(0, len(rows), MILLION):  # a COPY a million, one transaction
                with cursor.copy("COPY ceiling_checkins (person_id, venue_id, in_at, out_at) FROM STDIN") as copy:
                    for row in rows[start : start + MILLION]:
                        copy.write_row(row)
                if start + MILLION <= len(rows):
                    marks.append(time.perf_counter() - started)
        conn.commit()
        elapsed = time.perf_counter() - started
        for statement in DROP_CEILING_PG:
            conn.execute(statement)
        conn.commit()
        return elapsed


def _raw_sqlite(path: str, rows: Rows, cache_mb: int, marks: list[float]) -> float:
    lite = sqlite3.connect(path, isolation_level=None)
    # As the import's writer: no foreign keys checked (its ids come from the registry just read).
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=OFF"):
        lite.execute(f"PRAGMA {pragma}")
    if cache_mb:
        lite.execute(f"PRAGMA cache_size=-{cache_mb * 1024}")
    for statement in (*DROP_CEILING, *SCRATCH_SQLITE):
        lite.execute(statement)
    started = time.perf_counter()
    lite.execute("BEGIN")
    sql = "INSERT INTO ceiling_checkins (person_id, venue_id, in_at, out_at) VALUES (?, ?, ?, ?)"
    for start in range(0, len(rows), 50_000):
        lite.executemany(sql, rows[start : start + 50_000])
        if (start + 50_000) % MILLION == 0 and start + 50_000 <= len(rows):
            marks.append(time.perf_counter() - started)
    lite.execute("COMMIT")
    elapsed = time.perf_counter() - started
    for statement in DROP_CEILING:
        lite.execute(statement)
    lite.close()
    return elapsed


@contextmanager
def signed_in(session: Session, user: Any) -> Iterator[tuple[Any, dict[str, str]]]:
    """The app, on the benchmark's own session, and the headers of a token for the user."""
    from fastapi.testclient import TestClient

    from fangyi.access import SYSTEM
    from fangyi.accounts import service as accounts
    from fangyi.app import create_app
    from fangyi.deps import get_session

    token = accounts.issue_token(session, SYSTEM, user, "bench")
    session.commit()
    app = create_app()

    def same_session() -> Iterator[Session]:
        yield session

    app.dependency_overrides[get_session] = same_session
    with TestClient(app) as client:
        yield client, {"Authorization": f"Bearer {token}"}


def median_rolled_back(fn: Callable[[], Any], session: Session, repeat: int) -> float:
    """The median seconds of `repeat` runs of fn, each rolled back after (every run sees the same data)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
        session.rollback()
    return statistics.median(times)
